-- Retention (docs/retention.md). A rule removes what is older than its
-- days: activities (follow-ups) by when they happened, deleted; customers
-- by their last activity, anonymised: their personal fields and their
-- contacts' emptied, the business records (deals, the audit trail's ids)
-- kept. A customer under a legal hold is left alone by every rule, and so
-- are its activities. Rules run daily (the retention job) or by hand,
-- after a preview that reads exactly what the run will change.
CREATE TABLE retention_rules (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    name        TEXT    NOT NULL,
    object      TEXT    NOT NULL CHECK (object IN ('activity', 'customer')),
    action      TEXT    NOT NULL CHECK (action IN ('delete', 'anonymise')),
    days        INTEGER NOT NULL CHECK (days >= 30),
    enabled     BOOLEAN NOT NULL DEFAULT 1,
    created_by  BIGINT  REFERENCES users(id),
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    last_run_at BIGINT,
    UNIQUE (tenant_id, name)
);

CREATE TABLE legal_holds (
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    customer_id BIGINT  NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL,
    placed_by   BIGINT  REFERENCES users(id),
    placed_at   BIGINT  NOT NULL,
    PRIMARY KEY (customer_id)
);
CREATE INDEX legal_holds_tenant ON legal_holds (tenant_id, customer_id);

-- When retention anonymised a customer: such customers are not matched again.
ALTER TABLE customers ADD COLUMN anonymised_at BIGINT;
-- Activities by age, for the rules that delete old ones.
CREATE INDEX activities_age ON activities (tenant_id, occurred_at);
