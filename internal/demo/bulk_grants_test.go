package demo_test

import (
	"context"
	"io"
	"testing"

	"steward/internal/access"
	"steward/internal/demo"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// A bulk tenant with grants has them in the promised proportions, and for
// users of every kind the list count agrees with Check on every customer:
// the grants are as the engine reads them, and teams, shares, rules, pools
// and restrictions all compile to SQL that means what Check means.
func TestBulkGrants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := fastService(db)
		opts := smallBulk
		opts.Grants = true
		rep, err := demo.Bulk(ctx, db, svc, opts, io.Discard)
		if err != nil {
			t.Fatalf("bulk with grants: %v", err)
		}
		g := rep.Grants
		got := []int{g.Groups, g.Rules, g.Restrictions, g.Pools, g.PoolCustomers}
		want := []int{10, 20, 3, 2, opts.Customers / 20}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("groups, rules, restrictions, pools, pool customers: got %v, want %v", got, want)
			}
		}
		checkShare(t, "customers with a team", g.TeamCustomers, opts.Customers, 0.08, 0.11)
		checkShare(t, "customers shared", g.SharedCustomers, opts.Customers, 0.035, 0.06)
		if g.ExpiredShares == 0 || g.ExpiringShares == 0 || g.TeamMembers <= g.TeamCustomers {
			t.Errorf("got %d expired and %d expiring shares, %d members on %d teams; want some of each and teams of two",
				g.ExpiredShares, g.ExpiringShares, g.TeamMembers, g.TeamCustomers)
		}
		records := loadRecords(t, db, rep.TenantID)
		users := readTenant(t, db, rep.TenantID).users
		for id := range users {
			a, err := svc.ActorFor(ctx, rep.TenantID, id)
			if err != nil {
				t.Fatal(err)
			}
			var want int64
			for _, r := range records {
				if a.Subject.Check(access.Customer, access.View, r).Allowed {
					want++
				}
			}
			if got, err := svc.CountCustomers(ctx, a, store.CustomerQuery{}); err != nil || got != want {
				t.Errorf("user %d %v: count %d (%v), Check allows %d", id, a.Subject.RoleKeys, got, err, want)
			}
		}
	})
}

func checkShare(t *testing.T, what string, n, of int, lo, hi float64) {
	t.Helper()
	if s := float64(n) / float64(of); s < lo || s > hi {
		t.Errorf("%s: got %d of %d (%.3f), want between %.3f and %.3f", what, n, of, s, lo, hi)
	}
}

// loadRecords reads every customer of the tenant as the engine sees it.
func loadRecords(t *testing.T, db *store.DB, tenantID int64) []access.Record {
	t.Helper()
	ctx := context.Background()
	var out []access.Record
	err := db.Read(ctx, func(tx *store.Tx) error {
		if drift, err := tx.GrantSortKeyDrift(ctx, tenantID); err != nil || drift != 0 {
			t.Errorf("%d generated grants carry a sort key other than their customer's last activity (%v)", drift, err)
		}
		if drift, err := tx.RuleMatchDrift(ctx, tenantID); err != nil || drift != 0 {
			t.Errorf("sharing_rule_matches differs from the generated rules evaluated afresh in %d rows (%v)", drift, err)
		}
		cs, err := tx.Customers(ctx, tenantID, access.Filter{All: true}, store.CustomerQuery{Sort: "last_activity_at", Limit: 1 << 20})
		if err != nil {
			return err
		}
		for _, c := range cs {
			r := access.Record{ID: c.ID, DeptPath: c.DeptPath, Facts: access.Facts{Name: c.Name, Industry: c.Industry,
				Level: c.Level, Region: c.Region, Source: c.Source, CreatedAt: c.CreatedAt, LastActivityAt: c.LastActivityAt}}
			if c.OwnerID != nil {
				r.OwnerID, r.OwnerDeptID = *c.OwnerID, *c.OwnerDeptID
			}
			if c.PoolID != nil {
				r.PoolID = *c.PoolID
			}
			if r.Team, r.Shares, err = tx.RecordGrants(ctx, tenantID, c.ID); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("load records: %v", err)
	}
	return out
}
