-- Steward's first schema. Every table carries tenant_id; ids are unique
-- across tenants, so a foreign id can never name another tenant's row by
-- accident, and every query still filters on the tenant. Times are Unix
-- microseconds (UTC) on both engines.

CREATE TABLE tenants (
    id             INTEGER PRIMARY KEY,
    slug           TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    policy_version BIGINT  NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL
);

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    parent_id  BIGINT  REFERENCES departments(id),
    name       TEXT    NOT NULL,
    depth      INTEGER NOT NULL,
    path       TEXT    NOT NULL, -- ancestor ids from the root, '/'-separated, ending with id
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX departments_parent ON departments (tenant_id, parent_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    tenant_id     BIGINT  NOT NULL REFERENCES tenants(id),
    email         TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    phone         TEXT    NOT NULL DEFAULT '',
    department_id BIGINT  NOT NULL REFERENCES departments(id),
    manager_id    BIGINT  REFERENCES users(id),
    status        TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    UNIQUE (tenant_id, email)
);
CREATE INDEX users_manager ON users (tenant_id, manager_id);
CREATE INDEX users_department ON users (tenant_id, department_id);

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE group_members (
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    group_id  BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    key         TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    preset      BOOLEAN NOT NULL DEFAULT FALSE,
    functions   TEXT    NOT NULL DEFAULT '', -- comma-separated system functions
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (tenant_id, key)
);

CREATE TABLE role_permissions (
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    role_id   BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    object    TEXT   NOT NULL,
    action    TEXT   NOT NULL,
    scope     TEXT   NOT NULL,
    PRIMARY KEY (role_id, object, action)
);

CREATE TABLE role_assignments (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    user_id    BIGINT  NOT NULL REFERENCES users(id),
    role_id    BIGINT  NOT NULL REFERENCES roles(id),
    reason     TEXT    NOT NULL DEFAULT '',
    expires_at BIGINT,
    granted_by BIGINT  REFERENCES users(id),
    created_at BIGINT  NOT NULL,
    UNIQUE (user_id, role_id)
);
CREATE INDEX role_assignments_role ON role_assignments (role_id);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    tenant_id    BIGINT  NOT NULL REFERENCES tenants(id),
    user_id      BIGINT  NOT NULL REFERENCES users(id),
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- customers carries its owner department's ancestors (dept_l1 = the root
-- ... dept_l8), so that every department subtree is one index range ordered
-- by last activity (docs/architecture.md, "List filtering").
CREATE TABLE customers (
    id               INTEGER PRIMARY KEY,
    tenant_id        BIGINT  NOT NULL REFERENCES tenants(id),
    name             TEXT    NOT NULL,
    industry         TEXT    NOT NULL DEFAULT '',
    level            TEXT    NOT NULL DEFAULT '',
    region           TEXT    NOT NULL DEFAULT '',
    source           TEXT    NOT NULL DEFAULT '',
    phone            TEXT    NOT NULL DEFAULT '',
    email            TEXT    NOT NULL DEFAULT '',
    address          TEXT    NOT NULL DEFAULT '',
    notes            TEXT    NOT NULL DEFAULT '',
    owner_id         BIGINT  REFERENCES users(id),
    owner_dept_id    BIGINT  REFERENCES departments(id),
    pool_id          BIGINT,
    dept_l1          BIGINT, dept_l2 BIGINT, dept_l3 BIGINT, dept_l4 BIGINT,
    dept_l5          BIGINT, dept_l6 BIGINT, dept_l7 BIGINT, dept_l8 BIGINT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    last_activity_at BIGINT  NOT NULL
);
CREATE INDEX customers_recent ON customers (tenant_id, last_activity_at, id);
CREATE INDEX customers_owner ON customers (owner_id, last_activity_at, id);
CREATE INDEX customers_owner_dept ON customers (owner_dept_id, last_activity_at, id);
CREATE INDEX customers_l2 ON customers (dept_l2, last_activity_at, id) WHERE dept_l2 IS NOT NULL;
CREATE INDEX customers_l3 ON customers (dept_l3, last_activity_at, id) WHERE dept_l3 IS NOT NULL;
CREATE INDEX customers_l4 ON customers (dept_l4, last_activity_at, id) WHERE dept_l4 IS NOT NULL;
CREATE INDEX customers_l5 ON customers (dept_l5, last_activity_at, id) WHERE dept_l5 IS NOT NULL;
CREATE INDEX customers_l6 ON customers (dept_l6, last_activity_at, id) WHERE dept_l6 IS NOT NULL;
CREATE INDEX customers_l7 ON customers (dept_l7, last_activity_at, id) WHERE dept_l7 IS NOT NULL;
CREATE INDEX customers_l8 ON customers (dept_l8, last_activity_at, id) WHERE dept_l8 IS NOT NULL;

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    customer_id BIGINT  NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    title       TEXT    NOT NULL DEFAULT '',
    phone       TEXT    NOT NULL DEFAULT '',
    email       TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX contacts_customer ON contacts (customer_id, id);

CREATE TABLE deals (
    id             INTEGER PRIMARY KEY,
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    customer_id    BIGINT  NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    amount         BIGINT  NOT NULL DEFAULT 0, -- minor units
    currency       TEXT    NOT NULL,
    stage          TEXT    NOT NULL,
    expected_close TEXT    NOT NULL DEFAULT '',
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX deals_customer ON deals (customer_id, id);

CREATE TABLE activities (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    customer_id BIGINT  NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    type        TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    occurred_at BIGINT  NOT NULL,
    created_by  BIGINT  REFERENCES users(id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX activities_customer ON activities (customer_id, occurred_at, id);
