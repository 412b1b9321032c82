-- Account security (issue 6): lockout counters, password age and history,
-- session idle and step-up times, second factors, reset tokens, API keys
-- and the tenant's security settings. Secrets are stored as hashes, except
-- the TOTP seed, which must be read back to check codes.

ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_failed_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at BIGINT NOT NULL DEFAULT 0;

-- auth_at is the last time the holder proved who they are (sign-in or
-- step-up); limit is '' for a full session, or what the holder must do
-- first ('mfa_enrolment', 'password_change').
ALTER TABLE sessions ADD COLUMN auth_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN session_limit TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN source_ip TEXT NOT NULL DEFAULT '';

CREATE TABLE security_settings (
    tenant_id  BIGINT NOT NULL PRIMARY KEY REFERENCES tenants(id),
    document   TEXT   NOT NULL, -- JSON, service.SecuritySettings
    updated_at BIGINT NOT NULL
);

-- last_step is the RFC 6238 time step of the last accepted code: a code of
-- that step or an older one is refused (UPDATE ... WHERE last_step < $n).
CREATE TABLE totp_factors (
    user_id      BIGINT NOT NULL PRIMARY KEY REFERENCES users(id),
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
    secret       TEXT   NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    user_id   BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT   NOT NULL,
    UNIQUE (user_id, code_hash)
);

-- A password that was right, waiting for its second factor.
CREATE TABLE mfa_challenges (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    user_id    BIGINT  NOT NULL REFERENCES users(id),
    token_hash TEXT    NOT NULL UNIQUE,
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id);

CREATE TABLE password_history (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    hash       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);

CREATE TABLE password_resets (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT   NOT NULL UNIQUE,
    created_by BIGINT REFERENCES users(id),
    expires_at BIGINT NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
    user_id      BIGINT NOT NULL REFERENCES users(id),
    name         TEXT   NOT NULL,
    token_hash   TEXT   NOT NULL UNIQUE,
    roles        TEXT   NOT NULL, -- comma-separated role keys, a subset of the creator's
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys (tenant_id, user_id);
