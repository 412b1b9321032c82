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
// SELECT, and stamps when each was last exercised with one UPDATE for the
// roles and one for the record grants. So a campaign over 10,000 users
// costs a handful of set-based statements, not one per grant.

// ReviewSubject is a user in a campaign's scope and the reviewer of their
// role assignments (and, under most rules, of their other grants): nil
// when nobody but a run_reviews holder can review them.
type ReviewSubject struct {
	UserID     int64
	ReviewerID *int64
}

// SaveReviewGeneration writes a starting campaign's subjects in one
// statement, whatever their number.
func (t *Tx) SaveReviewGeneration(ctx context.Context, campaignID int64, subjects []ReviewSubject) error {
	if len(subjects) == 0 {
		return nil
	}
	rows := make([][]any, len(subjects))
	for i, s := range subjects {
		rows[i] = []any{s.UserID, s.ReviewerID}
	}
	_, err := t.exec(ctx, "store.SaveReviewGeneration", `INSERT INTO review_generation (campaign_id, user_id, reviewer_id)
		SELECT $1, x.user_id, x.reviewer_id FROM `+t.jsonTuples("$2", "user_id", "reviewer_id")+` x`, campaignID, tuples(rows))
	return err
}

// jsonTuples reads a parameter holding a JSON array of arrays of integers
// (tuples) as a table with the named columns. A long list goes as one
// parameter: thousands of numbered parameters make SQLite's binding
// quadratic (docs/benchmarks.md, "Bulk seeding").
func (t *Tx) jsonTuples(param string, cols ...string) string {
	sel := make([]string, len(cols))
	for i, c := range cols {
		if t.engine == Postgres {
			sel[i] = `CAST(e ->> ` + itoa(i) + ` AS BIGINT) AS ` + c
		} else {
			sel[i] = `CAST(json_extract(value, '$[` + itoa(i) + `]') AS INTEGER) AS ` + c
		}
	}
	if t.engine == Postgres {
		return `(SELECT ` + strings.Join(sel, ", ") + ` FROM jsonb_array_elements(CAST(` + param + ` AS jsonb)) e)`
	}
	return `(SELECT ` + strings.Join(sel, ", ") + ` FROM json_each(` + param + `))`
}

// tuples renders rows of int64 and *int64 (nil as null) as jsonTuples reads them.
func tuples(rows [][]any) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j, v := range r {
			if j > 0 {
				b.WriteByte(',')
			}
			switch v := v.(type) {
			case int64:
				b.WriteString(itoa64(v))
			case *int64:
				if v == nil {
					b.WriteString("null")
				} else {
					b.WriteString(itoa64(*v))
				}
			}
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return b.String()
}

// ClearReviewGeneration removes a campaign's subjects once its items exist.
func (t *Tx) ClearReviewGeneration(ctx context.Context, campaignID int64) error {
	_, err := t.exec(ctx, "store.ClearReviewGeneration", `DELETE FROM review_generation WHERE campaign_id = $1`, campaignID)
	return err
}

// ReviewGrants says which grants of a campaign's subjects become items:
// those unexpired at Now and, with StaleBefore, only those without an
// expiry given before it (the stale grants of the insights). ByOwner has
// each record grant reviewed by the customer's owner (GenerateTeamItems).
type ReviewGrants struct {
	Now         time.Time
	StaleBefore *time.Time
	ByOwner     bool
}

// where is the condition on a grant table's alias m, with its parameters
// from $3 on.
func (f ReviewGrants) where(m string) (string, []any) {
	if f.StaleBefore != nil {
		return m + `.expires_at IS NULL AND ` + m + `.created_at < $3`, []any{Micros(*f.StaleBefore)}
	}
	return `(` + m + `.expires_at IS NULL OR ` + m + `.expires_at > $3)`, []any{Micros(f.Now)}
}

// GenerateRoleItems copies the role assignments of a campaign's subjects
// that f selects into items, each reviewed by its subject's reviewer, and
// returns how many.
func (t *Tx) GenerateRoleItems(ctx context.Context, tenantID, campaignID int64, f ReviewGrants) (int64, error) {
	cond, args := f.where("a")
	return t.generate(ctx, "store.GenerateRoleItems", `INSERT INTO review_items (tenant_id, campaign_id, user_id, kind, grant_id, role_id, role_key,
		reason, granted_by, granted_at, expires_at, reviewer_id)
		SELECT a.tenant_id, g.campaign_id, a.user_id, 'role', a.id, a.role_id, r.key, a.reason, a.granted_by, a.created_at, a.expires_at, g.reviewer_id
		FROM review_generation g
		JOIN role_assignments a ON a.user_id = g.user_id AND a.tenant_id = $1
		JOIN roles r ON r.id = a.role_id
		WHERE g.campaign_id = $2 AND `+cond+`
		ORDER BY g.user_id, r.key`, append([]any{tenantID, campaignID}, args...)...)
}

// GenerateTeamItems copies the record-team memberships of a campaign's
// subjects that f selects into items. With f.ByOwner each is reviewed by
// the customer's owner, when the owner is active and not the member;
// otherwise, and without ByOwner, by the subject's reviewer.
func (t *Tx) GenerateTeamItems(ctx context.Context, tenantID, campaignID int64, f ReviewGrants) (int64, error) {
	reviewer, join := recordReviewer("g.user_id", f.ByOwner)
	cond, args := f.where("m")
	return t.generate(ctx, "store.GenerateTeamItems", `INSERT INTO review_items (tenant_id, campaign_id, user_id, kind, grant_id, customer_id,
		level, reason, granted_by, granted_at, expires_at, reviewer_id)
		SELECT m.tenant_id, g.campaign_id, m.user_id, 'team', m.id, m.customer_id, m.level, m.reason, m.granted_by, m.created_at, m.expires_at, `+reviewer+`
		FROM review_generation g
		JOIN customer_team m ON m.user_id = g.user_id AND m.tenant_id = $1`+join+`
		WHERE g.campaign_id = $2 AND `+cond+`
		ORDER BY g.user_id`, append([]any{tenantID, campaignID}, args...)...)
}

