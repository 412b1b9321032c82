-- Access requests (docs/temporary-access.md): a user asks for a role or for
-- access to one customer, for a bounded time, with a reason; an approver
-- grants it through the ordinary role assignment or share, which then
-- carries the expiry. customer_id has no foreign key on purpose: a request
-- may name a customer its requester cannot see, or one that does not exist,
-- and the two must look alike to the requester. role_id has none either, so
-- that removing a role keeps the history of the requests for it. A pending
-- request reads as expired once it is older than the service allows
-- (service.RequestLapse); that state is computed, not stored, so no job is
-- needed for it.

CREATE TABLE access_requests (
    id               INTEGER PRIMARY KEY,
    tenant_id        BIGINT  NOT NULL REFERENCES tenants(id),
    requester_id     BIGINT  NOT NULL REFERENCES users(id),
    kind             TEXT    NOT NULL CHECK (kind IN ('role', 'customer')),
    role_id          BIGINT,
    customer_id      BIGINT,
    level            TEXT    NOT NULL DEFAULT '' CHECK (level IN ('', 'read', 'edit')),
    reason           TEXT    NOT NULL,
    duration_seconds BIGINT  NOT NULL CHECK (duration_seconds BETWEEN 3600 AND 7776000),
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'refused', 'cancelled')),
    decided_by       BIGINT  REFERENCES users(id),
    decided_at       BIGINT,
    decision_comment TEXT    NOT NULL DEFAULT '',
    grant_id         BIGINT, -- the role assignment or share the approval made
    grant_expires_at BIGINT,
    created_at       BIGINT  NOT NULL,
    CHECK ((kind = 'role') = (role_id IS NOT NULL) AND (kind = 'customer') = (customer_id IS NOT NULL))
);
-- "My requests", newest first.
CREATE INDEX access_requests_by_requester ON access_requests (tenant_id, requester_id, id);
-- The tenant's pending requests, for approvers, oldest first.
CREATE INDEX access_requests_pending ON access_requests (tenant_id, status, created_at);
