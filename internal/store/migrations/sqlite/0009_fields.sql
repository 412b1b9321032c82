-- Field permissions (字段权限) and custom fields. field_defs holds the
-- tenant's custom fields and its changes to built-in ones (labels,
-- sensitivity, mask); the built-ins themselves are in code (package fields).
-- role_field_rules are each role's access to a field, "*" for all fields of
-- the object. Custom values live with their record as a JSON object.

CREATE TABLE field_defs (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    object     TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    builtin    BOOLEAN NOT NULL,
    label_zh   TEXT    NOT NULL,
    label_en   TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    options    TEXT    NOT NULL,
    required   BOOLEAN NOT NULL,
    sensitive  BOOLEAN NOT NULL,
    mask       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    UNIQUE (tenant_id, object, key)
);

CREATE TABLE role_field_rules (
    tenant_id BIGINT  NOT NULL REFERENCES tenants(id),
    role_id   BIGINT  NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    object    TEXT    NOT NULL,
    field     TEXT    NOT NULL,
    access    TEXT    NOT NULL,
    reveal    BOOLEAN NOT NULL,
    PRIMARY KEY (role_id, object, field)
);

ALTER TABLE customers ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE deals ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
ALTER TABLE activities ADD COLUMN custom TEXT NOT NULL DEFAULT '{}';
