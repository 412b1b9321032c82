package store

import (
	"context"
	"time"

	"steward/internal/errs"
	"steward/internal/org"
)

// ActiveUsers lists the tenant's active users by id.
func (t *Tx) ActiveUsers(ctx context.Context, tenantID int64) ([]org.User, error) {
	rows, err := t.query(ctx, "store.ActiveUsers", `SELECT `+userCols+` FROM users WHERE tenant_id = $1 AND status = $2 ORDER BY id`,
		tenantID, org.StatusActive)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []org.User
	for rows.Next() {
		var u org.User
		if err := scanUser(rows, &u); err != nil {
			return nil, errs.Wrap(err, "store.ActiveUsers")
		}
		out = append(out, u)
	}
	return out, errs.Wrap(rows.Err(), "store.ActiveUsers")
}

// RoleAssignees lists the users assigned a role, expired assignments
// included (DeleteRole counts them too), by id.
func (t *Tx) RoleAssignees(ctx context.Context, tenantID, roleID int64) ([]int64, error) {
	rows, err := t.query(ctx, "store.RoleAssignees", `SELECT DISTINCT user_id FROM role_assignments
		WHERE tenant_id = $1 AND role_id = $2 ORDER BY user_id`, tenantID, roleID)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows, "store.RoleAssignees")
}

// FirstHolder returns the active user with the lowest id who holds the
// role through an unexpired assignment: the tenant's first administrator,
// on whose behalf the command line acts.
func (t *Tx) FirstHolder(ctx context.Context, tenantID int64, roleKey string, now time.Time) (int64, error) {
	var id int64
	err := t.one(ctx, "store.FirstHolder", "user", `SELECT MIN(u.id) FROM users u
		JOIN role_assignments a ON a.user_id = u.id JOIN roles r ON r.id = a.role_id
		WHERE u.tenant_id = $1 AND u.status = $2 AND r.key = $3 AND (a.expires_at IS NULL OR a.expires_at > $4)
		HAVING COUNT(*) > 0`, []any{tenantID, org.StatusActive, roleKey, Micros(now)}, &id)
	return id, err
}
