-- A deleted tenant (docs/encryption.md, "Deleting a tenant") keeps only
-- its row, as a tombstone: its id is never reused and its slug stays
-- taken. Its keys are destroyed first (crypto-shredding), then its rows.
ALTER TABLE tenants ADD COLUMN deleted_at BIGINT;
