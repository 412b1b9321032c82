-- Customer names are searched in part (the list's q). An ILIKE '%text%'
-- reads every row it tests, so a rare name is found only after reading
-- every customer the caller may see. A trigram index (pg_trgm, a trusted
-- extension since PostgreSQL 13: the database's owner may create it)
-- finds the customers whose name holds the text; the planner uses it for
-- ILIKE itself (docs/architecture.md, "Text search").
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customers_name_trgm ON customers USING gin (name gin_trgm_ops);
