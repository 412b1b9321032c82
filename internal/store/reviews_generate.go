package store

import (
	"context"
	"strings"
	"time"

	"steward/internal/errs"
)

// Generating a campaign's items. The service decides who is in scope and
// who reviews each user (org rules, in Go, over the whole tenant at once);
// the store writes that list to review_generation and then copies each
// kind of grant of those users into review_items with one INSERT ...
// SELECT, and stamps when each was last exercised with one UPDATE ...
// FROM per role and one for all record grants. So a campaign over 10,000
// users costs a handful of set-based statements, not one per grant.

// ReviewSubject is a user in a campaign's scope and the reviewer of their
// role assignments (and, under most rules, of their other grants): nil
// when nobody but a run_reviews holder can review them.
type ReviewSubject struct {
	UserID     int64
	ReviewerID *int64
}

// SaveReviewGeneration writes a starting campaign's subjects in one
// statement, whatever their number: the list goes as one JSON parameter
// (thousands of numbered parameters make SQLite's binding quadratic, see
// docs/benchmarks.md, "Bulk seeding").
func (t *Tx) SaveReviewGeneration(ctx context.Context, campaignID int64, subjects []ReviewSubject) error {
	if len(subjects) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range subjects {
		if i > 0 {
			b.WriteByte(',')
		}
		reviewer := "null"
		if s.ReviewerID != nil {
			reviewer = itoa64(*s.ReviewerID)
		}
		b.WriteString("[" + itoa64(s.UserID) + "," + reviewer + "]")
	}
	b.WriteByte(']')
	q := `INSERT INTO review_generation (campaign_id, user_id, reviewer_id)
		SELECT $1, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($2)`
	if t.engine == Postgres {
		q = `INSERT INTO review_generation (campaign_id, user_id, reviewer_id)
		SELECT $1, CAST(e ->> 0 AS BIGINT), CAST(e ->> 1 AS BIGINT) FROM jsonb_array_elements(CAST($2 AS jsonb)) e`
	}
	_, err := t.exec(ctx, "store.SaveReviewGeneration", q, campaignID, b.String())
	return err
}

// ClearReviewGeneration removes a campaign's subjects once its items exist.
func (t *Tx) ClearReviewGeneration(ctx context.Context, campaignID int64) error {
	_, err := t.exec(ctx, "store.ClearReviewGeneration", `DELETE FROM review_generation WHERE campaign_id = $1`, campaignID)
	return err
}

// GenerateRoleItems copies the unexpired role assignments of a campaign's
// subjects into items, each reviewed by its subject's reviewer, and
// returns how many.
func (t *Tx) GenerateRoleItems(ctx context.Context, tenantID, campaignID int64, now time.Time) (int64, error) {
	return t.generate(ctx, "store.GenerateRoleItems", `INSERT INTO review_items (tenant_id, campaign_id, user_id, kind, grant_id, role_id, role_key,
		reason, granted_by, granted_at, expires_at, reviewer_id)
		SELECT a.tenant_id, g.campaign_id, a.user_id, 'role', a.id, a.role_id, r.key, a.reason, a.granted_by, a.created_at, a.expires_at, g.reviewer_id
		FROM review_generation g
		JOIN role_assignments a ON a.user_id = g.user_id AND a.tenant_id = $1
		JOIN roles r ON r.id = a.role_id
		WHERE g.campaign_id = $2 AND (a.expires_at IS NULL OR a.expires_at > $3)
		ORDER BY g.user_id, r.key`, tenantID, campaignID, Micros(now))
}

// GenerateTeamItems copies the unexpired record-team memberships of a
// campaign's subjects into items. With byOwner each is reviewed by the
// customer's owner, when the owner is active and not the member; otherwise,
// and without byOwner, by the subject's reviewer.
func (t *Tx) GenerateTeamItems(ctx context.Context, tenantID, campaignID int64, now time.Time, byOwner bool) (int64, error) {
	reviewer, join := recordReviewer("g.user_id", byOwner)
	return t.generate(ctx, "store.GenerateTeamItems", `INSERT INTO review_items (tenant_id, campaign_id, user_id, kind, grant_id, customer_id,
		level, reason, granted_by, granted_at, expires_at, reviewer_id)
		SELECT m.tenant_id, g.campaign_id, m.user_id, 'team', m.id, m.customer_id, m.level, m.reason, m.granted_by, m.created_at, m.expires_at, `+reviewer+`
		FROM review_generation g
		JOIN customer_team m ON m.user_id = g.user_id AND m.tenant_id = $1`+join+`
		WHERE g.campaign_id = $2 AND (m.expires_at IS NULL OR m.expires_at > $3)
		ORDER BY g.user_id`, tenantID, campaignID, Micros(now))
}

