-- Imports of customers (with contacts) from CSV or XLSX: one row per run,
-- with its progress while it runs and its report (per-row errors,
-- duplicates) after. The file itself is not kept; its SHA-256 is.

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    user_id     BIGINT  NOT NULL REFERENCES users(id),
    format      TEXT    NOT NULL,
    mode        TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    rows_total  BIGINT  NOT NULL DEFAULT 0,
    rows_done   BIGINT  NOT NULL DEFAULT 0,
    report      TEXT    NOT NULL DEFAULT '{}',
    created_at  BIGINT  NOT NULL,
    finished_at BIGINT
);
CREATE INDEX imports_by_user ON imports (tenant_id, user_id, id);
