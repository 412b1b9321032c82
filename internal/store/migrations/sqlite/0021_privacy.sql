-- Privacy requests of data subjects (docs/privacy-requests.md): GDPR arts.
-- 15-21, PIPL arts. 44-47. A request names its subject (a customer or a
-- contact) by id only: what the person wrote to ask is kept outside, and
-- the register itself holds no personal value. A request has a deadline,
-- a handler and, once closed, an outcome.
CREATE TABLE privacy_requests (
    id           INTEGER PRIMARY KEY,
    tenant_id    BIGINT  NOT NULL REFERENCES tenants(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('access', 'rectify', 'erase', 'restrict', 'object')),
    subject_type TEXT    NOT NULL CHECK (subject_type IN ('customer', 'contact')),
    subject_id   BIGINT  NOT NULL,
    customer_id  BIGINT  NOT NULL, -- the subject's customer (itself, or the contact's)
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'refused')),
    due_at       BIGINT  NOT NULL,
    handler_id   BIGINT  NOT NULL REFERENCES users(id),
    note         TEXT    NOT NULL DEFAULT '',
    outcome      TEXT    NOT NULL DEFAULT '',
    created_by   BIGINT  NOT NULL REFERENCES users(id),
    created_at   BIGINT  NOT NULL,
    closed_at    BIGINT
);
CREATE INDEX privacy_requests_tenant ON privacy_requests (tenant_id, status, due_at);

-- Customers whose processing is restricted (GDPR art. 18): frozen from
-- edits and left out of exports until lifted.
CREATE TABLE processing_restrictions (
    customer_id BIGINT  NOT NULL PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    request_id  BIGINT,
    since       BIGINT  NOT NULL
);
