package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/errs"
)

// What the review jobs look for across tenants (service/reviews_close.go):
// campaigns at their deadline, recurring campaigns whose next round is
// due, reviewers to remind; and the set-based steps of a deadline.

// CampaignRef names a campaign of a tenant.
type CampaignRef struct {
	TenantID, ID int64
}

func (t *Tx) campaignRefs(ctx context.Context, op, q string, args ...any) ([]CampaignRef, error) {
	rows, err := t.query(ctx, op, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CampaignRef
	for rows.Next() {
		var r CampaignRef
		if err := rows.Scan(&r.TenantID, &r.ID); err != nil {
			return nil, errs.Wrap(err, op)
		}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), op)
}

// DueReviewCampaigns lists the active campaigns, in every tenant, whose
// deadline (or the one escalation set) has come, or that have no pending
// item left.
func (t *Tx) DueReviewCampaigns(ctx context.Context, now time.Time) ([]CampaignRef, error) {
	return t.campaignRefs(ctx, "store.DueReviewCampaigns", `SELECT tenant_id, id FROM review_campaigns c
		WHERE status = 'active' AND (COALESCE(escalated_until, deadline) <= $1
			OR NOT EXISTS (SELECT 1 FROM review_items i WHERE i.campaign_id = c.id AND i.decision IS NULL))
		ORDER BY id`, Micros(now))
}

// RecurringReviewCampaigns lists the closed campaigns, in every tenant,
// that recur and whose next round is due (recurrence_days after they
// started) and not yet made.
func (t *Tx) RecurringReviewCampaigns(ctx context.Context, now time.Time) ([]CampaignRef, error) {
	return t.campaignRefs(ctx, "store.RecurringReviewCampaigns", `SELECT tenant_id, id FROM review_campaigns c
		WHERE status = 'closed' AND recurrence_days > 0 AND started_at + recurrence_days * 86400000000 <= $1
		AND NOT EXISTS (SELECT 1 FROM review_campaigns n WHERE n.previous_id = c.id)
		ORDER BY id`, Micros(now))
}

// ActiveReviewCampaigns lists the active campaigns of every tenant whose
// deadline is still ahead.
func (t *Tx) ActiveReviewCampaigns(ctx context.Context, now time.Time) ([]CampaignRef, error) {
	return t.campaignRefs(ctx, "store.ActiveReviewCampaigns", `SELECT tenant_id, id FROM review_campaigns
		WHERE status = 'active' AND COALESCE(escalated_until, deadline) > $1 ORDER BY id`, Micros(now))
}

// PendingReviewCount counts a campaign's undecided items.
func (t *Tx) PendingReviewCount(ctx context.Context, tenantID, campaignID int64) (int, error) {
	var n int
	err := t.one(ctx, "store.PendingReviewCount", "review", `SELECT COUNT(*) FROM review_items
		WHERE tenant_id = $1 AND campaign_id = $2 AND decision IS NULL`, []any{tenantID, campaignID}, &n)
	return n, err
}

// PendingReviewItems returns up to limit of a campaign's undecided items.
func (t *Tx) PendingReviewItems(ctx context.Context, tenantID, campaignID int64, limit int) ([]ReviewItem, error) {
	return t.ReviewItems(ctx, tenantID, campaignID, ReviewItemQuery{Status: "pending", Limit: limit})
}

// KeepPendingReviewItems decides every undecided item of a campaign as
// kept by its deadline, in one statement, and returns how many.
func (t *Tx) KeepPendingReviewItems(ctx context.Context, tenantID, campaignID int64, by *int64, at time.Time) (int64, error) {
	return t.generate(ctx, "store.KeepPendingReviewItems", `UPDATE review_items SET decision = 'expired-kept', decided_by = $1, decided_at = $2
		WHERE tenant_id = $3 AND campaign_id = $4 AND decision IS NULL`, nullID(by), Micros(at), tenantID, campaignID)
}

// EscalateReviewItems hands every undecided item of a campaign to its
// reviewer's manager when that manager is active and not the user under
// review, else to owner unless the owner is that user, else leaves it
// where it is; and returns how many items it touched.
func (t *Tx) EscalateReviewItems(ctx context.Context, tenantID, campaignID, owner int64, at time.Time) (int64, error) {
	return t.generate(ctx, "store.EscalateReviewItems", `UPDATE review_items SET escalated_from = reviewer_id, escalated_at = $1,
		reviewer_id = COALESCE(
			(SELECT m.id FROM users r JOIN users m ON m.id = r.manager_id
				WHERE r.id = review_items.reviewer_id AND m.id <> review_items.user_id AND m.status = 'active'),
			CASE WHEN review_items.user_id <> $2 THEN $2 END,
			reviewer_id)
		WHERE tenant_id = $3 AND campaign_id = $4 AND decision IS NULL`, Micros(at), owner, tenantID, campaignID)
}

// ReviewerDue is a reviewer with undecided items of a campaign and when
// they were last reminded of them.
type ReviewerDue struct {
	ReviewerID     int64
	Pending        int
	LastRemindedAt *time.Time
}

// ReviewersWithPending lists the reviewers with undecided items of a
// campaign, with their last reminder.
func (t *Tx) ReviewersWithPending(ctx context.Context, tenantID, campaignID int64) ([]ReviewerDue, error) {
	rows, err := t.query(ctx, "store.ReviewersWithPending", `SELECT i.reviewer_id, COUNT(*),
		(SELECT MAX(r.sent_at) FROM review_reminders r WHERE r.campaign_id = $2 AND r.reviewer_id = i.reviewer_id)
		FROM review_items i WHERE i.tenant_id = $1 AND i.campaign_id = $2 AND i.decision IS NULL AND i.reviewer_id IS NOT NULL
		GROUP BY i.reviewer_id ORDER BY i.reviewer_id`, tenantID, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReviewerDue
	for rows.Next() {
		var d ReviewerDue
		var last sql.NullInt64
		if err := rows.Scan(&d.ReviewerID, &d.Pending, &last); err != nil {
			return nil, errs.Wrap(err, "store.ReviewersWithPending")
		}
		d.LastRemindedAt = timePtr(last)
		out = append(out, d)
	}
	return out, errs.Wrap(rows.Err(), "store.ReviewersWithPending")
}

// RecordReviewReminder notes a reminder sent to a reviewer.
func (t *Tx) RecordReviewReminder(ctx context.Context, tenantID, campaignID, reviewerID int64, pending int, at time.Time) error {
	_, err := t.exec(ctx, "store.RecordReviewReminder", `INSERT INTO review_reminders (tenant_id, campaign_id, reviewer_id, pending, sent_at)
		VALUES ($1, $2, $3, $4, $5)`, tenantID, campaignID, reviewerID, pending, Micros(at))
	return err
}
