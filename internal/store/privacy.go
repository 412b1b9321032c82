package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"steward/internal/errs"
)

// Privacy requests and processing restrictions (docs/privacy-requests.md).

// PrivacyRequest is a stored request.
type PrivacyRequest struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind" doc:"access, rectify, erase, restrict or object"`
	SubjectType string     `json:"subject_type" doc:"customer or contact"`
	SubjectID   int64      `json:"subject_id"`
	CustomerID  int64      `json:"customer_id" doc:"the subject's customer"`
	Status      string     `json:"status" doc:"open, done or refused"`
	DueAt       time.Time  `json:"due_at"`
	HandlerID   int64      `json:"handler_id"`
	Note        string     `json:"note"`
	Outcome     string     `json:"outcome"`
	CreatedBy   int64      `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	ClosedAt    *time.Time `json:"closed_at"`
}

const privacyCols = `id, kind, subject_type, subject_id, customer_id, status, due_at, handler_id, note, outcome, created_by, created_at, closed_at`

func scanPrivacy(row interface{ Scan(...any) error }) (PrivacyRequest, error) {
	var r PrivacyRequest
	var due, created int64
	var closed sql.NullInt64
	err := row.Scan(&r.ID, &r.Kind, &r.SubjectType, &r.SubjectID, &r.CustomerID, &r.Status, &due, &r.HandlerID, &r.Note, &r.Outcome,
		&r.CreatedBy, &created, &closed)
	r.DueAt, r.CreatedAt, r.ClosedAt = FromMicros(due), FromMicros(created), timePtr(closed)
	return r, err
}

// CreatePrivacyRequest stores a new open request.
func (t *Tx) CreatePrivacyRequest(ctx context.Context, tenantID int64, r *PrivacyRequest) error {
	r.Status = "open"
	id, err := t.insert(ctx, "store.CreatePrivacyRequest", `INSERT INTO privacy_requests (tenant_id, kind, subject_type, subject_id, customer_id, due_at,
		handler_id, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		tenantID, r.Kind, r.SubjectType, r.SubjectID, r.CustomerID, Micros(r.DueAt), r.HandlerID, r.Note, r.CreatedBy, Micros(r.CreatedAt))
	r.ID = id
	return err
}

// PrivacyRequests lists a tenant's requests, open ones first by due date,
// then the rest newest first; status "" is all.
func (t *Tx) PrivacyRequests(ctx context.Context, tenantID int64, status string, limit int) ([]PrivacyRequest, error) {
	rows, err := t.query(ctx, "store.PrivacyRequests", `SELECT `+privacyCols+` FROM privacy_requests WHERE tenant_id = $1 AND ($2 = '' OR status = $2)
		ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, CASE WHEN status = 'open' THEN due_at ELSE -created_at END, id LIMIT `+itoa(limit),
		tenantID, status)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PrivacyRequest{}
	for rows.Next() {
		r, err := scanPrivacy(rows)
		if err != nil {
			return nil, errs.Wrap(err, "store.PrivacyRequests")
		}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "store.PrivacyRequests")
}

// PrivacyRequestByID returns one request; forUpdate locks it on PostgreSQL.
func (t *Tx) PrivacyRequestByID(ctx context.Context, tenantID, id int64, forUpdate bool) (PrivacyRequest, error) {
	lock := ""
	if forUpdate && t.engine == Postgres {
		lock = ` FOR UPDATE`
	}
	r, err := scanPrivacy(t.tx.QueryRowContext(ctx, `SELECT `+privacyCols+` FROM privacy_requests WHERE tenant_id = $1 AND id = $2`+lock, tenantID, id))
	if err == sql.ErrNoRows {
		return r, errs.NotVisible("privacy request")
	}
	return r, t.classify(err, "store.PrivacyRequestByID")
}

// ClosePrivacyRequest records a request's outcome.
func (t *Tx) ClosePrivacyRequest(ctx context.Context, tenantID, id int64, status, outcome string, at time.Time) error {
	_, err := t.exec(ctx, "store.ClosePrivacyRequest", `UPDATE privacy_requests SET status = $1, outcome = $2, closed_at = $3
		WHERE tenant_id = $4 AND id = $5 AND status = 'open'`, status, outcome, Micros(at), tenantID, id)
	return err
}

// PrivacySubject is a customer or contact whose e-mail or phone matched.
type PrivacySubject struct {
	Type       string `json:"type"`
	ID         int64  `json:"id"`
	CustomerID int64  `json:"customer_id"`
	Name       string `json:"name"`
}

