-- Customer names are searched in part (the list's q). A LIKE '%text%'
-- reads every row it tests, so a rare name is found only after reading
-- every customer the caller may see. A trigram index (FTS5, external
-- content: it keeps the trigrams, not a copy of the names) finds the
-- customers whose name holds the text, for texts of three or more
-- characters (docs/architecture.md, "Text search"). Triggers keep it in
-- step with every write, bulk loads included.
CREATE VIRTUAL TABLE customers_name_fts USING fts5(name, content='customers', content_rowid='id', tokenize='trigram');
INSERT INTO customers_name_fts (customers_name_fts) VALUES ('rebuild');
CREATE TRIGGER customers_name_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_name_fts (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER customers_name_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_name_fts (customers_name_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER customers_name_fts_update AFTER UPDATE OF name ON customers BEGIN
    INSERT INTO customers_name_fts (customers_name_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO customers_name_fts (rowid, name) VALUES (new.id, new.name);
END;
