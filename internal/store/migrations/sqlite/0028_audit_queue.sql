-- Audit entries written by a change, in the change's own transaction,
-- waiting to be sealed onto their tenant's chain (audit_events). The
-- change commits only with its entry here; a chainer (service/audit_chain.go)
-- moves entries from here onto the chain in batches, in id order per
-- tenant, moments later. Kept without secondary indexes, so that
-- recording costs a change one row rather than a chained, indexed entry
-- (docs/architecture.md, "The queue").
CREATE TABLE audit_queue (
    id               INTEGER PRIMARY KEY,
    tenant_id        BIGINT NOT NULL,
    at               BIGINT NOT NULL,
    actor_type       TEXT   NOT NULL,
    actor_id         BIGINT NOT NULL,
    session_id       BIGINT NOT NULL,
    source_ip        TEXT   NOT NULL,
    action           TEXT   NOT NULL,
    target_type      TEXT   NOT NULL,
    target_id        TEXT   NOT NULL,
    outcome          TEXT   NOT NULL,
    details          TEXT   NOT NULL,
    request_id       TEXT   NOT NULL,
    subject_user     BIGINT,
    subject_customer BIGINT
);