// PrivacySubjects finds the customers and contacts with this e-mail
// (compared without case) or phone (compared by its digits). With sealed
// columns they are found by their blind indexes, and rows still in clear
// by reading them: a privacy lookup is rare.
func (t *Tx) PrivacySubjects(ctx context.Context, tenantID int64, email, phone string) ([]PrivacySubject, error) {
	const norm = `REPLACE(REPLACE(phone, ' ', ''), '-', '')`
	match := `(($2 <> '' AND LOWER(email) = $2) OR ($3 <> '' AND ` + norm + ` = $3))`
	args := []any{tenantID, email, phone}
	if t.Sealing() {
		phoneIdx, emailIdx, err := t.blindIndexes(ctx, tenantID, phone, email, false)
		if err != nil {
			return nil, err
		}
		// Rows still in clear (key_id NULL: not yet sealed by the sweep at
		// start) have no index: matched as before, so that a request made
		// meanwhile misses nobody.
		match = `((key_id IS NULL AND ` + match + `) OR ($4 <> '' AND email_bidx = $4) OR ($5 <> '' AND phone_bidx = $5))`
		args = append(args, emailIdx, phoneIdx)
	}
	rows, err := t.query(ctx, "store.PrivacySubjects", `SELECT 'customer', id, id, name FROM customers WHERE tenant_id = $1 AND `+match+`
		UNION ALL SELECT 'contact', id, customer_id, name FROM contacts WHERE tenant_id = $1 AND `+match+`
		ORDER BY 1 DESC, 2`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PrivacySubject{}
	for rows.Next() {
		var s PrivacySubject
		if err := rows.Scan(&s.Type, &s.ID, &s.CustomerID, &s.Name); err != nil {
			return nil, errs.Wrap(err, "store.PrivacySubjects")
		}
		out = append(out, s)
	}
	return out, errs.Wrap(rows.Err(), "store.PrivacySubjects")
}

// AnonymiseCustomer empties a customer's personal values and what hangs
// under it, as a retention rule does (ApplyRetention).
func (t *Tx) AnonymiseCustomer(ctx context.Context, tenantID, customerID int64, now time.Time) error {
	res, err := t.exec(ctx, "store.AnonymiseCustomer", `UPDATE customers SET `+anonymisedCustomer+`, anonymised_at = $1, updated_at = $1
		WHERE tenant_id = $2 AND id = $3`, Micros(now), tenantID, customerID)
	if err != nil {
		return err
	}
	if err := affected(res, "customer"); err != nil {
		return err
	}
	return t.anonymiseUnder(ctx, tenantID, []int64{customerID}, now)
}

// AnonymiseContact empties one contact's personal values.
func (t *Tx) AnonymiseContact(ctx context.Context, tenantID, contactID int64, now time.Time) error {
	res, err := t.exec(ctx, "store.AnonymiseContact", `UPDATE contacts SET `+anonymisedContact+`, updated_at = $1 WHERE tenant_id = $2 AND id = $3`, Micros(now), tenantID, contactID)
	if err != nil {
		return err
	}
	return affected(res, "contact")
}

// RestrictProcessing freezes a customer; LiftRestriction thaws it.
func (t *Tx) RestrictProcessing(ctx context.Context, tenantID, customerID, requestID int64, now time.Time) error {
	_, err := t.exec(ctx, "store.RestrictProcessing", `INSERT INTO processing_restrictions (customer_id, tenant_id, request_id, since) VALUES ($1, $2, $3, $4)
		ON CONFLICT (customer_id) DO NOTHING`, customerID, tenantID, requestID, Micros(now))
	return err
}

// LiftRestriction thaws a customer; not found when it was not restricted.
func (t *Tx) LiftRestriction(ctx context.Context, tenantID, customerID int64) error {
	res, err := t.exec(ctx, "store.LiftRestriction", `DELETE FROM processing_restrictions WHERE tenant_id = $1 AND customer_id = $2`, tenantID, customerID)
	if err != nil {
		return err
	}
	return affected(res, "restriction")
}

// Restricted reports whether a customer's processing is restricted.
func (t *Tx) Restricted(ctx context.Context, tenantID, customerID int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM processing_restrictions WHERE tenant_id = $1 AND customer_id = $2`, tenantID, customerID).Scan(&n)
	return n > 0, errs.Wrap(err, "store.Restricted")
}

// RestrictedAmong returns which of ids are restricted.
func (t *Tx) RestrictedAmong(ctx context.Context, tenantID int64, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := t.query(ctx, "store.RestrictedAmong", `SELECT customer_id FROM processing_restrictions WHERE tenant_id = $1 AND `+t.inIDs("customer_id", "$2"),
		tenantID, t.idsParam(ids))
	if err != nil {
		return nil, err
	}
	hit, err := scanIDs(rows, "store.RestrictedAmong")
	for _, id := range hit {
		out[id] = true
	}
	return out, err
}

// SubjectAudit returns, oldest first, up to limit audit entries about a
// customer (linked to it) or, for a contact, naming it as target.
func (t *Tx) SubjectAudit(ctx context.Context, tenantID int64, subjectType string, subjectID int64, limit int) ([]AuditRow, error) {
	where, arg := `subject_customer = $2`, any(subjectID)
	if subjectType == "contact" {
		where, arg = `target_type = 'contact' AND target_id = $2`, strconv.FormatInt(subjectID, 10)
	}
	rows, err := t.query(ctx, "store.SubjectAudit", `SELECT seq, at, actor_type, actor_id, action, outcome FROM audit_events
		WHERE tenant_id = $1 AND `+where+` ORDER BY seq LIMIT `+itoa(limit), tenantID, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AuditRow{}
	for rows.Next() {
		var r AuditRow
		var at int64
		if err := rows.Scan(&r.Seq, &at, &r.ActorType, &r.ActorID, &r.Action, &r.Outcome); err != nil {
			return nil, errs.Wrap(err, "store.SubjectAudit")
		}
		r.At = FromMicros(at)
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "store.SubjectAudit")
}

// AuditRow is an audit entry as a subject's access export shows it: who
// did what, when; the details stay in the trail.
type AuditRow struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	ActorType string    `json:"actor_type"`
	ActorID   int64     `json:"actor_id"`
	Action    string    `json:"action"`
	Outcome   string    `json:"outcome"`
}
