-- Second-factor codes sent by e-mail or SMS (docs/security.md, "Codes by
-- e-mail or SMS"), a weaker factor than TOTP that a tenant may allow. A
-- user has at most one confirmed factor: a row here or in totp_factors.
-- The address is sealed (service/keys.go) under the tenant's data key,
-- bound to this table, column and user.
CREATE TABLE code_factors (
    user_id      BIGINT NOT NULL PRIMARY KEY REFERENCES users(id),
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
    channel      TEXT   NOT NULL CHECK (channel IN ('email', 'sms')),
    address      TEXT   NOT NULL,
    confirmed_at BIGINT,
    created_at   BIGINT NOT NULL
);

-- Every code sent: kept as a salted hash, for one purpose and bound to
-- what it was sent for (bound_to: the pending sign-in of a 'sign_in'
-- code, the session of an 'enrol' or 'step_up' one). attempts counts the
-- tries taken with a compare-and-set; spent_at is set when the code is
-- used, burned by its last wrong try or replaced by a newer one, each
-- with a compare-and-set on spent_at IS NULL, so a code works once. Rows
-- stay an hour after sending: the resend limit counts them.
CREATE TABLE mfa_codes (
    id         INTEGER PRIMARY KEY,
    tenant_id  BIGINT  NOT NULL REFERENCES tenants(id),
    user_id    BIGINT  NOT NULL REFERENCES users(id),
    purpose    TEXT    NOT NULL CHECK (purpose IN ('enrol', 'sign_in', 'step_up')),
    bound_to   BIGINT  NOT NULL,
    salt       TEXT    NOT NULL,
    code_hash  TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    sent_at    BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    spent_at   BIGINT
);
CREATE INDEX mfa_codes_user ON mfa_codes (user_id, sent_at);
