-- Sealed customer and contact fields (docs/encryption.md, "What is
-- sealed"). phone, email, address and custom fields marked sensitive hold
-- sealed values; key_id is the data key the row's values were sealed
-- under (NULL: nothing sealed, written before this version or without a
-- master key; serve seals such rows at start). phone_bidx and email_bidx
-- are blind indexes (HMAC under the tenant's index key) of the normalised
-- phone and e-mail, for equality search without opening any value.
ALTER TABLE customers ADD COLUMN key_id BIGINT;
ALTER TABLE customers ADD COLUMN phone_bidx TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN email_bidx TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN key_id BIGINT;
ALTER TABLE contacts ADD COLUMN phone_bidx TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN email_bidx TEXT NOT NULL DEFAULT '';
CREATE INDEX customers_phone_bidx ON customers (tenant_id, phone_bidx) WHERE phone_bidx <> '';
CREATE INDEX customers_email_bidx ON customers (tenant_id, email_bidx) WHERE email_bidx <> '';
CREATE INDEX contacts_phone_bidx ON contacts (tenant_id, phone_bidx) WHERE phone_bidx <> '';
CREATE INDEX contacts_email_bidx ON contacts (tenant_id, email_bidx) WHERE email_bidx <> '';
-- Re-sealing after a key rotation, and counting values per key, look rows
-- up by the key they are under.
CREATE INDEX customers_key ON customers (tenant_id, key_id);
CREATE INDEX contacts_key ON contacts (tenant_id, key_id);
