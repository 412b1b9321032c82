-- Access review campaigns (docs/access-reviews.md, access-model.md section
-- 8): a campaign names whose access is reviewed (scope), who reviews it
-- (reviewer rule), a deadline and what happens to items left undecided;
-- starting it copies every role assignment, record-team membership and
-- user share of the users in scope into review_items, which reviewers
-- certify or revoke. A recurring campaign spawns its successor.

CREATE TABLE review_campaigns (
    id               INTEGER PRIMARY KEY,
    tenant_id        BIGINT  NOT NULL REFERENCES tenants(id),
    name             TEXT    NOT NULL,
    scope            TEXT    NOT NULL, -- JSON, service.ReviewScope: whose access is reviewed
    reviewers        TEXT    NOT NULL, -- JSON, service.ReviewerRule: who reviews it
    deadline         BIGINT  NOT NULL,
    undecided        TEXT    NOT NULL CHECK (undecided IN ('revoke', 'keep', 'escalate')),
    escalation_days  INTEGER NOT NULL DEFAULT 0,
    fallback         TEXT    NOT NULL DEFAULT '' CHECK (fallback IN ('', 'revoke', 'keep')),
    recurrence_days  INTEGER NOT NULL DEFAULT 0,
    status           TEXT    NOT NULL CHECK (status IN ('draft', 'active', 'closed')),
    created_by       BIGINT  NOT NULL REFERENCES users(id), -- the owner: undecidable items go to them
    previous_id      BIGINT  REFERENCES review_campaigns(id), -- the campaign this one recurs from
    round            INTEGER NOT NULL DEFAULT 1,
    escalated_at     BIGINT,
    escalated_until  BIGINT, -- the deadline escalation set; it replaces deadline
    created_at       BIGINT  NOT NULL,
    started_at       BIGINT,
    closed_at        BIGINT,
    UNIQUE (tenant_id, id) -- the tenant's campaigns by id; what items reference
);
-- The jobs' sweeps: active campaigns past their deadline, closed recurring ones.
CREATE INDEX review_campaigns_status ON review_campaigns (status, deadline);
-- A campaign recurs once: two runs of the recurrence job cannot both spawn its successor.
CREATE UNIQUE INDEX review_campaigns_previous ON review_campaigns (previous_id);

-- One grant of one user under review, with a copy of the grant as it was
-- when the campaign started (the grant may change or go; the evidence
-- stays), who reviews it, and the decision. grant_id names the row of
-- role_assignments, customer_team or customer_shares; neither it,
-- role_id nor customer_id has a foreign key, for the same reason. The
-- columns naming users have none either: they are copied from rows that
-- reference users already, users are never deleted, and on PostgreSQL each
-- foreign key is a check per row that locks the referenced row, which
-- doubled the time to generate a campaign (10,000 role items: 0.36-0.72 s
-- with checks on user_id and reviewer_id, 0.18-0.21 s without). The one
-- check left, on (tenant_id, campaign_id), keeps every item in its
-- campaign and its campaign's tenant.
CREATE TABLE review_items (
    id                INTEGER PRIMARY KEY,
    tenant_id         BIGINT  NOT NULL,
    campaign_id       BIGINT  NOT NULL,
    user_id           BIGINT  NOT NULL, -- whose access
    kind              TEXT    NOT NULL CHECK (kind IN ('role', 'share', 'team')),
    grant_id          BIGINT  NOT NULL,
    role_id           BIGINT,
    role_key          TEXT    NOT NULL DEFAULT '',
    customer_id       BIGINT,
    level             TEXT    NOT NULL DEFAULT '',
    reason            TEXT    NOT NULL DEFAULT '',
    granted_by        BIGINT,
    granted_at        BIGINT  NOT NULL,
    expires_at        BIGINT,
    last_exercised_at BIGINT, -- latest recorded use since granted (docs/access-reviews.md)
    reviewer_id       BIGINT, -- NULL: any run_reviews holder but the user
    escalated_from    BIGINT,
    escalated_at      BIGINT,
    decision          TEXT    CHECK (decision IN ('certify', 'revoke', 'expired-kept', 'expired-revoked')),
    comment           TEXT    NOT NULL DEFAULT '',
    decided_by        BIGINT, -- NULL for the deadline's decisions
    decided_at        BIGINT,
    applied           TEXT    NOT NULL DEFAULT '', -- what the decision changed: revoked, gone, kept_last_administrator
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES review_campaigns (tenant_id, id)
);
-- Items of a campaign in order, for lists, the deadline and the evidence pack.
CREATE INDEX review_items_campaign ON review_items (campaign_id, id);
-- "My items to review" in a campaign, progress per reviewer, the campaigns
-- a reviewer sees. No index across campaigns: no query needs one, and each
-- index of this table costs every generated item an insert.
CREATE INDEX review_items_reviewer ON review_items (campaign_id, reviewer_id, decision);

-- The users a starting campaign covers, with the reviewer of their role
-- assignments: the rows exist only inside the transaction that starts the
-- campaign, so that its items are made with one INSERT ... SELECT per kind
-- of grant instead of one statement per grant.
CREATE TABLE review_generation (
    campaign_id BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    reviewer_id BIGINT,
    PRIMARY KEY (campaign_id, user_id)
);

-- Reminders sent to reviewers with items still to decide.
CREATE TABLE review_reminders (
    id          INTEGER PRIMARY KEY,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id),
    campaign_id BIGINT  NOT NULL REFERENCES review_campaigns(id),
    reviewer_id BIGINT  NOT NULL REFERENCES users(id),
    pending     INTEGER NOT NULL,
    sent_at     BIGINT  NOT NULL
);
CREATE INDEX review_reminders_reviewer ON review_reminders (campaign_id, reviewer_id, sent_at);
