-- Data keys for sealed values (docs/encryption.md): random AES-256 keys,
-- each tenant's own, kept here only wrapped by the master key, which lives
-- outside the database (a key file or environment variable, or a KMS).
-- master_id names the master key that wrapped it, so that after a change
-- of master key the keys still under the old one are found and re-wrapped.
-- A sealed value names its key by id; the tenant's current key is its
-- newest one not retired (rotation adds a key and retires the old one once
-- nothing is sealed under it). Ids are random, so an id the service has
-- cached never comes to name another key. Kind 'index' is a tenant's key
-- for blind indexes (HMAC of searchable sealed values), kept apart from
-- the data keys so that rotating those does not change every index.
CREATE TABLE data_keys (
    id         BIGINT  NOT NULL PRIMARY KEY, -- random (store.CreateDataKey): never reused, even after a rollback
    kind       TEXT    NOT NULL DEFAULT 'data' CHECK (kind IN ('data', 'index')),
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    wrapped    TEXT    NOT NULL, -- base64 of the wrapped key
    master_id  TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    retired_at BIGINT
);
CREATE INDEX data_keys_tenant ON data_keys (tenant_id, kind, created_at);