// GenerateShareItems copies the unexpired shares naming a campaign's
// subjects themselves into items, reviewed as GenerateTeamItems says.
// Shares to a department, group or role are not a user's to review: they
// follow from membership, which the org's owners review.
func (t *Tx) GenerateShareItems(ctx context.Context, tenantID, campaignID int64, now time.Time, byOwner bool) (int64, error) {
	reviewer, join := recordReviewer("g.user_id", byOwner)
	return t.generate(ctx, "store.GenerateShareItems", `INSERT INTO review_items (tenant_id, campaign_id, user_id, kind, grant_id, customer_id,
		level, reason, granted_by, granted_at, expires_at, reviewer_id)
		SELECT m.tenant_id, g.campaign_id, m.principal_id, 'share', m.id, m.customer_id, m.level, m.reason, m.granted_by, m.created_at, m.expires_at, `+reviewer+`
		FROM review_generation g
		JOIN customer_shares m ON m.principal_type = 'user' AND m.principal_id = g.user_id AND m.tenant_id = $1`+join+`
		WHERE g.campaign_id = $2 AND (m.expires_at IS NULL OR m.expires_at > $3)
		ORDER BY g.user_id`, tenantID, campaignID, Micros(now))
}

// recordReviewer is the reviewer column of a record grant's item and the
// joins it needs: the customer's owner, when active and not the grantee.
// Without byOwner the customer is not read at all (a grant's customer
// exists: deleting it deletes the grant), which on a large tenant spares
// a random read of the customers table per grant.
func recordReviewer(grantee string, byOwner bool) (col, join string) {
	if !byOwner {
		return "g.reviewer_id", ""
	}
	return "COALESCE(o.id, g.reviewer_id)", `
		JOIN customers c ON c.id = m.customer_id
		LEFT JOIN users o ON o.id = c.owner_id AND o.id <> ` + grantee + ` AND o.status = 'active'`
}

func (t *Tx) generate(ctx context.Context, op, q string, args ...any) (int64, error) {
	res, err := t.exec(ctx, op, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, errs.Wrap(err, op)
}

// StampRoleExercise sets, on a campaign's items for one role, the time its
// holder last did one of the audited actions the role allows, if they did
// so since the assignment was made.
func (t *Tx) StampRoleExercise(ctx context.Context, tenantID, campaignID, roleID int64, actions []string) error {
	if len(actions) == 0 {
		return nil
	}
	args := []any{tenantID, campaignID, roleID}
	ph := make([]string, len(actions))
	for i, a := range actions {
		args = append(args, a)
		ph[i] = "$" + itoa(len(args))
	}
	_, err := t.exec(ctx, "store.StampRoleExercise", `UPDATE review_items SET last_exercised_at = x.at
		FROM (SELECT actor_id, MAX(at) AS at FROM audit_events
			WHERE tenant_id = $1 AND actor_type = 'user' AND outcome = 'success' AND action IN (`+strings.Join(ph, ", ")+`)
			AND actor_id IN (SELECT user_id FROM review_generation WHERE campaign_id = $2)
			GROUP BY actor_id) x
		WHERE review_items.campaign_id = $2 AND review_items.kind = 'role' AND review_items.role_id = $3
		AND x.actor_id = review_items.user_id AND x.at >= review_items.granted_at`, args...)
	return err
}

// StampRecordExercise sets, on a campaign's team and share items, the time
// their holder last did something audited with that customer since the
// grant was made: an entry linked to the customer (edits, reveals, shares
// and the like) or about one of its contacts, deals or follow-ups (those
// name the customer in their details). Views are not audited, so a grant
// used only to read shows no use.
func (t *Tx) StampRecordExercise(ctx context.Context, tenantID, campaignID int64) error {
	_, err := t.exec(ctx, "store.StampRecordExercise", `UPDATE review_items SET last_exercised_at = x.at
		FROM (SELECT actor_id, customer_id, MAX(at) AS at FROM (
				SELECT actor_id, subject_customer AS customer_id, at FROM audit_events
				WHERE tenant_id = $1 AND actor_type = 'user' AND outcome = 'success' AND subject_customer IS NOT NULL
				AND actor_id IN (SELECT user_id FROM review_generation WHERE campaign_id = $2)
				UNION ALL
				SELECT actor_id, `+t.detailsCustomer()+` AS customer_id, at FROM audit_events
				WHERE tenant_id = $1 AND actor_type = 'user' AND outcome = 'success' AND target_type IN ('contact', 'deal', 'activity')
				AND actor_id IN (SELECT user_id FROM review_generation WHERE campaign_id = $2)
			) e GROUP BY actor_id, customer_id) x
		WHERE review_items.campaign_id = $2 AND review_items.kind <> 'role'
		AND x.actor_id = review_items.user_id AND x.customer_id = review_items.customer_id AND x.at >= review_items.granted_at`,
		tenantID, campaignID)
	return err
}

// detailsCustomer reads the customer_id an audit entry about a contact,
// deal or follow-up holds in its details (service.recChild). The one JSON
// function of the store besides the id lists of dialect.go, so it stays
// here with its only caller.
func (t *Tx) detailsCustomer() string {
	if t.engine == Postgres {
		return `CAST(CAST(details AS jsonb) ->> 'customer_id' AS BIGINT)`
	}
	return `CAST(json_extract(details, '$.customer_id') AS INTEGER)`
}
