package store

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"steward/internal/errs"
)

// Retention rules and legal holds (docs/retention.md).

// RetentionRule is a stored rule.
type RetentionRule struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Object    string     `json:"object" doc:"activity or customer"`
	Action    string     `json:"action" doc:"delete (activities) or anonymise (customers)"`
	Days      int        `json:"days"`
	Enabled   bool       `json:"enabled"`
	CreatedBy *int64     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	LastRunAt *time.Time `json:"last_run_at"`
	TenantID  int64      `json:"-"`
}

const retentionCols = `id, tenant_id, name, object, action, days, enabled, created_by, created_at, updated_at, last_run_at`

func scanRetention(row interface{ Scan(...any) error }) (RetentionRule, error) {
	var r RetentionRule
	var by, last sql.NullInt64
	var created, updated int64
	err := row.Scan(&r.ID, &r.TenantID, &r.Name, &r.Object, &r.Action, &r.Days, &r.Enabled, &by, &created, &updated, &last)
	r.CreatedBy, r.CreatedAt, r.UpdatedAt, r.LastRunAt = int64Ptr(by), FromMicros(created), FromMicros(updated), timePtr(last)
	return r, err
}

func (t *Tx) retentionRules(ctx context.Context, where string, args ...any) ([]RetentionRule, error) {
	rows, err := t.query(ctx, "store.RetentionRules", `SELECT `+retentionCols+` FROM retention_rules `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []RetentionRule{}
	for rows.Next() {
		r, err := scanRetention(rows)
		if err != nil {
			return nil, errs.Wrap(err, "store.RetentionRules")
		}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "store.RetentionRules")
}

// RetentionRules lists a tenant's rules by id.
func (t *Tx) RetentionRules(ctx context.Context, tenantID int64) ([]RetentionRule, error) {
	return t.retentionRules(ctx, `WHERE tenant_id = $1 ORDER BY id`, tenantID)
}

// DueRetentionRules lists, across tenants, the enabled rules that have not
// run since before.
func (t *Tx) DueRetentionRules(ctx context.Context, before time.Time) ([]RetentionRule, error) {
	return t.retentionRules(ctx, `WHERE enabled AND (last_run_at IS NULL OR last_run_at < $1) ORDER BY tenant_id, id`, Micros(before))
}

// RetentionRuleByID returns one of a tenant's rules.
func (t *Tx) RetentionRuleByID(ctx context.Context, tenantID, id int64) (RetentionRule, error) {
	rs, err := t.retentionRules(ctx, `WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err == nil && len(rs) == 0 {
		err = errs.NotVisible("retention rule")
	}
	if err != nil {
		return RetentionRule{}, err
	}
	return rs[0], nil
}

// SaveRetentionRule creates (ID 0) or replaces a rule.
func (t *Tx) SaveRetentionRule(ctx context.Context, tenantID int64, r *RetentionRule, now time.Time) error {
	r.UpdatedAt, r.TenantID = now, tenantID
	if r.ID == 0 {
		r.CreatedAt = now
		id, err := t.insert(ctx, "store.SaveRetentionRule", `INSERT INTO retention_rules (tenant_id, name, object, action, days, enabled, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, tenantID, r.Name, r.Object, r.Action, r.Days, r.Enabled, nullID(r.CreatedBy), Micros(now))
		r.ID = id
		return nameTaken(err)
	}
	res, err := t.exec(ctx, "store.SaveRetentionRule", `UPDATE retention_rules SET name = $1, object = $2, action = $3, days = $4, enabled = $5, updated_at = $6
		WHERE tenant_id = $7 AND id = $8`, r.Name, r.Object, r.Action, r.Days, r.Enabled, Micros(now), tenantID, r.ID)
	if err != nil {
		return nameTaken(err)
	}
	return affected(res, "retention rule")
}

// DeleteRetentionRule removes a rule.
func (t *Tx) DeleteRetentionRule(ctx context.Context, tenantID, id int64) error {
	res, err := t.exec(ctx, "store.DeleteRetentionRule", `DELETE FROM retention_rules WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "retention rule")
}

// MarkRetentionRun records when a rule last ran.
func (t *Tx) MarkRetentionRun(ctx context.Context, tenantID, id int64, at time.Time) error {
	_, err := t.exec(ctx, "store.MarkRetentionRun", `UPDATE retention_rules SET last_run_at = $1 WHERE tenant_id = $2 AND id = $3`, Micros(at), tenantID, id)
	return err
}

// retentionMatch is the condition of the records a rule reaches: older
// than the cutoff ($2), not anonymised already, not under a legal hold.
func retentionMatch(object string) (table, where string) {
	if object == "activity" {
		return "activities", `tenant_id = $1 AND occurred_at < $2
			AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.customer_id = activities.customer_id)`
	}
	return "customers", `tenant_id = $1 AND last_activity_at < $2 AND anonymised_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.customer_id = customers.id)`
}

// RetentionMatches returns the ids, in order, of up to limit records a
// rule reaches at the cutoff, after the id after; with count, also how
// many it reaches in all (a preview's figure: a run pages without it).
func (t *Tx) RetentionMatches(ctx context.Context, tenantID int64, object string, cutoff time.Time, after int64, limit int, count bool) ([]int64, int, error) {
	table, where := retentionMatch(object)
	var total int
	if count {
		if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+where, tenantID, Micros(cutoff)).Scan(&total); err != nil {
			return nil, 0, t.classify(err, "store.RetentionMatches")
		}
	}
	rows, err := t.query(ctx, "store.RetentionMatches", `SELECT id FROM `+table+` WHERE `+where+` AND id > $3 ORDER BY id LIMIT `+itoa(limit),
		tenantID, Micros(cutoff), after)
	if err != nil {
		return nil, 0, err
	}
	ids, err := scanIDs(rows, "store.RetentionMatches")
	return ids, total, err
}

// ApplyRetention deletes the activities, or anonymises the customers (and
// their contacts, follow-ups' notes and custom values), among ids that the
// rule still reaches at the cutoff, and returns the ids it changed. The
// rule's condition, legal holds included, is part of the DELETE or UPDATE
// itself: a hold placed a moment before is respected.
func (t *Tx) ApplyRetention(ctx context.Context, tenantID int64, object string, cutoff, now time.Time, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	_, where := retentionMatch(object)
	q := `DELETE FROM activities WHERE ` + where + ` AND ` + t.inIDs("id", "$3") + ` RETURNING id`
	args := []any{tenantID, Micros(cutoff), t.idsParam(ids)}
	if object != "activity" {
		q = `UPDATE customers SET ` + anonymisedCustomer + `, anonymised_at = $4, updated_at = $4 WHERE ` + where + ` AND ` + t.inIDs("id", "$3") + ` RETURNING id`
		args = append(args, Micros(now))
	}
	rows, err := t.query(ctx, "store.ApplyRetention", q, args...)
	if err != nil {
		return nil, err
	}
	hit, err := scanIDs(rows, "store.ApplyRetention")
	if err != nil || len(hit) == 0 || object == "activity" {
		slices.Sort(hit)
		return hit, err
	}
	slices.Sort(hit)
	return hit, t.anonymiseUnder(ctx, tenantID, hit, now)
}

// anonymisedCustomer empties a customer's personal values. The person
// goes; the record of the business stays: the name becomes a label, and
// deals, follow-ups (without their notes) and the audit trail (ids, field
// names) remain.
const anonymisedCustomer = `name = 'Anonymised customer ' || CAST(id AS TEXT), phone = '', email = '', address = '', notes = '', custom = '{}',
	key_id = NULL, phone_bidx = '', email_bidx = ''`

// anonymisedContact is anonymisedCustomer for a contact.
const anonymisedContact = `name = 'Anonymised contact ' || CAST(id AS TEXT), title = '', phone = '', email = '', notes = '', custom = '{}',
	key_id = NULL, phone_bidx = '', email_bidx = ''`

// anonymiseUnder empties what hangs under anonymised customers and may
// name the person: contacts, follow-ups' notes and custom values, deals'
// custom values.
func (t *Tx) anonymiseUnder(ctx context.Context, tenantID int64, customers []int64, now time.Time) error {
	param := t.idsParam(customers)
	for _, q := range []string{
		`UPDATE contacts SET ` + anonymisedContact + `, updated_at = $3 WHERE tenant_id = $1 AND ` + t.inIDs("customer_id", "$2"),
		`UPDATE deals SET custom = '{}', updated_at = $3 WHERE tenant_id = $1 AND ` + t.inIDs("customer_id", "$2"),
	} {
		if _, err := t.exec(ctx, "store.anonymiseUnder", q, tenantID, param, Micros(now)); err != nil {
			return err
		}
	}
	_, err := t.exec(ctx, "store.anonymiseUnder", `UPDATE activities SET note = '', custom = '{}' WHERE tenant_id = $1 AND `+t.inIDs("customer_id", "$2"),
		tenantID, param)
	return err
}

// LegalHold is a customer held from every retention rule.
type LegalHold struct {
	CustomerID int64     `json:"customer_id"`
	Reason     string    `json:"reason"`
	PlacedBy   *int64    `json:"placed_by"`
	PlacedAt   time.Time `json:"placed_at"`
}

// PlaceLegalHold holds a customer (replacing an earlier hold's reason).
func (t *Tx) PlaceLegalHold(ctx context.Context, tenantID int64, h LegalHold) error {
	_, err := t.exec(ctx, "store.PlaceLegalHold", `INSERT INTO legal_holds (tenant_id, customer_id, reason, placed_by, placed_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (customer_id) DO UPDATE SET reason = excluded.reason, placed_by = excluded.placed_by, placed_at = excluded.placed_at`,
		tenantID, h.CustomerID, h.Reason, nullID(h.PlacedBy), Micros(h.PlacedAt))
	return err
}

// LiftLegalHold removes a customer's hold; not found when there was none.
func (t *Tx) LiftLegalHold(ctx context.Context, tenantID, customerID int64) error {
	res, err := t.exec(ctx, "store.LiftLegalHold", `DELETE FROM legal_holds WHERE tenant_id = $1 AND customer_id = $2`, tenantID, customerID)
	if err != nil {
		return err
	}
	return affected(res, "legal hold")
}

// LegalHolds lists a tenant's holds by customer.
func (t *Tx) LegalHolds(ctx context.Context, tenantID int64) ([]LegalHold, error) {
	rows, err := t.query(ctx, "store.LegalHolds", `SELECT customer_id, reason, placed_by, placed_at FROM legal_holds WHERE tenant_id = $1 ORDER BY customer_id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []LegalHold{}
	for rows.Next() {
		var h LegalHold
		var by sql.NullInt64
		var at int64
		if err := rows.Scan(&h.CustomerID, &h.Reason, &by, &at); err != nil {
			return nil, errs.Wrap(err, "store.LegalHolds")
		}
		h.PlacedBy, h.PlacedAt = int64Ptr(by), FromMicros(at)
		out = append(out, h)
	}
	return out, errs.Wrap(rows.Err(), "store.LegalHolds")
}

// Held reports whether a customer is under a legal hold.
func (t *Tx) Held(ctx context.Context, tenantID, customerID int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM legal_holds WHERE tenant_id = $1 AND customer_id = $2`, tenantID, customerID).Scan(&n)
	return n > 0, errs.Wrap(err, "store.Held")
}
