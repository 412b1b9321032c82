package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
)

// Roles lists the tenant's roles with their permissions.
func (t *Tx) Roles(ctx context.Context, tenantID int64) ([]access.Role, error) {
	return t.roles(ctx, `WHERE r.tenant_id = $1 ORDER BY r.id`, tenantID)
}

// Role returns one role by key.
func (t *Tx) Role(ctx context.Context, tenantID int64, key string) (access.Role, error) {
	rs, err := t.roles(ctx, `WHERE r.tenant_id = $1 AND r.key = $2`, tenantID, key)
	if err != nil {
		return access.Role{}, err
	}
	if len(rs) == 0 {
		return access.Role{}, errs.NotVisible("role")
	}
	return rs[0], nil
}

// UserRoles returns the roles a user holds through unexpired assignments.
func (t *Tx) UserRoles(ctx context.Context, tenantID, userID int64, now time.Time) ([]access.Role, error) {
	return t.roles(ctx, `JOIN role_assignments a ON a.role_id = r.id
		WHERE r.tenant_id = $1 AND a.user_id = $2 AND (a.expires_at IS NULL OR a.expires_at > $3) ORDER BY r.id`,
		tenantID, userID, Micros(now))
}

func (t *Tx) roles(ctx context.Context, where string, args ...any) ([]access.Role, error) {
	rows, err := t.query(ctx, "store.roles", `SELECT r.id, r.key, r.name, r.description, r.preset, r.functions, r.created_at, r.updated_at
		FROM roles r `+where, args...)
	if err != nil {
		return nil, err
	}
	var out []access.Role
	for rows.Next() {
		var r access.Role
		var fns string
		var created, updated int64
		if err := rows.Scan(&r.ID, &r.Key, &r.Name, &r.Description, &r.Preset, &fns, &created, &updated); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "store.roles")
		}
		r.Functions = []access.Function{}
		for _, f := range strings.Split(fns, ",") {
			if f != "" {
				r.Functions = append(r.Functions, access.Function(f))
			}
		}
		r.CreatedAt, r.UpdatedAt = FromMicros(created), FromMicros(updated)
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "store.roles")
	}
	for i := range out {
		if out[i].Permissions, err = t.rolePermissions(ctx, out[i].ID); err != nil {
			return nil, err
		}
		if out[i].Fields, err = t.roleFieldRules(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *Tx) rolePermissions(ctx context.Context, roleID int64) ([]access.Permission, error) {
	rows, err := t.query(ctx, "store.rolePermissions", `SELECT object, action, scope FROM role_permissions WHERE role_id = $1`, roleID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []access.Permission{}
	for rows.Next() {
		var p access.Permission
		if err := rows.Scan(&p.Object, &p.Action, &p.Scope); err != nil {
			return nil, errs.Wrap(err, "store.rolePermissions")
		}
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "store.rolePermissions")
}

// SaveRole inserts (ID 0) or updates a role and replaces its permissions.
func (t *Tx) SaveRole(ctx context.Context, tenantID int64, r *access.Role, now time.Time) error {
	fns := make([]string, len(r.Functions))
	for i, f := range r.Functions {
		fns[i] = string(f)
	}
	if r.ID == 0 {
		id, err := t.insert(ctx, "store.SaveRole", `INSERT INTO roles (tenant_id, key, name, description, preset, functions, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, tenantID, r.Key, r.Name, r.Description, r.Preset, strings.Join(fns, ","), Micros(now))
		if err != nil {
			if e, ok := err.(*errs.Error); ok && e.Code == "already_exists" {
				return errs.Field("key", "key_taken", "a role with this key already exists")
			}
			return err
		}
		r.ID, r.CreatedAt = id, now
	} else {
		res, err := t.exec(ctx, "store.SaveRole", `UPDATE roles SET name = $1, description = $2, functions = $3, updated_at = $4
			WHERE tenant_id = $5 AND id = $6`, r.Name, r.Description, strings.Join(fns, ","), Micros(now), tenantID, r.ID)
		if err != nil {
			return err
		}
		if err := affected(res, "role"); err != nil {
			return err
		}
	}
	r.UpdatedAt = now
	if _, err := t.exec(ctx, "store.SaveRole", `DELETE FROM role_permissions WHERE role_id = $1`, r.ID); err != nil {
		return err
	}
	for _, p := range r.Permissions {
		if _, err := t.exec(ctx, "store.SaveRole", `INSERT INTO role_permissions (tenant_id, role_id, object, action, scope) VALUES ($1, $2, $3, $4, $5)`,
			tenantID, r.ID, p.Object, p.Action, p.Scope); err != nil {
			return err
		}
	}
	return t.saveRoleFieldRules(ctx, tenantID, r)
}

// DeleteRole removes a role that nobody holds.
func (t *Tx) DeleteRole(ctx context.Context, tenantID int64, r access.Role) error {
	var n int
	if err := t.one(ctx, "store.DeleteRole", "role", `SELECT COUNT(*) FROM role_assignments WHERE role_id = $1`, []any{r.ID}, &n); err != nil {
		return err
	}
	if n > 0 {
		return errs.E(errs.Conflict, "role_in_use", "the role is still assigned to %d users", n)
	}
	res, err := t.exec(ctx, "store.DeleteRole", `DELETE FROM roles WHERE tenant_id = $1 AND id = $2`, tenantID, r.ID)
	if err != nil {
		return err
	}
	return affected(res, "role")
}

// Assignment is a role held by a user.
type Assignment struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	RoleID    int64      `json:"role_id"`
	RoleKey   string     `json:"role"`
	Reason    string     `json:"reason"`
	ExpiresAt *time.Time `json:"expires_at"`
	GrantedBy *int64     `json:"granted_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// Assign gives a user a role, replacing an earlier assignment of it.
func (t *Tx) Assign(ctx context.Context, tenantID int64, a *Assignment, now time.Time) error {
	if _, err := t.exec(ctx, "store.Assign", `DELETE FROM role_assignments WHERE tenant_id = $1 AND user_id = $2 AND role_id = $3`,
		tenantID, a.UserID, a.RoleID); err != nil {
		return err
	}
	id, err := t.insert(ctx, "store.Assign", `INSERT INTO role_assignments (tenant_id, user_id, role_id, reason, expires_at, granted_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, tenantID, a.UserID, a.RoleID, a.Reason, nullMicros(a.ExpiresAt), nullID(a.GrantedBy), Micros(now))
	a.ID, a.CreatedAt = id, now
	return err
}

// Unassign removes a user's role.
func (t *Tx) Unassign(ctx context.Context, tenantID, userID, roleID int64) error {
	res, err := t.exec(ctx, "store.Unassign", `DELETE FROM role_assignments WHERE tenant_id = $1 AND user_id = $2 AND role_id = $3`, tenantID, userID, roleID)
	if err != nil {
		return err
	}
	return affected(res, "role assignment")
}

// Assignments lists a user's role assignments, expired ones included
// (callers show them as expired; checks never count them).
func (t *Tx) Assignments(ctx context.Context, tenantID, userID int64) ([]Assignment, error) {
	rows, err := t.query(ctx, "store.Assignments", `SELECT a.id, a.user_id, a.role_id, r.key, a.reason, a.expires_at, a.granted_by, a.created_at
		FROM role_assignments a JOIN roles r ON r.id = a.role_id WHERE a.tenant_id = $1 AND a.user_id = $2 ORDER BY r.key`, tenantID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		var exp, by sql.NullInt64
		var created int64
		if err := rows.Scan(&a.ID, &a.UserID, &a.RoleID, &a.RoleKey, &a.Reason, &exp, &by, &created); err != nil {
			return nil, errs.Wrap(err, "store.Assignments")
		}
		a.ExpiresAt, a.GrantedBy, a.CreatedAt = timePtr(exp), int64Ptr(by), FromMicros(created)
		out = append(out, a)
	}
	return out, errs.Wrap(rows.Err(), "store.Assignments")
}

// NextRoleExpiry is when the user's earliest still-running role assignment
// runs out, or nil if none expires: a subject built now is valid until then.
func (t *Tx) NextRoleExpiry(ctx context.Context, tenantID, userID int64, now time.Time) (*time.Time, error) {
	var next sql.NullInt64
	err := t.one(ctx, "store.NextRoleExpiry", "user", `SELECT MIN(expires_at) FROM role_assignments
		WHERE tenant_id = $1 AND user_id = $2 AND expires_at > $3`, []any{tenantID, userID, Micros(now)}, &next)
	if err != nil || !next.Valid {
		return nil, err
	}
	at := FromMicros(next.Int64)
	return &at, nil
}

// RoleHoldersWithoutFactor counts the users holding a role through an
// unexpired assignment who have no confirmed second factor.
func (t *Tx) RoleHoldersWithoutFactor(ctx context.Context, tenantID, roleID int64, now time.Time) (int, error) {
	var n int
	err := t.one(ctx, "store.RoleHoldersWithoutFactor", "role", `SELECT COUNT(*) FROM role_assignments a
		WHERE a.tenant_id = $1 AND a.role_id = $2 AND (a.expires_at IS NULL OR a.expires_at > $3)
		AND NOT EXISTS (SELECT 1 FROM totp_factors f WHERE f.tenant_id = a.tenant_id AND f.user_id = a.user_id AND f.confirmed_at IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM code_factors c WHERE c.tenant_id = a.tenant_id AND c.user_id = a.user_id AND c.confirmed_at IS NOT NULL)`,
		[]any{tenantID, roleID, Micros(now)}, &n)
	return n, err
}
