package store

import (
	"context"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
)

// Grants in bulk: the record teams, shares and pool placements of a
// generated tenant (`steward seed --grants`). Rules, restrictions, groups
// and pools are few and go through the ordinary methods; these are the
// hundreds of thousands of rows, written like the rest of a bulk load.

// BulkTeamMember puts a user on a customer's record team. A zero GrantedBy
// means none.
type BulkTeamMember struct {
	CustomerID, UserID int64
	Level              access.Level
	ExpiresAt          *time.Time
	GrantedBy          int64
}

// BulkShare shares a customer with a principal. A zero GrantedBy means none.
type BulkShare struct {
	CustomerID int64
	Principal  access.Principal
	Level      access.Level
	ExpiresAt  *time.Time
	GrantedBy  int64
}

var (
	bulkTeam = bulkTable{"customer_team", []string{"tenant_id", "customer_id", "user_id", "level", "reason",
		"expires_at", "granted_by", "created_at", "sort_at"}}
	bulkShares = bulkTable{"customer_shares", []string{"tenant_id", "customer_id", "principal_type", "principal_id",
		"include_sub", "level", "reason", "expires_at", "granted_by", "created_at", "sort_at"}}
)

// bulkGrantReason is the reason every generated grant carries.
const bulkGrantReason = "seed"

// TeamMembers inserts record team members in one transaction. A customer
// may name a user once.
func (b *BulkLoad) TeamMembers(ctx context.Context, ms []BulkTeamMember, now time.Time) error {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.CustomerID
	}
	sortAt, err := b.lastActivity(ctx, ids)
	if err != nil {
		return err
	}
	vals := make([]any, 0, len(ms)*len(bulkTeam.cols))
	tenant, at := any(b.tenantID), Micros(now)
	for _, m := range ms {
		vals = append(vals, tenant, m.CustomerID, m.UserID, string(m.Level), bulkGrantReason,
			nullMicros(m.ExpiresAt), zeroNull(m.GrantedBy), at, sortAt[m.CustomerID])
	}
	return b.write(ctx, bulkTeam, vals)
}

// Shares inserts shares in one transaction.
func (b *BulkLoad) Shares(ctx context.Context, ss []BulkShare, now time.Time) error {
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.CustomerID
	}
	sortAt, err := b.lastActivity(ctx, ids)
	if err != nil {
		return err
	}
	vals := make([]any, 0, len(ss)*len(bulkShares.cols))
	tenant, at := any(b.tenantID), Micros(now)
	for _, s := range ss {
		vals = append(vals, tenant, s.CustomerID, s.Principal.Type, s.Principal.ID, s.Principal.IncludeSubDept,
			string(s.Level), bulkGrantReason, nullMicros(s.ExpiresAt), zeroNull(s.GrantedBy), at, sortAt[s.CustomerID])
	}
	return b.write(ctx, bulkShares, vals)
}

// poolChunk is how many customers one UPDATE moves into a pool.
const poolChunk = 5000

// PlaceInPool takes customers from their owners and puts them in a pool,
// as PlaceInPool of a transaction does for one, in one transaction. The
// ids are written as literals (int64s cannot inject), which keeps the
// statement the same on both engines and clear of parameter limits.
func (b *BulkLoad) PlaceInPool(ctx context.Context, poolID int64, ids []int64, now time.Time) error {
	tx, err := b.conn.BeginTx(ctx, nil)
	if err != nil {
		return errs.Wrap(err, "store.bulk.PlaceInPool")
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	for len(ids) > 0 {
		n := min(poolChunk, len(ids))
		_, err := tx.ExecContext(ctx, `UPDATE customers SET owner_id = NULL, owner_dept_id = NULL, pool_id = `+itoa64(poolID)+
			`, updated_at = `+itoa64(Micros(now))+`, dept_l1 = NULL, dept_l2 = NULL, dept_l3 = NULL, dept_l4 = NULL,
			dept_l5 = NULL, dept_l6 = NULL, dept_l7 = NULL, dept_l8 = NULL
			WHERE tenant_id = `+itoa64(b.tenantID)+` AND id IN (`+inList(ids[:n])+`)`)
		if err != nil {
			return (&Tx{engine: b.db.Engine}).classify(err, "store.bulk.PlaceInPool")
		}
		ids = ids[n:]
	}
	return errs.Wrap(tx.Commit(), "store.bulk.PlaceInPool")
}

// AnalyzeGrants refreshes the planner's statistics of the tables a grants
// load changes. On PostgreSQL it vacuums them too, as autovacuum would
// soon: the pool placement left 50,000 dead customer rows, and until the
// visibility map is set no index scan of the new rows is index-only.
func (b *BulkLoad) AnalyzeGrants(ctx context.Context) error {
	analyze := `ANALYZE `
	if b.db.Engine == Postgres {
		analyze = `VACUUM (ANALYZE) `
	}
	for _, t := range []string{"customers", "customer_team", "customer_shares", "groups", "group_members",
		"sharing_rules", "sharing_rule_matches", "restriction_rules", "pools", "pool_departments"} {
		if _, err := b.conn.ExecContext(ctx, analyze+t); err != nil {
			return errs.Wrap(err, "store.bulk.AnalyzeGrants")
		}
	}
	return nil
}

// lastActivity reads the customers' last_activity_at, which their grants
// carry as sort_at (migration 0007). A customer that does not exist is
// missing from the map; the insert then fails on its foreign key.
func (b *BulkLoad) lastActivity(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		rows, err := b.conn.QueryContext(ctx, `SELECT id, last_activity_at FROM customers WHERE tenant_id = $1 AND id IN (`+inList(ids[:n])+`)`, b.tenantID)
		if err != nil {
			return nil, errs.Wrap(err, "store.bulk.lastActivity")
		}
		for rows.Next() {
			var id, at int64
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "store.bulk.lastActivity")
			}
			out[id] = at
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "store.bulk.lastActivity")
		}
		ids = ids[n:]
	}
	return out, nil
}
