-- Custom fields of deals and follow-ups marked sensitive are sealed too
-- (docs/encryption.md, "What is sealed"), like those of customers and
-- contacts: key_id is the data key a row's sensitive values are sealed
-- under (NULL: nothing sealed yet; serve seals such rows at start).
ALTER TABLE deals ADD COLUMN key_id BIGINT;
ALTER TABLE activities ADD COLUMN key_id BIGINT;
