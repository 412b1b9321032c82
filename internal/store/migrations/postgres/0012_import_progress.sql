-- An import's progress while it checks the file, before it writes: the
-- rows read and checked so far (rows_done counts the rows written).
ALTER TABLE imports ADD COLUMN rows_read BIGINT NOT NULL DEFAULT 0;
