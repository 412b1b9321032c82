package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
)

// StoredSoDRule is a separation-of-duties rule with its metadata.
type StoredSoDRule struct {
	access.SoDRule
	Description string    `json:"description"`
	CreatedBy   *int64    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// SoDRules lists the tenant's stored rules.
func (t *Tx) SoDRules(ctx context.Context, tenantID int64) ([]StoredSoDRule, error) {
	rows, err := t.query(ctx, "store.SoDRules", `SELECT id, name, holdings, mode, description, created_by, created_at, updated_at
		FROM sod_rules WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StoredSoDRule{}
	for rows.Next() {
		var r StoredSoDRule
		var holdings string
		var by sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&r.ID, &r.Name, &holdings, &r.Mode, &r.Description, &by, &created, &updated); err != nil {
			return nil, errs.Wrap(err, "store.SoDRules")
		}
		for _, h := range strings.Split(holdings, ",") {
			r.Holdings = append(r.Holdings, access.Holding(h))
		}
		r.CreatedBy, r.CreatedAt, r.UpdatedAt = int64Ptr(by), FromMicros(created), FromMicros(updated)
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "store.SoDRules")
}

// SaveSoDRule inserts (ID 0) or updates a rule.
func (t *Tx) SaveSoDRule(ctx context.Context, tenantID int64, r *StoredSoDRule, now time.Time) error {
	hs := make([]string, len(r.Holdings))
	for i, h := range r.Holdings {
		hs[i] = string(h)
	}
	r.UpdatedAt = now
	if r.ID == 0 {
		r.CreatedAt = now
		id, err := t.insert(ctx, "store.SaveSoDRule", `INSERT INTO sod_rules (tenant_id, name, holdings, mode, description, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, tenantID, r.Name, strings.Join(hs, ","), r.Mode, r.Description, nullID(r.CreatedBy), Micros(now))
		r.ID = id
		return nameTaken(err)
	}
	res, err := t.exec(ctx, "store.SaveSoDRule", `UPDATE sod_rules SET name = $1, holdings = $2, mode = $3, description = $4, updated_at = $5
		WHERE tenant_id = $6 AND id = $7`, r.Name, strings.Join(hs, ","), r.Mode, r.Description, Micros(now), tenantID, r.ID)
	if err != nil {
		return nameTaken(err)
	}
	return affected(res, "separation-of-duties rule")
}

// DeleteSoDRule removes a rule and the justifications recorded under it;
// the audit trail keeps those.
func (t *Tx) DeleteSoDRule(ctx context.Context, tenantID, id int64) error {
	if _, err := t.exec(ctx, "store.DeleteSoDRule", `DELETE FROM sod_justifications WHERE tenant_id = $1 AND rule_id = $2`, tenantID, id); err != nil {
		return err
	}
	res, err := t.exec(ctx, "store.DeleteSoDRule", `DELETE FROM sod_rules WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "separation-of-duties rule")
}

// The kinds of grant a justification is recorded for.
const (
	GrantRoleAssignment = "role_assignment"
	GrantRoleEdit       = "role_edit"
	GrantAPIKey         = "api_key"
)

// SoDJustification is why a conflict a justify rule let through was
// accepted, and by whom.
type SoDJustification struct {
	ID            int64     `json:"id"`
	RuleID        int64     `json:"rule_id"`
	RuleName      string    `json:"rule_name"`
	UserID        int64     `json:"user_id"`
	RoleID        int64     `json:"role_id"`
	GrantKind     string    `json:"grant_kind"`
	GrantID       int64     `json:"grant_id"`
	Justification string    `json:"justification"`
	JustifiedBy   *int64    `json:"justified_by"`
	CreatedAt     time.Time `json:"created_at"`
}

// AddSoDJustification records one and sets its id.
func (t *Tx) AddSoDJustification(ctx context.Context, tenantID int64, j *SoDJustification) error {
	id, err := t.insert(ctx, "store.AddSoDJustification", `INSERT INTO sod_justifications (tenant_id, rule_id, rule_name, user_id, role_id,
		grant_kind, grant_id, justification, justified_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		tenantID, j.RuleID, j.RuleName, j.UserID, nullID(&j.RoleID), j.GrantKind, j.GrantID, j.Justification, nullID(j.JustifiedBy), Micros(j.CreatedAt))
	j.ID = id
	return err
}

// LatestSoDJustifications returns, per user and rule, the latest
// justification recorded.
func (t *Tx) LatestSoDJustifications(ctx context.Context, tenantID int64) (map[[2]int64]SoDJustification, error) {
	rows, err := t.query(ctx, "store.LatestSoDJustifications", `SELECT id, rule_id, rule_name, user_id, role_id, grant_kind, grant_id,
		justification, justified_by, created_at FROM sod_justifications WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]int64]SoDJustification{}
	for rows.Next() {
		var j SoDJustification
		var role, by sql.NullInt64
		var at int64
		if err := rows.Scan(&j.ID, &j.RuleID, &j.RuleName, &j.UserID, &role, &j.GrantKind, &j.GrantID, &j.Justification, &by, &at); err != nil {
			return nil, errs.Wrap(err, "store.LatestSoDJustifications")
		}
		j.RoleID, j.JustifiedBy, j.CreatedAt = role.Int64, int64Ptr(by), FromMicros(at)
		out[[2]int64{j.UserID, j.RuleID}] = j // later ids overwrite earlier ones
	}
	return out, errs.Wrap(rows.Err(), "store.LatestSoDJustifications")
}

// SoDProfile reports whether the tenant's 三员分立 profile is on.
func (t *Tx) SoDProfile(ctx context.Context, tenantID int64) (bool, error) {
	var on bool
	err := t.one(ctx, "store.SoDProfile", "profile", `SELECT separation_of_duties FROM sod_profile WHERE tenant_id = $1`, []any{tenantID}, &on)
	if errs.KindOf(err) == errs.NotFound {
		return false, nil
	}
	return on, err
}

// SetSoDProfile switches the profile on or off.
func (t *Tx) SetSoDProfile(ctx context.Context, tenantID int64, on bool, by int64, now time.Time) error {
	_, err := t.exec(ctx, "store.SetSoDProfile", `INSERT INTO sod_profile (tenant_id, separation_of_duties, updated_by, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id) DO UPDATE SET separation_of_duties = excluded.separation_of_duties, updated_by = excluded.updated_by,
		updated_at = excluded.updated_at`, tenantID, on, nullID(&by), Micros(now))
	return err
}

// HeldRoleIDs maps each user with an unexpired role assignment to the ids
// of the roles they hold. A user id other than 0 keeps that user only; a
// role id other than 0 keeps the holders of that role only.
func (t *Tx) HeldRoleIDs(ctx context.Context, tenantID int64, now time.Time, userID, roleID int64) (map[int64][]int64, error) {
	q := `SELECT user_id, role_id FROM role_assignments WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > $2)`
	args := []any{tenantID, Micros(now)}
	if userID != 0 {
		args = append(args, userID)
		q += ` AND user_id = $` + strconv.Itoa(len(args))
	}
	if roleID != 0 {
		args = append(args, roleID)
		q += ` AND user_id IN (SELECT user_id FROM role_assignments WHERE tenant_id = $1 AND role_id = $` + strconv.Itoa(len(args)) +
			` AND (expires_at IS NULL OR expires_at > $2))`
	}
	rows, err := t.query(ctx, "store.HeldRoleIDs", q+` ORDER BY user_id, role_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var u, r int64
		if err := rows.Scan(&u, &r); err != nil {
			return nil, errs.Wrap(err, "store.HeldRoleIDs")
		}
		out[u] = append(out[u], r)
	}
	return out, errs.Wrap(rows.Err(), "store.HeldRoleIDs")
}

// LockSoD makes the tenant's changes to who holds what wait for each other
// on PostgreSQL, so that two grants made at once cannot each pass the
// separation-of-duties check without seeing the other. An advisory lock of
// its own, taken before anything else the change reads, keeps it out of
// the way of the other locks (the audit head, the policy version). SQLite's
// single writer already serialises them.
func (t *Tx) LockSoD(ctx context.Context, tenantID int64) error {
	if t.engine != Postgres {
		return nil
	}
	_, err := t.exec(ctx, "store.LockSoD", `SELECT pg_advisory_xact_lock(7362, ($1::bigint % 2147483647)::int)`, tenantID)
	return err
}

// presetDutyRoles gives every existing tenant the 三员分立 administrator
// roles (migration 0016), as CreateTenant gives new ones. A tenant that
// already has a role with one of their keys keeps it: its own role is not
// overwritten, and the profile does not depend on the keys.
func (t *Tx) presetDutyRoles(ctx context.Context) error {
	// Not TenantIDs: this runs at migration 0016, before tenants had
	// deleted_at (0025).
	rows, err := t.query(ctx, "store.presetDutyRoles", `SELECT id FROM tenants ORDER BY id`)
	if err != nil {
		return err
	}
	tenants, err := scanIDs(rows, "store.presetDutyRoles")
	if err != nil {
		return err
	}
	now := time.Now()
	for _, id := range tenants {
		for _, r := range access.DutyPresets() {
			var n int
			if err := t.one(ctx, "store.presetDutyRoles", "role", `SELECT COUNT(*) FROM roles WHERE tenant_id = $1 AND key = $2`,
				[]any{id, r.Key}, &n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if err := t.SaveRole(ctx, id, &r, now); err != nil {
				return err
			}
		}
	}
	return nil
}
