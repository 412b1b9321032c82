-- Where each audit stream (steward serve --audit-stream) has got to in each
-- tenant's chain: the last position it delivered. The stream follows the
-- trail from here after a restart, so it never skips an entry; it may
-- repeat the last batch (at-least-once). A file stream keeps its position
-- next to the file instead, so this holds the syslog streams.
CREATE TABLE audit_stream_cursors (
    sink       TEXT   NOT NULL,
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id),
    seq        BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (sink, tenant_id)
);
