package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
)

// Grant is a team membership or share as stored: the engine's view plus
// who gave it, why and when.
type Grant struct {
	ID         int64            `json:"id"`
	CustomerID int64            `json:"customer_id"`
	Principal  access.Principal `json:"principal"`
	Level      access.Level     `json:"level"`
	Reason     string           `json:"reason"`
	ExpiresAt  *time.Time       `json:"expires_at"`
	GrantedBy  *int64           `json:"granted_by"`
	CreatedAt  time.Time        `json:"created_at"`
}

// TeamGrants returns a customer's record team, expired members included.
func (t *Tx) TeamGrants(ctx context.Context, tenantID, customerID int64) ([]Grant, error) {
	return t.teamGrants(ctx, tenantID, []int64{customerID})
}

// teamGrants returns the teams of several customers at once. Ids are
// int64 literals, like the access filter's.
func (t *Tx) teamGrants(ctx context.Context, tenantID int64, customerIDs []int64) ([]Grant, error) {
	rows, err := t.query(ctx, "store.TeamGrants", `SELECT id, customer_id, user_id, level, reason, expires_at, granted_by, created_at
		FROM customer_team WHERE tenant_id = $1 AND customer_id IN (`+inList(customerIDs)+`) ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Grant{}
	for rows.Next() {
		g := Grant{Principal: access.Principal{Type: access.PrincipalUser}}
		var exp, by sql.NullInt64
		var created int64
		if err := rows.Scan(&g.ID, &g.CustomerID, &g.Principal.ID, &g.Level, &g.Reason, &exp, &by, &created); err != nil {
			return nil, errs.Wrap(err, "store.TeamGrants")
		}
		g.ExpiresAt, g.GrantedBy, g.CreatedAt = timePtr(exp), int64Ptr(by), FromMicros(created)
		out = append(out, g)
	}
	return out, errs.Wrap(rows.Err(), "store.TeamGrants")
}

// ShareGrants returns a customer's shares, expired ones included.
func (t *Tx) ShareGrants(ctx context.Context, tenantID, customerID int64) ([]Grant, error) {
	return t.shareGrants(ctx, tenantID, []int64{customerID})
}

func (t *Tx) shareGrants(ctx context.Context, tenantID int64, customerIDs []int64) ([]Grant, error) {
	rows, err := t.query(ctx, "store.ShareGrants", `SELECT id, customer_id, principal_type, principal_id, include_sub, level, reason, expires_at, granted_by, created_at
		FROM customer_shares WHERE tenant_id = $1 AND customer_id IN (`+inList(customerIDs)+`) ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Grant{}
	for rows.Next() {
		var g Grant
		var exp, by sql.NullInt64
		var created int64
		if err := rows.Scan(&g.ID, &g.CustomerID, &g.Principal.Type, &g.Principal.ID, &g.Principal.IncludeSubDept, &g.Level, &g.Reason, &exp, &by, &created); err != nil {
			return nil, errs.Wrap(err, "store.ShareGrants")
		}
		g.ExpiresAt, g.GrantedBy, g.CreatedAt = timePtr(exp), int64Ptr(by), FromMicros(created)
		out = append(out, g)
	}
	return out, errs.Wrap(rows.Err(), "store.ShareGrants")
}

// AddTeamMember puts a user on a customer's team, replacing an earlier entry.
func (t *Tx) AddTeamMember(ctx context.Context, tenantID int64, g *Grant, now time.Time) error {
	if _, err := t.exec(ctx, "store.AddTeamMember", `DELETE FROM customer_team WHERE tenant_id = $1 AND customer_id = $2 AND user_id = $3`,
		tenantID, g.CustomerID, g.Principal.ID); err != nil {
		return err
	}
	id, err := t.insert(ctx, "store.AddTeamMember", `INSERT INTO customer_team (tenant_id, customer_id, user_id, level, reason, expires_at, granted_by, created_at, sort_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT last_activity_at FROM customers WHERE tenant_id = $1 AND id = $2))`,
		tenantID, g.CustomerID, g.Principal.ID, g.Level, g.Reason, nullMicros(g.ExpiresAt), nullID(g.GrantedBy), Micros(now))
	g.ID, g.CreatedAt = id, now
	return err
}

// RemoveTeamMember takes a user off a customer's team.
func (t *Tx) RemoveTeamMember(ctx context.Context, tenantID, customerID, userID int64) error {
	res, err := t.exec(ctx, "store.RemoveTeamMember", `DELETE FROM customer_team WHERE tenant_id = $1 AND customer_id = $2 AND user_id = $3`, tenantID, customerID, userID)
	if err != nil {
		return err
	}
	return affected(res, "team member")
}

// AddShare shares a customer with a principal.
func (t *Tx) AddShare(ctx context.Context, tenantID int64, g *Grant, now time.Time) error {
	id, err := t.insert(ctx, "store.AddShare", `INSERT INTO customer_shares (tenant_id, customer_id, principal_type, principal_id, include_sub, level, reason, expires_at, granted_by, created_at, sort_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, (SELECT last_activity_at FROM customers WHERE tenant_id = $1 AND id = $2))`,
		tenantID, g.CustomerID, g.Principal.Type, g.Principal.ID, g.Principal.IncludeSubDept,
		g.Level, g.Reason, nullMicros(g.ExpiresAt), nullID(g.GrantedBy), Micros(now))
	g.ID, g.CreatedAt = id, now
	return err
}

// RemoveShare removes one share of a customer.
func (t *Tx) RemoveShare(ctx context.Context, tenantID, customerID, shareID int64) error {
	res, err := t.exec(ctx, "store.RemoveShare", `DELETE FROM customer_shares WHERE tenant_id = $1 AND customer_id = $2 AND id = $3`, tenantID, customerID, shareID)
	if err != nil {
		return err
	}
	return affected(res, "share")
}

// RecordGrants loads the team and shares of a customer in the engine's form.
func (t *Tx) RecordGrants(ctx context.Context, tenantID, customerID int64) ([]access.TeamMember, []access.ShareGrant, error) {
	g, err := t.RecordGrantsOf(ctx, tenantID, []int64{customerID})
	return g[customerID].Team, g[customerID].Shares, err
}

// RecordGrantSet is one customer's team and shares in the engine's form.
type RecordGrantSet struct {
	Team   []access.TeamMember
	Shares []access.ShareGrant
}

// RecordGrantsOf loads the teams and shares of several customers in two
// queries, for a page of records rather than one query pair per row.
func (t *Tx) RecordGrantsOf(ctx context.Context, tenantID int64, customerIDs []int64) (map[int64]RecordGrantSet, error) {
	out := make(map[int64]RecordGrantSet, len(customerIDs))
	if len(customerIDs) == 0 {
		return out, nil
	}
	team, err := t.teamGrants(ctx, tenantID, customerIDs)
	if err != nil {
		return nil, err
	}
	shares, err := t.shareGrants(ctx, tenantID, customerIDs)
	if err != nil {
		return nil, err
	}
	for _, g := range team {
		set := out[g.CustomerID]
		set.Team = append(set.Team, access.TeamMember{UserID: g.Principal.ID, Level: g.Level, ExpiresAt: g.ExpiresAt})
		out[g.CustomerID] = set
	}
	for _, g := range shares {
		set := out[g.CustomerID]
		set.Shares = append(set.Shares, access.ShareGrant{ID: g.ID, Principal: g.Principal, Level: g.Level, ExpiresAt: g.ExpiresAt})
		out[g.CustomerID] = set
	}
	return out, nil
}

// GrantSortKeyDrift counts the team members and shares of the tenant whose
// sort_at differs from their customer's last_activity_at. It must be zero:
// the ordered grant branches of the filter rely on it (migration 0007).
func (t *Tx) GrantSortKeyDrift(ctx context.Context, tenantID int64) (int64, error) {
	var n int64
	err := t.one(ctx, "store.GrantSortKeyDrift", "tenant", `SELECT
		(SELECT COUNT(*) FROM customer_team g JOIN customers c ON c.id = g.customer_id WHERE g.tenant_id = $1 AND g.sort_at <> c.last_activity_at) +
		(SELECT COUNT(*) FROM customer_shares g JOIN customers c ON c.id = g.customer_id WHERE g.tenant_id = $1 AND g.sort_at <> c.last_activity_at)`,
		[]any{tenantID}, &n)
	return n, err
}
