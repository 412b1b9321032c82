package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/errs"
)

// Access review campaigns and their items (migration 0017,
// docs/access-reviews.md). Generating a campaign's items is in
// reviews_generate.go; the sweeps of the jobs in reviews_sweep.go.

// The states of a campaign.
const (
	ReviewDraft  = "draft"
	ReviewActive = "active"
	ReviewClosed = "closed"
)

// The kinds of grant an item reviews and the decisions on it. A pending
// item has no decision; an escalated one is pending with escalated_at set.
const (
	ReviewRole  = "role"
	ReviewShare = "share"
	ReviewTeam  = "team"

	DecisionCertify        = "certify"
	DecisionRevoke         = "revoke"
	DecisionExpiredKept    = "expired-kept"
	DecisionExpiredRevoked = "expired-revoked"
)

// ReviewCampaign is a campaign as stored. Scope and Reviewers are JSON,
// read by the service.
type ReviewCampaign struct {
	ID             int64
	TenantID       int64
	Name           string
	Scope          string
	Reviewers      string
	Deadline       time.Time
	Undecided      string // revoke, keep or escalate
	EscalationDays int
	Fallback       string // after an escalation: revoke or keep
	RecurrenceDays int
	Status         string
	CreatedBy      int64
	PreviousID     *int64
	Round          int
	EscalatedAt    *time.Time
	EscalatedUntil *time.Time
	CreatedAt      time.Time
	StartedAt      *time.Time
	ClosedAt       *time.Time
}

// Due is when the campaign's undecided items fall to its policy: the
// deadline, or the one escalation set.
func (c ReviewCampaign) Due() time.Time {
	if c.EscalatedUntil != nil {
		return *c.EscalatedUntil
	}
	return c.Deadline
}

const reviewCampaignCols = `id, tenant_id, name, scope, reviewers, deadline, undecided, escalation_days, fallback, recurrence_days,
	status, created_by, previous_id, round, escalated_at, escalated_until, created_at, started_at, closed_at`

func scanReviewCampaign(sc interface{ Scan(...any) error }, c *ReviewCampaign) error {
	var prev, escAt, escUntil, started, closed sql.NullInt64
	var deadline, created int64
	if err := sc.Scan(&c.ID, &c.TenantID, &c.Name, &c.Scope, &c.Reviewers, &deadline, &c.Undecided, &c.EscalationDays, &c.Fallback,
		&c.RecurrenceDays, &c.Status, &c.CreatedBy, &prev, &c.Round, &escAt, &escUntil, &created, &started, &closed); err != nil {
		return err
	}
	c.Deadline, c.CreatedAt, c.PreviousID = FromMicros(deadline), FromMicros(created), int64Ptr(prev)
	c.EscalatedAt, c.EscalatedUntil, c.StartedAt, c.ClosedAt = timePtr(escAt), timePtr(escUntil), timePtr(started), timePtr(closed)
	return nil
}

