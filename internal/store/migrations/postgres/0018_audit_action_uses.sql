-- Least-privilege insights (internal/store/insights_uses.go) ask, per user
-- and action, when the user last did it. The answer is folded out of the
-- audit trail into this table, a GROUP BY actor_id, action with MAX(at)
-- over the entries after the last folded position (audit_action_marks),
-- read through the trail's (tenant_id, seq) key. Nothing is added to the
-- audit append: an index on (tenant_id, actor_id, action, at) answered the
-- same question by one probe per pair but cost every audited change about
-- a quarter more for its entry (docs/benchmarks.md, "Insights").
CREATE TABLE audit_action_uses (
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    actor_id  BIGINT NOT NULL,
    action    TEXT   NOT NULL,
    last_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, actor_id, action)
);

-- The last audit position folded into audit_action_uses, per tenant.
CREATE TABLE audit_action_marks (
    tenant_id   BIGINT NOT NULL PRIMARY KEY REFERENCES tenants(id),
    through_seq BIGINT NOT NULL
);
