-- Lifecycle changes (access-model.md section 7): a department move or
-- manager change, and an offboarding. Each applied change keeps its report
-- (what was handed to whom, which grants were removed, who gained and lost
-- access) for the audit trail and the handover (JSON and CSV); the audit
-- event names the report.

CREATE TABLE lifecycle_reports (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    user_id    BIGINT  NOT NULL REFERENCES users(id), -- who moved or left
    kind       TEXT    NOT NULL,                      -- move, offboard
    actor_id   BIGINT  REFERENCES users(id),
    report     TEXT    NOT NULL,                      -- JSON, service.LifecycleReport
    created_at BIGINT  NOT NULL
);
CREATE INDEX lifecycle_reports_user ON lifecycle_reports (tenant_id, user_id, id);

-- Whether a user's customers follow them to a new department (follow) or
-- stay and go to a successor (stay) when a move does not say.
CREATE TABLE lifecycle_settings (
    tenant_id    BIGINT PRIMARY KEY REFERENCES tenants(id),
    move_records TEXT   NOT NULL DEFAULT 'follow'
);
