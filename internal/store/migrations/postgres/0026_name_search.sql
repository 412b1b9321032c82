-- Customer names are searched in part (the list's q). An ILIKE '%text%'
-- reads every row it tests, so a rare name is found only after reading
-- every customer the caller may see. A trigram index (pg_trgm) finds the
-- customers whose name holds the text, and the planner uses it for the
-- ILIKE itself. The extension and the index are made by this migration's
-- step (nameTrigramIndex), which finds the schema the extension lives in.
SELECT 1;
