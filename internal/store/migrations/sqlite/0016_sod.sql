-- Separation of duties (docs/separation-of-duties.md). A rule names 2 to 10
-- holdings (function:NAME, object.action or duty:NAME, comma-separated and
-- sorted, as access.SoDRule keeps them) that nobody may have together; its
-- mode says whether a grant that would break it is refused or allowed with
-- a justification. The 三员分立 profile's own rules are code, not rows.
-- The migration's Go step (store.presetDutyRoles) gives every existing
-- tenant the profile's three administrator roles, as new tenants get them.

CREATE TABLE sod_rules (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    name        TEXT    NOT NULL,
    holdings    TEXT    NOT NULL,
    mode        TEXT    NOT NULL CHECK (mode IN ('refuse', 'justify')),
    description TEXT    NOT NULL DEFAULT '',
    created_by  BIGINT  REFERENCES users(id),
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (tenant_id, name)
);

-- Each conflict a justify rule let through: which rule, whose conflict,
-- the grant that made it (a role assignment, a role edit or an API key:
-- kind and id), who justified it, why and when. The conflicts report shows
-- the latest per user and rule; the audit trail has every one as
-- sod.justified. Deleting a rule deletes its rows (the trail keeps them).
-- rule_name keeps the name the rule had, which a later edit may change.
CREATE TABLE sod_justifications (
    id            INTEGER PRIMARY KEY,
    tenant_id     BIGINT  NOT NULL REFERENCES tenants(id),
    rule_id       BIGINT  NOT NULL REFERENCES sod_rules(id),
    rule_name     TEXT    NOT NULL,
    user_id       BIGINT  NOT NULL REFERENCES users(id),
    role_id       BIGINT, -- the role granted or edited; no foreign key, so removing it keeps the record
    grant_kind    TEXT    NOT NULL CHECK (grant_kind IN ('role_assignment', 'role_edit', 'api_key')),
    grant_id      BIGINT  NOT NULL,
    justification TEXT    NOT NULL,
    justified_by  BIGINT  REFERENCES users(id),
    created_at    BIGINT  NOT NULL
);
CREATE INDEX sod_justifications_user ON sod_justifications (tenant_id, user_id, rule_id, id);

-- The 三员分立 switch. No row: off.
CREATE TABLE sod_profile (
    tenant_id            BIGINT  PRIMARY KEY REFERENCES tenants(id),
    separation_of_duties BOOLEAN NOT NULL DEFAULT FALSE,
    updated_by           BIGINT  REFERENCES users(id),
    updated_at           BIGINT  NOT NULL
);
