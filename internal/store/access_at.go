package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/audit"
	"steward/internal/errs"
)

// The reads behind "who had access to a customer at an earlier moment"
// (service/access_at.go): the current state, in compact form, and the
// audit entries after the moment that changed it.

// UserState is what of a user decides access besides roles and groups.
type UserState struct {
	ID        int64
	DeptID    int64
	ManagerID int64 // 0: none
	Status    string
}

// UserStates lists every user of the tenant, whatever their status.
func (t *Tx) UserStates(ctx context.Context, tenantID int64) ([]UserState, error) {
	rows, err := t.query(ctx, "store.UserStates", `SELECT id, department_id, manager_id, status FROM users WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UserState
	for rows.Next() {
		var u UserState
		var mgr sql.NullInt64
		if err := rows.Scan(&u.ID, &u.DeptID, &mgr, &u.Status); err != nil {
			return nil, errs.Wrap(err, "store.UserStates")
		}
		u.ManagerID = mgr.Int64
		out = append(out, u)
	}
	return out, errs.Wrap(rows.Err(), "store.UserStates")
}

// Holding is one role assignment: who, which role, until when.
type Holding struct {
	UserID, RoleID int64
	ExpiresAt      *time.Time
}

// Holdings lists every role assignment of the tenant, expired ones
// included (a decision at an earlier moment may count them).
func (t *Tx) Holdings(ctx context.Context, tenantID int64) ([]Holding, error) {
	rows, err := t.query(ctx, "store.Holdings", `SELECT user_id, role_id, expires_at FROM role_assignments WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Holding
	for rows.Next() {
		var h Holding
		var exp sql.NullInt64
		if err := rows.Scan(&h.UserID, &h.RoleID, &exp); err != nil {
			return nil, errs.Wrap(err, "store.Holdings")
		}
		h.ExpiresAt = timePtr(exp)
		out = append(out, h)
	}
	return out, errs.Wrap(rows.Err(), "store.Holdings")
}

// AuditSince streams, newest first, the tenant's entries recorded after
// at whose action is one of tenantActions, or which are linked to the
// customer and whose action is one of customerActions.
func (t *Tx) AuditSince(ctx context.Context, tenantID int64, at time.Time, customerID int64, tenantActions, customerActions []string,
	fn func(audit.Entry) error) error {
	args := []any{tenantID, Micros(at), customerID}
	return t.eachAudit(ctx, "store.AuditSince", `SELECT `+auditCols+` FROM audit_events WHERE tenant_id = $1 AND at > $2
		AND (action IN (`+params(&args, tenantActions)+`) OR (subject_customer = $3 AND action IN (`+params(&args, customerActions)+`)))
		ORDER BY seq DESC`, args, fn)
}

// UserAuditBefore returns, newest first, up to limit of the entries linked
// to a user before position seq whose action is one of actions.
func (t *Tx) UserAuditBefore(ctx context.Context, tenantID, userID, seq int64, actions []string, limit int) ([]audit.Entry, error) {
	args := []any{tenantID, userID, seq}
	var out []audit.Entry
	err := t.eachAudit(ctx, "store.UserAuditBefore", `SELECT `+auditCols+` FROM audit_events
		WHERE tenant_id = $1 AND subject_user = $2 AND seq < $3 AND action IN (`+params(&args, actions)+`)
		ORDER BY seq DESC LIMIT `+itoa(limit), args, func(e audit.Entry) error { out = append(out, e); return nil })
	return out, err
}

// OffboardReportsSince returns the tenant's offboarding reports made at or
// after since, by id, as their JSON.
func (t *Tx) OffboardReportsSince(ctx context.Context, tenantID int64, since time.Time) (map[int64]string, error) {
	rows, err := t.query(ctx, "store.OffboardReportsSince", `SELECT id, report FROM lifecycle_reports
		WHERE tenant_id = $1 AND kind = 'offboard' AND created_at >= $2`, tenantID, Micros(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var report string
		if err := rows.Scan(&id, &report); err != nil {
			return nil, errs.Wrap(err, "store.OffboardReportsSince")
		}
		out[id] = report
	}
	return out, errs.Wrap(rows.Err(), "store.OffboardReportsSince")
}

// CustomerLastActivity returns a customer's last activity time.
func (t *Tx) CustomerLastActivity(ctx context.Context, tenantID, id int64) (time.Time, error) {
	var at int64
	err := t.one(ctx, "store.CustomerLastActivity", "customer", `SELECT last_activity_at FROM customers WHERE tenant_id = $1 AND id = $2`,
		[]any{tenantID, id}, &at)
	return FromMicros(at), err
}

// params appends values to args and returns their placeholders, for an IN list.
func params(args *[]any, values []string) string {
	out := ""
	for i, v := range values {
		if i > 0 {
			out += ", "
		}
		*args = append(*args, v)
		out += "$" + itoa(len(*args))
	}
	return out
}