// GenerateShareItems copies the shares naming a campaign's subjects
// themselves that f selects into items, reviewed as GenerateTeamItems
// says. Shares to a department, group or role are not a user's to review:
// they follow from membership, which the org's owners review.
func (t *Tx) GenerateShareItems(ctx context.Context, tenantID, campaignID int64, f ReviewGrants) (int64, error) {
	reviewer, join := recordReviewer("g.user_id", f.ByOwner)
	cond, args := f.where("m")
	return t.generate(ctx, "store.GenerateShareItems", `INSERT INTO review_items (tenant_id, campaign_id, user_id, kind, grant_id, customer_id,
		level, reason, granted_by, granted_at, expires_at, reviewer_id)
		SELECT m.tenant_id, g.campaign_id, m.principal_id, 'share', m.id, m.customer_id, m.level, m.reason, m.granted_by, m.created_at, m.expires_at, `+reviewer+`
		FROM review_generation g
		JOIN customer_shares m ON m.principal_type = 'user' AND m.principal_id = g.user_id AND m.tenant_id = $1`+join+`
		WHERE g.campaign_id = $2 AND `+cond+`
		ORDER BY g.user_id`, append([]any{tenantID, campaignID}, args...)...)
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

// RoleItem is a campaign's role item as stamping reads it.
type RoleItem struct {
	ID, UserID int64
	RoleKey    string
	GrantedAt  time.Time
}

// CampaignRoleItems returns a campaign's role items, by id.
func (t *Tx) CampaignRoleItems(ctx context.Context, campaignID int64) ([]RoleItem, error) {
	rows, err := t.query(ctx, "store.CampaignRoleItems", `SELECT id, user_id, role_key, granted_at FROM review_items
		WHERE campaign_id = $1 AND kind = 'role' ORDER BY id`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RoleItem
	for rows.Next() {
		var it RoleItem
		var at int64
		if err := rows.Scan(&it.ID, &it.UserID, &it.RoleKey, &at); err != nil {
			return nil, errs.Wrap(err, "store.CampaignRoleItems")
		}
		it.GrantedAt = FromMicros(at)
		out = append(out, it)
	}
	return out, errs.Wrap(rows.Err(), "store.CampaignRoleItems")
}

// ItemUse is the last use of an item's grant, as the service judged it.
type ItemUse struct {
	ItemID int64
	At     time.Time
}

// StampRoleExercise sets the last use of items, by id, in one statement:
// each row is one probe of the primary key. (Matching the items by user
// and role instead had each row search the whole campaign.)
func (t *Tx) StampRoleExercise(ctx context.Context, uses []ItemUse) error {
	if len(uses) == 0 {
		return nil
	}
	rows := make([][]any, len(uses))
	for i, u := range uses {
		rows[i] = []any{u.ItemID, Micros(u.At)}
	}
	_, err := t.exec(ctx, "store.StampRoleExercise", `UPDATE review_items SET last_exercised_at = x.at
		FROM `+t.jsonTuples("$1", "id", "at")+` x WHERE review_items.id = x.id`, tuples(rows))
	return err
}

// StampRecordExercise sets, on a campaign's team and share items, the time
// their holder last did something audited with that customer since the
// grant was made: the latest of their entries linked to the customer
// (edits, reveals, shares, transfers, claims, and changes to its contacts,
// deals and follow-ups), one probe of the trail's customer index per item,
// so its cost follows the items, not the length of the trail. Views are not
// audited, so a grant used only to read shows no use.
//
// The latest entry is lastAt (insights.go), and the entries' time is
// compared as at + 0: either a bare MAX(e.at) or a bound on e.at let
// SQLite's planner pick the trail's time index and walk every entry since
// the grant for each item (153,000 items took 30 s after a mere 1,500 new
// entries). Only items with a use are written: rewriting every item (most
// show none) took PostgreSQL 2.5 s for 153,000.
func (t *Tx) StampRecordExercise(ctx context.Context, tenantID, campaignID int64) error {
	const used = `FROM audit_events e WHERE e.tenant_id = $1 AND e.subject_customer = review_items.customer_id
			AND e.actor_id = review_items.user_id AND e.actor_type = 'user' AND e.outcome = 'success' AND e.at + 0 >= review_items.granted_at`
	_, err := t.exec(ctx, "store.StampRecordExercise", `UPDATE review_items SET last_exercised_at = (SELECT `+lastAt+` `+used+`)
		WHERE review_items.campaign_id = $2 AND review_items.kind <> 'role' AND EXISTS (SELECT 1 `+used+`)`, tenantID, campaignID)
	return err
}

// AnalyzeReviewItems refreshes PostgreSQL's statistics of review_items in
// the transaction that generated a campaign (ANALYZE counts the
// transaction's own new rows). A campaign adds up to hundreds of thousands
// of rows at once; until autovacuum catches up the planner takes them for
// a handful, and then sorts the whole rest of a campaign for each page of
// its items (0.66 s a page of 5,000 items, 9-21 s the evidence pack of the
// reference tenant). SQLite's planner chooses the index without statistics.
func (t *Tx) AnalyzeReviewItems(ctx context.Context) error {
	if t.engine != Postgres {
		return nil
	}
	_, err := t.exec(ctx, "store.AnalyzeReviewItems", `ANALYZE review_items`)
	return err
}
