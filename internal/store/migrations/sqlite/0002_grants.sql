-- Grants besides role scope: record teams, shares, sharing rules,
-- restriction rules and pools (公海). Every grant keeps who gave it, why,
-- and until when; expired rows are ignored by every query, whether or not a
-- job has removed them yet.

CREATE TABLE customer_team (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    customer_id BIGINT  NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    user_id     BIGINT  NOT NULL REFERENCES users(id),
    level       TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    expires_at  BIGINT,
    granted_by  BIGINT  REFERENCES users(id),
    created_at  BIGINT  NOT NULL,
    UNIQUE (customer_id, user_id)
);
CREATE INDEX customer_team_user ON customer_team (user_id, customer_id);

CREATE TABLE customer_shares (
    id             INTEGER PRIMARY KEY,
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    customer_id    BIGINT  NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    principal_type TEXT    NOT NULL,
    principal_id   BIGINT  NOT NULL,
    include_sub    BOOLEAN NOT NULL DEFAULT FALSE,
    level          TEXT    NOT NULL,
    reason         TEXT    NOT NULL DEFAULT '',
    expires_at     BIGINT,
    granted_by     BIGINT  REFERENCES users(id),
    created_at     BIGINT  NOT NULL
);
CREATE INDEX customer_shares_principal ON customer_shares (principal_type, principal_id, customer_id);
CREATE INDEX customer_shares_customer ON customer_shares (customer_id);

CREATE TABLE sharing_rules (
    id             INTEGER PRIMARY KEY,
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    name           TEXT    NOT NULL,
    criteria       TEXT    NOT NULL, -- JSON, see access.Criteria
    principal_type TEXT    NOT NULL,
    principal_id   BIGINT  NOT NULL,
    include_sub    BOOLEAN NOT NULL DEFAULT FALSE,
    level          TEXT    NOT NULL,
    reason         TEXT    NOT NULL DEFAULT '',
    created_by     BIGINT  REFERENCES users(id),
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE restriction_rules (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    name       TEXT    NOT NULL,
    criteria   TEXT    NOT NULL, -- JSON, see access.Criteria
    principals TEXT    NOT NULL, -- JSON list of access.Principal
    reason     TEXT    NOT NULL DEFAULT '',
    created_by BIGINT  REFERENCES users(id),
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE pools (
    id               INTEGER PRIMARY KEY,
    tenant_id        BIGINT  NOT NULL REFERENCES tenants(id),
    name             TEXT    NOT NULL,
    holding_cap      INTEGER NOT NULL, -- customers one user may hold from this pool
    cooldown_days    INTEGER NOT NULL, -- before a user may re-claim a customer they returned
    auto_return_days INTEGER NOT NULL, -- claimed customers without follow-up return after this; 0 = never
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE pool_departments (
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id),
    pool_id       BIGINT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    PRIMARY KEY (pool_id, department_id)
);

CREATE TABLE pool_events (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    pool_id     BIGINT  NOT NULL REFERENCES pools(id),
    customer_id BIGINT  NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    user_id     BIGINT  REFERENCES users(id),
    kind        TEXT    NOT NULL, -- claim, return, auto_return, place
    reason      TEXT    NOT NULL DEFAULT '',
    at          BIGINT  NOT NULL
);
CREATE INDEX pool_events_customer ON pool_events (customer_id, user_id, at);

CREATE INDEX customers_pool ON customers (pool_id, last_activity_at, id) WHERE owner_id IS NULL;
