package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
)

// Least-privilege insights read when each user last did each thing from
// audit_action_uses, the trail folded per (user, action) (insights_uses.go):
// a page of users reads at most one short key range per user, however long
// the trail is.

// ActionUses returns, per user and action, the time of the user's latest
// audit entry with that action, as far as the trail has been folded
// (RefreshActionUses); pairs without one are absent.
func (t *Tx) ActionUses(ctx context.Context, tenantID int64, userIDs []int64, actions []string) (map[int64]map[string]time.Time, error) {
	out := map[int64]map[string]time.Time{}
	if len(userIDs) == 0 || len(actions) == 0 {
		return out, nil
	}
	args := []any{tenantID}
	marks := make([]string, len(actions))
	for i, a := range actions {
		args = append(args, a)
		marks[i] = "$" + itoa(len(args))
	}
	rows, err := t.query(ctx, "store.ActionUses", `SELECT actor_id, action, last_at FROM audit_action_uses
		WHERE tenant_id = $1 AND actor_id IN (`+inList(userIDs)+`) AND action IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var uid, at int64
		var action string
		if err := rows.Scan(&uid, &action, &at); err != nil {
			return nil, errs.Wrap(err, "store.ActionUses")
		}
		if out[uid] == nil {
			out[uid] = map[string]time.Time{}
		}
		out[uid][action] = FromMicros(at)
	}
	return out, errs.Wrap(rows.Err(), "store.ActionUses")
}

// UserActivity is what is known of when a user last did anything.
type UserActivity struct {
	User org.User
	// LastLogin is the latest auth.login entry (as far as the trail has
	// been folded): a sign-in with a password (and second factor) that
	// opened a session.
	LastLogin *time.Time
	// LastActive is the latest of: an audit entry with the user as actor,
	// the last use of a session that still exists, the last use of an API
	// key. Sessions are touched at most once a minute; a session removed
	// by sign-out leaves its auth.logout entry.
	LastActive *time.Time
}

// activitySQL computes the activity columns of the users u of a query.
const activitySQL = `u.id, u.email, u.name, u.phone, u.department_id, u.manager_id, u.status, u.created_at, u.updated_at,
	(SELECT f.last_at FROM audit_action_uses f WHERE f.tenant_id = u.tenant_id AND f.actor_id = u.id AND f.action = 'auth.login') AS last_login,
	(SELECT e.at FROM audit_events e WHERE e.tenant_id = u.tenant_id AND e.actor_id = u.id ORDER BY e.seq DESC LIMIT 1) AS last_entry,
	(SELECT MAX(s.last_seen_at) FROM sessions s WHERE s.user_id = u.id) AS last_session,
	(SELECT MAX(k.last_used_at) FROM api_keys k WHERE k.tenant_id = u.tenant_id AND k.user_id = u.id) AS last_key`

func scanUserActivity(rows *sql.Rows) (UserActivity, error) {
	var a UserActivity
	var mgr, login, entry, session, key sql.NullInt64
	var created, updated int64
	u := &a.User
	if err := rows.Scan(&u.ID, &u.Email, &u.Name, &u.Phone, &u.DepartmentID, &mgr, &u.Status, &created, &updated,
		&login, &entry, &session, &key); err != nil {
		return a, err
	}
	u.ManagerID, u.CreatedAt, u.UpdatedAt = int64Ptr(mgr), FromMicros(created), FromMicros(updated)
	a.LastLogin = timePtr(login)
	for _, v := range []sql.NullInt64{login, entry, session, key} {
		if v.Valid && (a.LastActive == nil || FromMicros(v.Int64).After(*a.LastActive)) {
			a.LastActive = timePtr(v)
		}
	}
	return a, nil
}

// ActiveUsersActivity returns a page of the tenant's active users by id
// (after After; only UserID when it is set) with their activity.
func (t *Tx) ActiveUsersActivity(ctx context.Context, tenantID int64, p UserPage, userID int64) ([]UserActivity, error) {
	where := ` AND u.id > $2`
	arg := p.After
	if userID != 0 {
		where, arg = ` AND u.id = $2`, userID
	}
	rows, err := t.query(ctx, "store.ActiveUsersActivity", `SELECT `+activitySQL+` FROM users u
		WHERE u.tenant_id = $1 AND u.status = 'active'`+where+` ORDER BY u.id LIMIT `+itoa(p.Limit), tenantID, arg)
	if err != nil {
		return nil, err
	}
	return collectActivity(rows)
}

// DormantUsers returns, by id after after, active users created before
// cutoff who have done nothing since: no sign-in, no session or API key
// used, no audit entry as actor.
func (t *Tx) DormantUsers(ctx context.Context, tenantID int64, cutoff time.Time, after int64, limit int) ([]UserActivity, error) {
	// Each activity column is one index probe per user (the latest entry by
	// position, not a search of the user's entries for a recent one).
	rows, err := t.query(ctx, "store.DormantUsers", `SELECT * FROM (SELECT `+activitySQL+` FROM users u
		WHERE u.tenant_id = $1 AND u.status = 'active' AND u.id > $2 AND u.created_at < $3) x
		WHERE COALESCE(last_entry, 0) < $3 AND COALESCE(last_session, 0) < $3 AND COALESCE(last_key, 0) < $3
		ORDER BY id LIMIT `+itoa(limit), tenantID, after, Micros(cutoff))
	if err != nil {
		return nil, err
	}
	return collectActivity(rows)
}

func collectActivity(rows *sql.Rows) ([]UserActivity, error) {
	defer rows.Close()
	out := []UserActivity{}
	for rows.Next() {
		a, err := scanUserActivity(rows)
		if err != nil {
			return nil, errs.Wrap(err, "store.activity")
		}
		out = append(out, a)
	}
	return out, errs.Wrap(rows.Err(), "store.activity")
}

// UsersActivity returns the activity of the given users, whatever their status.
func (t *Tx) UsersActivity(ctx context.Context, tenantID int64, userIDs []int64) (map[int64]UserActivity, error) {
	out := map[int64]UserActivity{}
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := t.query(ctx, "store.UsersActivity", `SELECT `+activitySQL+` FROM users u
		WHERE u.tenant_id = $1 AND u.id IN (`+inList(userIDs)+`)`, tenantID)
	if err != nil {
		return nil, err
	}
	list, err := collectActivity(rows)
	for _, a := range list {
		out[a.User.ID] = a
	}
	return out, err
}

// AuditStart is the time of the tenant's oldest retained audit entry (nil
// when there is none): retention may have removed older ones.
func (t *Tx) AuditStart(ctx context.Context, tenantID int64) (*time.Time, error) {
	var at int64
	err := t.tx.QueryRowContext(ctx, `SELECT at FROM audit_events WHERE tenant_id = $1 ORDER BY seq LIMIT 1`, tenantID).Scan(&at)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, t.classify(err, "store.AuditStart")
	}
	s := FromMicros(at)
	return &s, nil
}

// AssignmentsOf returns the unexpired role assignments of the given users.
func (t *Tx) AssignmentsOf(ctx context.Context, tenantID int64, userIDs []int64, now time.Time) ([]Assignment, error) {
	return t.assignmentsWhere(ctx, "store.AssignmentsOf", `a.user_id IN (`+inList(userIDs)+`)`, tenantID, now, len(userIDs) == 0)
}

// RoleHolders returns the unexpired assignments of a role to active users.
func (t *Tx) RoleHolders(ctx context.Context, tenantID, roleID int64, now time.Time) ([]Assignment, error) {
	return t.assignmentsWhere(ctx, "store.RoleHolders", `a.role_id = `+itoa64(roleID)+
		` AND EXISTS (SELECT 1 FROM users u WHERE u.id = a.user_id AND u.status = 'active')`, tenantID, now, false)
}

func (t *Tx) assignmentsWhere(ctx context.Context, op, where string, tenantID int64, now time.Time, none bool) ([]Assignment, error) {
	out := []Assignment{}
	if none {
		return out, nil
	}
	rows, err := t.query(ctx, op, `SELECT a.id, a.user_id, a.role_id, r.key, a.reason, a.expires_at, a.granted_by, a.created_at
		FROM role_assignments a JOIN roles r ON r.id = a.role_id
		WHERE a.tenant_id = $1 AND (a.expires_at IS NULL OR a.expires_at > $2) AND `+where+` ORDER BY a.user_id, r.key`, tenantID, Micros(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a Assignment
		var exp, by sql.NullInt64
		var created int64
		if err := rows.Scan(&a.ID, &a.UserID, &a.RoleID, &a.RoleKey, &a.Reason, &exp, &by, &created); err != nil {
			return nil, errs.Wrap(err, op)
		}
		a.ExpiresAt, a.GrantedBy, a.CreatedAt = timePtr(exp), int64Ptr(by), FromMicros(created)
		out = append(out, a)
	}
	return out, errs.Wrap(rows.Err(), op)
}

// RoleCounts is how many hold a role.
type RoleCounts struct {
	Holders     int // unexpired assignments to active users
	Assignments int // every assignment row, expired and of inactive users too
}

// RoleHolderCounts counts, per role id, its holders and assignment rows.
func (t *Tx) RoleHolderCounts(ctx context.Context, tenantID int64, now time.Time) (map[int64]RoleCounts, error) {
	rows, err := t.query(ctx, "store.RoleHolderCounts", `SELECT a.role_id,
		SUM(CASE WHEN (a.expires_at IS NULL OR a.expires_at > $2) AND u.status = 'active' THEN 1 ELSE 0 END), COUNT(*)
		FROM role_assignments a JOIN users u ON u.id = a.user_id WHERE a.tenant_id = $1 GROUP BY a.role_id`, tenantID, Micros(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]RoleCounts{}
	for rows.Next() {
		var id int64
		var c RoleCounts
		if err := rows.Scan(&id, &c.Holders, &c.Assignments); err != nil {
			return nil, errs.Wrap(err, "store.RoleHolderCounts")
		}
		out[id] = c
	}
	return out, errs.Wrap(rows.Err(), "store.RoleHolderCounts")
}

// DirectGrant is a record-team membership or a share naming one user, with
// the user's latest audit entry on its customer.
type DirectGrant struct {
	Kind       string       `json:"kind"` // team, share
	ID         int64        `json:"id"`
	UserID     int64        `json:"user_id"`
	CustomerID int64        `json:"customer_id"`
	Level      access.Level `json:"level"`
	CreatedAt  time.Time    `json:"created_at"`
	ExpiresAt  *time.Time   `json:"expires_at"`
	LastUsedAt *time.Time   `json:"last_used_at"`
}

// directGrantsSQL are the unexpired team memberships and user shares ($2 now).
const directGrantsSQL = `SELECT 'team' AS kind, id, user_id, customer_id, level, created_at, expires_at FROM customer_team
		WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > $2)
	UNION ALL
	SELECT 'share', id, principal_id, customer_id, level, created_at, expires_at FROM customer_shares
		WHERE tenant_id = $1 AND principal_type = 'user' AND (expires_at IS NULL OR expires_at > $2)`

// lastAt is the latest time of the audit entries a search of the customer
// index finds. MAX(e.at) would let both engines' planners answer it by
// walking the trail's time index backwards until an entry matches, which
// is the whole trail for a grant never used; "+ 0" keeps them on the
// customer index, whose entries for one customer are few.
const lastAt = `MAX(e.at + 0)`

// DirectGrants returns, per user, up to perUser of their unexpired team
// memberships and user shares, oldest first, each with the user's latest
// audit entry linked to its customer (a change, reveal, share or transfer:
// reading a customer leaves none), and how many they have in all.
func (t *Tx) DirectGrants(ctx context.Context, tenantID int64, userIDs []int64, now time.Time, perUser int) (map[int64][]DirectGrant, map[int64]int, error) {
	out, totals := map[int64][]DirectGrant{}, map[int64]int{}
	if len(userIDs) == 0 {
		return out, totals, nil
	}
	rows, err := t.query(ctx, "store.DirectGrants", `SELECT kind, id, user_id, customer_id, level, created_at, expires_at, n, total,
		(SELECT `+lastAt+` FROM audit_events e WHERE e.tenant_id = $1 AND e.subject_customer = g.customer_id AND e.actor_id = g.user_id)
		FROM (SELECT d.*, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY created_at, kind, id) AS n,
			COUNT(*) OVER (PARTITION BY user_id) AS total
			FROM (`+directGrantsSQL+`) d WHERE user_id IN (`+inList(userIDs)+`)) g
		WHERE n <= `+itoa(perUser)+` ORDER BY user_id, n`, tenantID, Micros(now))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var g DirectGrant
		var exp, last sql.NullInt64
		var created, n int64
		var total int
		if err := rows.Scan(&g.Kind, &g.ID, &g.UserID, &g.CustomerID, &g.Level, &created, &exp, &n, &total, &last); err != nil {
			return nil, nil, errs.Wrap(err, "store.DirectGrants")
		}
		g.CreatedAt, g.ExpiresAt, g.LastUsedAt = FromMicros(created), timePtr(exp), timePtr(last)
		out[g.UserID] = append(out[g.UserID], g)
		totals[g.UserID] = total
	}
	return out, totals, errs.Wrap(rows.Err(), "store.DirectGrants")
}

// StaleGrant is a grant without expiry older than a cutoff: a role
// assignment, a record-team membership or a share.
type StaleGrant struct {
	Kind       string            `json:"kind"` // role, team, share
	ID         int64             `json:"id"`
	UserID     *int64            `json:"user_id"` // the user it names; a share may name a department, group or role instead
	Principal  *access.Principal `json:"principal,omitempty"`
	Role       string            `json:"role,omitempty"`
	CustomerID *int64            `json:"customer_id,omitempty"`
	Level      access.Level      `json:"level,omitempty"`
	Reason     string            `json:"reason"`
	GrantedBy  *int64            `json:"granted_by"`
	CreatedAt  time.Time         `json:"created_at"`
}

// StaleKinds orders the kinds of stale grants; a cursor is a kind's
// position and an id.
var StaleKinds = []string{"role", "team", "share"}

// StaleGrants returns grants without expiry created before cutoff, by kind
// (roles, teams, shares) and id, after the cursor (kind position k, id).
// Grants of deactivated users are left out: they no longer reach anyone.
func (t *Tx) StaleGrants(ctx context.Context, tenantID int64, cutoff time.Time, kind string, k int, after int64, limit int) ([]StaleGrant, error) {
	active := `EXISTS (SELECT 1 FROM users u WHERE u.id = %s AND u.status <> 'deactivated')`
	q := `SELECT k, id, user_id, principal_type, principal_id, include_sub, role_key, customer_id, level, reason, granted_by, created_at FROM (
		SELECT 0 AS k, a.id, a.user_id, '' AS principal_type, 0 AS principal_id, FALSE AS include_sub, r.key AS role_key,
			NULL AS customer_id, '' AS level, a.reason, a.granted_by, a.created_at
		FROM role_assignments a JOIN roles r ON r.id = a.role_id
		WHERE a.tenant_id = $1 AND a.expires_at IS NULL AND a.created_at < $2 AND ` + strings.ReplaceAll(active, "%s", "a.user_id") + `
		UNION ALL
		SELECT 1, id, user_id, '', 0, FALSE, '', customer_id, level, reason, granted_by, created_at
		FROM customer_team WHERE tenant_id = $1 AND expires_at IS NULL AND created_at < $2 AND ` + strings.ReplaceAll(active, "%s", "user_id") + `
		UNION ALL
		SELECT 2, id, CASE WHEN principal_type = 'user' THEN principal_id END, principal_type, principal_id, include_sub, '',
			customer_id, level, reason, granted_by, created_at
		FROM customer_shares WHERE tenant_id = $1 AND expires_at IS NULL AND created_at < $2
			AND (principal_type <> 'user' OR ` + strings.ReplaceAll(active, "%s", "principal_id") + `)
		) g WHERE (k > $3 OR (k = $3 AND id > $4))`
	args := []any{tenantID, Micros(cutoff), k, after}
	if kind != "" {
		q += ` AND k = $5`
		args = append(args, indexOf(StaleKinds, kind))
	}
	rows, err := t.query(ctx, "store.StaleGrants", q+` ORDER BY k, id LIMIT `+itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StaleGrant{}
	for rows.Next() {
		var g StaleGrant
		var kk int
		var uid, cust, by sql.NullInt64
		var p access.Principal
		var created int64
		if err := rows.Scan(&kk, &g.ID, &uid, &p.Type, &p.ID, &p.IncludeSubDept, &g.Role, &cust, &g.Level, &g.Reason, &by, &created); err != nil {
			return nil, errs.Wrap(err, "store.StaleGrants")
		}
		g.Kind, g.UserID, g.CustomerID, g.GrantedBy, g.CreatedAt = StaleKinds[kk], int64Ptr(uid), int64Ptr(cust), int64Ptr(by), FromMicros(created)
		if g.Kind == "share" {
			g.Principal = &p
		}
		out = append(out, g)
	}
	return out, errs.Wrap(rows.Err(), "store.StaleGrants")
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
