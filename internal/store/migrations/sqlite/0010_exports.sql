-- Governed exports (限制导出和下载). An export is a job over exactly the
-- records and fields its requester may export; above the tenant's threshold
-- it waits for approval. The file is kept in the database in chunks, so any
-- app node can serve the download and a restart loses nothing; it is
-- deleted when the download link expires.

CREATE TABLE exports (
    id              INTEGER PRIMARY KEY,
    tenant_id       BIGINT  NOT NULL REFERENCES tenants(id),
    user_id         BIGINT  NOT NULL REFERENCES users(id),
    object          TEXT    NOT NULL,
    format          TEXT    NOT NULL,
    filter          TEXT    NOT NULL,
    fields          TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    rows_total      BIGINT  NOT NULL,
    rows_written    BIGINT  NOT NULL DEFAULT 0,
    approver_id     BIGINT  REFERENCES users(id),
    decided_at      BIGINT,
    decision_reason TEXT    NOT NULL DEFAULT '',
    sha256          TEXT    NOT NULL DEFAULT '',
    size            BIGINT  NOT NULL DEFAULT 0,
    error           TEXT    NOT NULL DEFAULT '',
    downloads       INTEGER NOT NULL DEFAULT 0,
    max_downloads   INTEGER NOT NULL,
    created_at      BIGINT  NOT NULL,
    started_at      BIGINT,
    heartbeat_at    BIGINT,
    finished_at     BIGINT,
    expires_at      BIGINT
);
CREATE INDEX exports_by_status ON exports (tenant_id, status, id);
CREATE INDEX exports_by_user ON exports (tenant_id, user_id, id);
CREATE INDEX exports_to_run ON exports (status, heartbeat_at);

CREATE TABLE export_chunks (
    export_id BIGINT  NOT NULL REFERENCES exports(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    data      BLOB   NOT NULL,
    PRIMARY KEY (export_id, seq)
);

CREATE TABLE export_settings (
    tenant_id          BIGINT  NOT NULL PRIMARY KEY REFERENCES tenants(id),
    approval_threshold BIGINT  NOT NULL,
    link_hours         INTEGER NOT NULL,
    max_downloads      INTEGER NOT NULL,
    role_limits        TEXT    NOT NULL
);
