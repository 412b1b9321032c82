-- The audit trail: one hash chain per tenant (audit.Entry), its head, and
-- signed checkpoints. The product never updates or deletes audit rows;
-- retention pruning removes whole segments up to a checkpoint.

CREATE TABLE audit_events (
    id               INTEGER PRIMARY KEY,
    tenant_id        BIGINT  NOT NULL REFERENCES tenants(id),
    seq              BIGINT  NOT NULL,
    at               BIGINT  NOT NULL,
    actor_type       TEXT    NOT NULL,
    actor_id         BIGINT  NOT NULL,
    session_id       BIGINT  NOT NULL,
    source_ip        TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    target_type      TEXT    NOT NULL,
    target_id        TEXT    NOT NULL,
    outcome          TEXT    NOT NULL,
    details          TEXT    NOT NULL,
    request_id       TEXT    NOT NULL,
    prev_hash        TEXT    NOT NULL,
    hash             TEXT    NOT NULL,
    subject_user     BIGINT, -- whose access the entry changed, for permission history
    subject_customer BIGINT, -- which customer's access it changed, for access history
    UNIQUE (tenant_id, seq)
);
CREATE INDEX audit_events_at ON audit_events (tenant_id, at);
CREATE INDEX audit_events_actor ON audit_events (tenant_id, actor_id, seq);
CREATE INDEX audit_events_action ON audit_events (tenant_id, action, seq);
CREATE INDEX audit_events_target ON audit_events (tenant_id, target_type, target_id, seq);
CREATE INDEX audit_events_subject_user ON audit_events (tenant_id, subject_user, seq) WHERE subject_user IS NOT NULL;
CREATE INDEX audit_events_subject_customer ON audit_events (tenant_id, subject_customer, seq) WHERE subject_customer IS NOT NULL;

-- The head of each tenant's chain. Appending locks this row (on
-- PostgreSQL), which serialises appends per tenant across app nodes.
CREATE TABLE audit_heads (
    tenant_id BIGINT NOT NULL PRIMARY KEY REFERENCES tenants(id),
    seq       BIGINT NOT NULL,
    hash      TEXT   NOT NULL
);
INSERT INTO audit_heads (tenant_id, seq, hash) SELECT id, 0, '' FROM tenants;

CREATE TABLE audit_checkpoints (
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    seq       BIGINT NOT NULL,
    hash      TEXT   NOT NULL,
    at        BIGINT NOT NULL,
    key_id    TEXT   NOT NULL,
    signature TEXT   NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- Where a tenant's retained trail starts after pruning: the checkpoint it
-- is verified from.
CREATE TABLE audit_retention (
    tenant_id   BIGINT NOT NULL PRIMARY KEY REFERENCES tenants(id),
    pruned_seq  BIGINT NOT NULL,
    pruned_hash TEXT   NOT NULL,
    pruned_at   BIGINT NOT NULL
);
