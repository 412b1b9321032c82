package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
)

// A user's own view of what they were given: unexpired role assignments,
// record-team memberships and shares that reach them, soonest expiry first
// and grants without expiry last (GET /me/grants).

// HeldQuery says whose grants to list and which.
type HeldQuery struct {
	Grantee access.Grantee // the user and the principals that name them
	Now     time.Time      // grants that ended at or before Now are left out
	Until   *time.Time     // when set, only grants ending at or before it
	Limit   int
	Offset  int // customer grants only: skip this many, for reading on past hidden ones
}

// HeldGrant is a team membership (Source "team") or share ("share") that
// reaches a user, with the name of the department, group or role it
// reaches them through.
type HeldGrant struct {
	Grant
	Source        string
	PrincipalName string
}

// args are the arguments of the held-grant queries: $1 tenant, $2 user,
// $3 now and, with Until, $4 until.
func (q HeldQuery) args(tenantID int64) []any {
	args := []any{tenantID, q.Grantee.UserID, Micros(q.Now)}
	if q.Until != nil {
		args = append(args, Micros(*q.Until))
	}
	return args
}

// window is the expiry condition on col.
func (q HeldQuery) window(col string) string {
	if q.Until != nil {
		return ` AND ` + col + ` > $3 AND ` + col + ` <= $4`
	}
	return ` AND (` + col + ` IS NULL OR ` + col + ` > $3)`
}

// HeldAssignments lists a user's unexpired role assignments.
func (t *Tx) HeldAssignments(ctx context.Context, tenantID int64, q HeldQuery) ([]Assignment, []string, error) {
	rows, err := t.query(ctx, "store.HeldAssignments", `SELECT a.id, a.user_id, a.role_id, r.key, r.name, a.reason, a.expires_at, a.granted_by, a.created_at
		FROM role_assignments a JOIN roles r ON r.id = a.role_id WHERE a.tenant_id = $1 AND a.user_id = $2`+q.window("a.expires_at")+`
		ORDER BY (a.expires_at IS NULL), a.expires_at, r.key LIMIT `+itoa(q.Limit), q.args(tenantID)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out, names := []Assignment{}, []string{}
	for rows.Next() {
		var a Assignment
		var name string
		var exp, by sql.NullInt64
		var created int64
		if err := rows.Scan(&a.ID, &a.UserID, &a.RoleID, &a.RoleKey, &name, &a.Reason, &exp, &by, &created); err != nil {
			return nil, nil, errs.Wrap(err, "store.HeldAssignments")
		}
		a.ExpiresAt, a.GrantedBy, a.CreatedAt = timePtr(exp), int64Ptr(by), FromMicros(created)
		out, names = append(out, a), append(names, name)
	}
	return out, names, errs.Wrap(rows.Err(), "store.HeldAssignments")
}

// HeldCustomerGrants lists the unexpired team memberships of a user and the
// unexpired shares naming them, their department (or, with sub-departments,
// one above it), a group of theirs or a role they hold.
func (t *Tx) HeldCustomerGrants(ctx context.Context, tenantID int64, q HeldQuery) ([]HeldGrant, error) {
	g := q.Grantee
	names := `(principal_type = 'user' AND principal_id = $2) OR (principal_type = 'department' AND principal_id = ` + itoa64(g.DeptID) + `)`
	if len(g.DeptPath) > 0 {
		names += ` OR (principal_type = 'department' AND include_sub AND principal_id IN (` + inList(g.DeptPath) + `))`
	}
	if len(g.Groups) > 0 {
		names += ` OR (principal_type = 'group' AND principal_id IN (` + inList(g.Groups) + `))`
	}
	if len(g.Roles) > 0 {
		names += ` OR (principal_type = 'role' AND principal_id IN (` + inList(g.Roles) + `))`
	}
	rows, err := t.query(ctx, "store.HeldCustomerGrants", `SELECT source, id, customer_id, principal_type, principal_id, include_sub,
		level, reason, expires_at, granted_by, created_at, pname FROM (
		SELECT 'team' AS source, id, customer_id, 'user' AS principal_type, user_id AS principal_id, FALSE AS include_sub,
			level, reason, expires_at, granted_by, created_at, '' AS pname
		FROM customer_team WHERE tenant_id = $1 AND user_id = $2`+q.window("expires_at")+`
		UNION ALL
		SELECT 'share', s.id, s.customer_id, s.principal_type, s.principal_id, s.include_sub, s.level, s.reason, s.expires_at,
			s.granted_by, s.created_at, COALESCE(CASE s.principal_type
				WHEN 'department' THEN (SELECT d.name FROM departments d WHERE d.id = s.principal_id)
				WHEN 'group' THEN (SELECT gr.name FROM groups gr WHERE gr.id = s.principal_id)
				WHEN 'role' THEN (SELECT r.name FROM roles r WHERE r.id = s.principal_id) END, '')
		FROM customer_shares s WHERE s.tenant_id = $1 AND (`+names+`)`+q.window("s.expires_at")+`
		) held ORDER BY (expires_at IS NULL), expires_at, source, id LIMIT `+itoa(q.Limit)+` OFFSET `+itoa(q.Offset), q.args(tenantID)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []HeldGrant{}
	for rows.Next() {
		var h HeldGrant
		var exp, by sql.NullInt64
		var created int64
		if err := rows.Scan(&h.Source, &h.ID, &h.CustomerID, &h.Principal.Type, &h.Principal.ID, &h.Principal.IncludeSubDept,
			&h.Level, &h.Reason, &exp, &by, &created, &h.PrincipalName); err != nil {
			return nil, errs.Wrap(err, "store.HeldCustomerGrants")
		}
		h.ExpiresAt, h.GrantedBy, h.CreatedAt = timePtr(exp), int64Ptr(by), FromMicros(created)
		out = append(out, h)
	}
	return out, errs.Wrap(rows.Err(), "store.HeldCustomerGrants")
}
