package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
)

// Removing expired grants. Each statement deletes at most limit rows whose
// expiry is at or before now and returns exactly the rows it deleted: on
// PostgreSQL a row another transaction deleted first is skipped, not
// returned, so two runs at once never report (and audit) one row twice.
// Rows are taken by id, oldest first; the partial expiry indexes of
// migration 0015 find them.

// DeleteExpiredAssignments removes up to limit of a tenant's role
// assignments that have run out and returns them (RoleKey left empty).
func (t *Tx) DeleteExpiredAssignments(ctx context.Context, tenantID int64, now time.Time, limit int) ([]Assignment, error) {
	rows, err := t.query(ctx, "store.DeleteExpiredAssignments", `DELETE FROM role_assignments WHERE id IN (
		SELECT id FROM role_assignments WHERE tenant_id = $1 AND expires_at IS NOT NULL AND expires_at <= $2 ORDER BY id LIMIT $3)
		RETURNING id, user_id, role_id, reason, expires_at, granted_by, created_at`, tenantID, Micros(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		var exp, by sql.NullInt64
		var created int64
		if err := rows.Scan(&a.ID, &a.UserID, &a.RoleID, &a.Reason, &exp, &by, &created); err != nil {
			return nil, errs.Wrap(err, "store.DeleteExpiredAssignments")
		}
		a.ExpiresAt, a.GrantedBy, a.CreatedAt = timePtr(exp), int64Ptr(by), FromMicros(created)
		out = append(out, a)
	}
	return out, errs.Wrap(rows.Err(), "store.DeleteExpiredAssignments")
}

// DeleteExpiredTeam removes up to limit of a tenant's record team
// memberships that have run out and returns them.
func (t *Tx) DeleteExpiredTeam(ctx context.Context, tenantID int64, now time.Time, limit int) ([]Grant, error) {
	rows, err := t.query(ctx, "store.DeleteExpiredTeam", `DELETE FROM customer_team WHERE id IN (
		SELECT id FROM customer_team WHERE tenant_id = $1 AND expires_at IS NOT NULL AND expires_at <= $2 ORDER BY id LIMIT $3)
		RETURNING id, customer_id, user_id, level, reason, expires_at, granted_by, created_at`, tenantID, Micros(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		g := Grant{Principal: access.Principal{Type: access.PrincipalUser}}
		var exp, by sql.NullInt64
		var created int64
		if err := rows.Scan(&g.ID, &g.CustomerID, &g.Principal.ID, &g.Level, &g.Reason, &exp, &by, &created); err != nil {
			return nil, errs.Wrap(err, "store.DeleteExpiredTeam")
		}
		g.ExpiresAt, g.GrantedBy, g.CreatedAt = timePtr(exp), int64Ptr(by), FromMicros(created)
		out = append(out, g)
	}
	return out, errs.Wrap(rows.Err(), "store.DeleteExpiredTeam")
}

// DeleteExpiredShares removes up to limit of a tenant's customer shares
// that have run out and returns them.
func (t *Tx) DeleteExpiredShares(ctx context.Context, tenantID int64, now time.Time, limit int) ([]Grant, error) {
	rows, err := t.query(ctx, "store.DeleteExpiredShares", `DELETE FROM customer_shares WHERE id IN (
		SELECT id FROM customer_shares WHERE tenant_id = $1 AND expires_at IS NOT NULL AND expires_at <= $2 ORDER BY id LIMIT $3)
		RETURNING id, customer_id, principal_type, principal_id, include_sub, level, reason, expires_at, granted_by, created_at`,
		tenantID, Micros(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		var g Grant
		var exp, by sql.NullInt64
		var created int64
		if err := rows.Scan(&g.ID, &g.CustomerID, &g.Principal.Type, &g.Principal.ID, &g.Principal.IncludeSubDept,
			&g.Level, &g.Reason, &exp, &by, &created); err != nil {
			return nil, errs.Wrap(err, "store.DeleteExpiredShares")
		}
		g.ExpiresAt, g.GrantedBy, g.CreatedAt = timePtr(exp), int64Ptr(by), FromMicros(created)
		out = append(out, g)
	}
	return out, errs.Wrap(rows.Err(), "store.DeleteExpiredShares")
}