// CreateReviewCampaign stores a new campaign, a draft unless Status says
// otherwise.
func (t *Tx) CreateReviewCampaign(ctx context.Context, c *ReviewCampaign) error {
	if c.Status == "" {
		c.Status = ReviewDraft
	}
	if c.Round == 0 {
		c.Round = 1
	}
	id, err := t.insert(ctx, "store.CreateReviewCampaign", `INSERT INTO review_campaigns (tenant_id, name, scope, reviewers, deadline,
		undecided, escalation_days, fallback, recurrence_days, status, created_by, previous_id, round, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		c.TenantID, c.Name, c.Scope, c.Reviewers, Micros(c.Deadline), c.Undecided, c.EscalationDays, c.Fallback, c.RecurrenceDays,
		c.Status, c.CreatedBy, nullID(c.PreviousID), c.Round, Micros(c.CreatedAt))
	if e, ok := err.(*errs.Error); ok && e.Code == "already_exists" {
		return errs.E(errs.Conflict, "review_already_recurred", "the campaign's next round exists already")
	}
	c.ID = id
	return err
}

// ReviewCampaign returns one campaign of the tenant.
func (t *Tx) ReviewCampaign(ctx context.Context, tenantID, id int64) (ReviewCampaign, error) {
	return t.reviewCampaign(ctx, tenantID, id, "")
}

// LockReviewCampaign returns one campaign and, on PostgreSQL, locks its
// row until the transaction ends, so that starting, escalating, closing
// and the deadline's batches of one campaign take turns; SQLite's single
// writer already serialises them.
func (t *Tx) LockReviewCampaign(ctx context.Context, tenantID, id int64) (ReviewCampaign, error) {
	lock := ""
	if t.engine == Postgres {
		lock = ` FOR UPDATE`
	}
	return t.reviewCampaign(ctx, tenantID, id, lock)
}

func (t *Tx) reviewCampaign(ctx context.Context, tenantID, id int64, lock string) (ReviewCampaign, error) {
	var c ReviewCampaign
	row := t.tx.QueryRowContext(ctx, `SELECT `+reviewCampaignCols+` FROM review_campaigns WHERE tenant_id = $1 AND id = $2`+lock, tenantID, id)
	if err := scanReviewCampaign(row, &c); err != nil {
		return c, t.notFound(err, "store.ReviewCampaign", "review")
	}
	return c, nil
}

// ReviewCampaigns lists the tenant's campaigns, newest first: all of them,
// or with ReviewerID only those with an item that reviewer reviews.
func (t *Tx) ReviewCampaigns(ctx context.Context, tenantID, reviewerID int64, limit int) ([]ReviewCampaign, error) {
	q := `SELECT ` + reviewCampaignCols + ` FROM review_campaigns WHERE tenant_id = $1`
	args := []any{tenantID}
	if reviewerID != 0 {
		q += ` AND EXISTS (SELECT 1 FROM review_items i WHERE i.campaign_id = review_campaigns.id AND i.reviewer_id = $2)`
		args = append(args, reviewerID)
	}
	rows, err := t.query(ctx, "store.ReviewCampaigns", q+` ORDER BY id DESC LIMIT `+itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ReviewCampaign{}
	for rows.Next() {
		var c ReviewCampaign
		if err := scanReviewCampaign(rows, &c); err != nil {
			return nil, errs.Wrap(err, "store.ReviewCampaigns")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "store.ReviewCampaigns")
}

// MarkReviewStarted makes a draft active.
func (t *Tx) MarkReviewStarted(ctx context.Context, tenantID, id int64, at time.Time) error {
	return t.reviewState(ctx, "store.MarkReviewStarted", `UPDATE review_campaigns SET status = 'active', started_at = $3
		WHERE tenant_id = $1 AND id = $2 AND status = 'draft'`, tenantID, id, Micros(at))
}

// MarkReviewEscalated records the one escalation of an active campaign
// and its new deadline.
func (t *Tx) MarkReviewEscalated(ctx context.Context, tenantID, id int64, at, until time.Time) error {
	return t.reviewState(ctx, "store.MarkReviewEscalated", `UPDATE review_campaigns SET escalated_at = $3, escalated_until = $4
		WHERE tenant_id = $1 AND id = $2 AND status = 'active' AND escalated_at IS NULL`, tenantID, id, Micros(at), Micros(until))
}

// MarkReviewClosed closes an active campaign.
func (t *Tx) MarkReviewClosed(ctx context.Context, tenantID, id int64, at time.Time) error {
	return t.reviewState(ctx, "store.MarkReviewClosed", `UPDATE review_campaigns SET status = 'closed', closed_at = $3
		WHERE tenant_id = $1 AND id = $2 AND status = 'active'`, tenantID, id, Micros(at))
}

func (t *Tx) reviewState(ctx context.Context, op, q string, args ...any) error {
	res, err := t.exec(ctx, op, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "review_state_changed", "the campaign changed meanwhile; reload it")
	}
	return nil
}

// ReviewItem is one grant under review and its decision.
type ReviewItem struct {
	ID              int64
	CampaignID      int64
	UserID          int64
	UserName        string
	Kind            string
	GrantID         int64
	RoleID          *int64
	RoleKey         string
	CustomerID      *int64
	Level           string
	Reason          string
	GrantedBy       *int64
	GrantedAt       time.Time
	ExpiresAt       *time.Time
	LastExercisedAt *time.Time
	ReviewerID      *int64
	EscalatedFrom   *int64
	EscalatedAt     *time.Time
	Decision        string // empty while pending
	Comment         string
	DecidedBy       *int64
	DecidedAt       *time.Time
	Applied         string
}

const reviewItemCols = `i.id, i.campaign_id, i.user_id, u.name, i.kind, i.grant_id, i.role_id, i.role_key, i.customer_id, i.level, i.reason,
	i.granted_by, i.granted_at, i.expires_at, i.last_exercised_at, i.reviewer_id, i.escalated_from, i.escalated_at,
	COALESCE(i.decision, ''), i.comment, i.decided_by, i.decided_at, i.applied`

func scanReviewItem(sc interface{ Scan(...any) error }, it *ReviewItem) error {
	var role, cust, by, exp, used, reviewer, from, escAt, decBy, decAt sql.NullInt64
	var granted int64
	if err := sc.Scan(&it.ID, &it.CampaignID, &it.UserID, &it.UserName, &it.Kind, &it.GrantID, &role, &it.RoleKey, &cust, &it.Level, &it.Reason,
		&by, &granted, &exp, &used, &reviewer, &from, &escAt, &it.Decision, &it.Comment, &decBy, &decAt, &it.Applied); err != nil {
		return err
	}
	it.RoleID, it.CustomerID, it.GrantedBy, it.ReviewerID = int64Ptr(role), int64Ptr(cust), int64Ptr(by), int64Ptr(reviewer)
	it.EscalatedFrom, it.DecidedBy = int64Ptr(from), int64Ptr(decBy)
	it.GrantedAt, it.ExpiresAt, it.LastExercisedAt = FromMicros(granted), timePtr(exp), timePtr(used)
	it.EscalatedAt, it.DecidedAt = timePtr(escAt), timePtr(decAt)
	return nil
}

// ReviewItemQuery selects items of one campaign. Zero values do not filter.
type ReviewItemQuery struct {
	ReviewerID int64
	UserID     int64
	Kind       string
	Status     string // pending (escalated included), escalated, decided, or one decision
	After      int64  // items with a larger id
	Limit      int
}

// ReviewItems lists items of a campaign by id.
func (t *Tx) ReviewItems(ctx context.Context, tenantID, campaignID int64, q ReviewItemQuery) ([]ReviewItem, error) {
	b := newQueryBuilder(tenantID)
	w := ` AND i.campaign_id = ` + b.arg(campaignID) + ` AND i.id > ` + b.arg(q.After)
	if q.ReviewerID != 0 {
		w += ` AND i.reviewer_id = ` + b.arg(q.ReviewerID)
	}
	if q.UserID != 0 {
		w += ` AND i.user_id = ` + b.arg(q.UserID)
	}
	if q.Kind != "" {
		w += ` AND i.kind = ` + b.arg(q.Kind)
	}
	switch q.Status {
	case "":
	case "pending":
		w += ` AND i.decision IS NULL`
	case "escalated":
		w += ` AND i.decision IS NULL AND i.escalated_at IS NOT NULL`
	case "decided":
		w += ` AND i.decision IS NOT NULL`
	default:
		w += ` AND i.decision = ` + b.arg(q.Status)
	}
	return t.reviewItems(ctx, "store.ReviewItems", ` WHERE i.tenant_id = $1`+w+` ORDER BY i.id LIMIT `+itoa(q.Limit), b.args...)
}

// ReviewItemsByID returns the named items of a campaign, by id.
func (t *Tx) ReviewItemsByID(ctx context.Context, tenantID, campaignID int64, ids []int64) (map[int64]ReviewItem, error) {
	out := map[int64]ReviewItem{}
	if len(ids) == 0 {
		return out, nil
	}
	its, err := t.reviewItems(ctx, "store.ReviewItemsByID", ` WHERE i.tenant_id = $1 AND i.campaign_id = $2 AND `+t.inIDs("i.id", "$3"),
		tenantID, campaignID, t.idsParam(ids))
	for _, it := range its {
		out[it.ID] = it
	}
	return out, err
}

func (t *Tx) reviewItems(ctx context.Context, op, where string, args ...any) ([]ReviewItem, error) {
	rows, err := t.query(ctx, op, `SELECT `+reviewItemCols+` FROM review_items i JOIN users u ON u.id = i.user_id`+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ReviewItem{}
	for rows.Next() {
		var it ReviewItem
		if err := scanReviewItem(rows, &it); err != nil {
			return nil, errs.Wrap(err, op)
		}
		out = append(out, it)
	}
	return out, errs.Wrap(rows.Err(), op)
}

// HasReviewItems reports whether the user reviews an item of the campaign.
func (t *Tx) HasReviewItems(ctx context.Context, tenantID, campaignID, reviewerID int64) (bool, error) {
	var n int
	err := t.one(ctx, "store.HasReviewItems", "review", `SELECT COUNT(*) FROM (SELECT 1 FROM review_items
		WHERE campaign_id = $3 AND reviewer_id = $2 AND tenant_id = $1 LIMIT 1) x`, []any{tenantID, reviewerID, campaignID}, &n)
	return n > 0, err
}

// ReviewDecision is what deciding an item writes. By is nil for the
// deadline's own decisions.
type ReviewDecision struct {
	Decision string
	Comment  string
	By       *int64
	At       time.Time
}

// DecideReviewItem records the decision on an item that is still pending
// and reports whether it was: a decided item never changes again, and of
// two decisions at once only one finds it pending.
func (t *Tx) DecideReviewItem(ctx context.Context, tenantID, id int64, d ReviewDecision) (bool, error) {
	res, err := t.exec(ctx, "store.DecideReviewItem", `UPDATE review_items SET decision = $1, comment = $2, decided_by = $3, decided_at = $4
		WHERE tenant_id = $5 AND id = $6 AND decision IS NULL`, d.Decision, d.Comment, nullID(d.By), Micros(d.At), tenantID, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, "store.DecideReviewItem")
}

// SetReviewItemOutcome records what a decision changed, and for a
// revocation the deadline could not carry out, that it kept the grant.
func (t *Tx) SetReviewItemOutcome(ctx context.Context, tenantID, id int64, decision, applied string) error {
	_, err := t.exec(ctx, "store.SetReviewItemOutcome", `UPDATE review_items SET decision = $1, applied = $2 WHERE tenant_id = $3 AND id = $4`,
		decision, applied, tenantID, id)
	return err
}

// ReviewerProgress counts one reviewer's items of a campaign by state.
type ReviewerProgress struct {
	ReviewerID     *int64
	Name           string
	Total          int
	Pending        int
	Escalated      int // pending items escalated to this reviewer
	Certified      int
	Revoked        int
	ExpiredKept    int
	ExpiredRevoked int
	LastRemindedAt *time.Time
}

// ReviewProgress counts a campaign's items per reviewer, with each
// reviewer's name and last reminder; items nobody could be assigned come
// last, under a nil reviewer.
func (t *Tx) ReviewProgress(ctx context.Context, tenantID, campaignID int64) ([]ReviewerProgress, error) {
	rows, err := t.query(ctx, "store.ReviewProgress", `SELECT p.reviewer_id, COALESCE(u.name, ''), p.total, p.pending, p.escalated,
		p.certified, p.revoked, p.kept, p.expired_revoked,
		(SELECT MAX(r.sent_at) FROM review_reminders r WHERE r.campaign_id = $2 AND r.reviewer_id = p.reviewer_id)
		FROM (SELECT reviewer_id, COUNT(*) AS total,
			SUM(CASE WHEN decision IS NULL THEN 1 ELSE 0 END) AS pending,
			SUM(CASE WHEN decision IS NULL AND escalated_at IS NOT NULL THEN 1 ELSE 0 END) AS escalated,
			SUM(CASE WHEN decision = 'certify' THEN 1 ELSE 0 END) AS certified,
			SUM(CASE WHEN decision = 'revoke' THEN 1 ELSE 0 END) AS revoked,
			SUM(CASE WHEN decision = 'expired-kept' THEN 1 ELSE 0 END) AS kept,
			SUM(CASE WHEN decision = 'expired-revoked' THEN 1 ELSE 0 END) AS expired_revoked
			FROM review_items WHERE tenant_id = $1 AND campaign_id = $2 GROUP BY reviewer_id) p
		LEFT JOIN users u ON u.id = p.reviewer_id
		ORDER BY (p.reviewer_id IS NULL), p.reviewer_id`, tenantID, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ReviewerProgress{}
	for rows.Next() {
		var p ReviewerProgress
		var reviewer, reminded sql.NullInt64
		if err := rows.Scan(&reviewer, &p.Name, &p.Total, &p.Pending, &p.Escalated, &p.Certified, &p.Revoked, &p.ExpiredKept,
			&p.ExpiredRevoked, &reminded); err != nil {
			return nil, errs.Wrap(err, "store.ReviewProgress")
		}
		p.ReviewerID, p.LastRemindedAt = int64Ptr(reviewer), timePtr(reminded)
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "store.ReviewProgress")
}

// OtherActiveRoleHolders counts the active users other than userID who
// hold the role through an unexpired assignment.
func (t *Tx) OtherActiveRoleHolders(ctx context.Context, tenantID, roleID, userID int64, now time.Time) (int, error) {
	var n int
	err := t.one(ctx, "store.OtherActiveRoleHolders", "role", `SELECT COUNT(*) FROM role_assignments a JOIN users u ON u.id = a.user_id
		WHERE a.tenant_id = $1 AND a.role_id = $2 AND a.user_id <> $3 AND u.status = 'active' AND (a.expires_at IS NULL OR a.expires_at > $4)`,
		[]any{tenantID, roleID, userID, Micros(now)}, &n)
	return n, err
}
