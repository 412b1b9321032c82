package service_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// BenchmarkUnusedPermissions times the least-privilege reports over a
// synthetic audit trail of STEWARD_BENCH_INSIGHTS_N entries (default
// 200,000) spread over three years, by one user per 5,000 entries (at
// least 50; 2,000 for ten million), in the tenant "insights":
//
//   - page: the unused-permission report for a page of 50 users;
//   - all: every page of it, the whole tenant;
//   - dormant: the first page of dormant accounts;
//   - roles: the role analysis with its narrowing proposals.
//
// The trail is bulk-loaded without its hash chain (store.BulkLoad.
// AuditEntries): the tenant's chain does not verify, which is why the load
// goes into a scratch database. With STEWARD_BENCH_INSIGHTS_DSN the
// benchmark uses that database and loads the tenant only the first time,
// so later runs (and hand-run queries) reuse it; otherwise a fresh one of
// STEWARD_BENCH_ENGINE, removed after. Deterministic: the same N makes the
// same trail.
func BenchmarkUnusedPermissions(b *testing.B) {
	ctx := context.Background()
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("STEWARD_BENCH_INSIGHTS_N")); err == nil && v > 0 {
		n = v
	}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	dsn := os.Getenv("STEWARD_BENCH_INSIGHTS_DSN")
	if dsn == "" {
		dsn = storetest.DSN(b, benchEngine())
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	clock := now
	svc := newService(db, &clock)
	svc.SetSubjectCacheVerify(false)
	admin := insightsTenant(b, ctx, svc, db, n, &clock)
	// The first report folds every entry not folded yet: the whole trail
	// for a freshly loaded tenant.
	start := time.Now()
	if _, err := svc.UnusedPermissions(ctx, admin, service.UnusedQuery{Days: 90, Limit: 50}); err != nil {
		b.Fatal(err)
	}
	b.Logf("first report, folding what was not folded yet: %s", time.Since(start).Round(time.Millisecond))

	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			rep, err := svc.UnusedPermissions(ctx, admin, service.UnusedQuery{Days: 90, Limit: 50})
			if err != nil || len(rep.Items) != 50 {
				b.Fatalf("%d items, %v", len(rep.Items), err)
			}
		}
	})
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			q, users, proposals := service.UnusedQuery{Days: 90, Limit: 200}, 0, 0
			for {
				rep, err := svc.UnusedPermissions(ctx, admin, q)
				if err != nil {
					b.Fatal(err)
				}
				users, proposals = users+len(rep.Items), proposals+len(rep.Proposals)
				if rep.NextCursor == nil {
					break
				}
				q.After, _ = strconv.ParseInt(*rep.NextCursor, 10, 64)
			}
			b.ReportMetric(float64(users), "users")
			b.ReportMetric(float64(proposals), "proposals")
		}
	})
	// A page after 10,000 new entries: the report folds them first.
	b.Run("page-after-10k", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := appendSynthetic(ctx, db, admin.TenantID, admin.UserID, 10_000, clock); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := svc.UnusedPermissions(ctx, admin, service.UnusedQuery{Days: 90, Limit: 50}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dormant", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.DormantAccounts(ctx, admin, 90, 0, 50); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("roles", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.AnalyseRoles(ctx, admin, 90); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The preview of a role removal for one user, and of the role-level
	// narrowing with the most holders (every holder's subject is built
	// twice; no view cell, so no visibility is read).
	rep, err := svc.UnusedPermissions(ctx, admin, service.UnusedQuery{Days: 90, Limit: 200})
	if err != nil {
		b.Fatal(err)
	}
	an, err := svc.AnalyseRoles(ctx, admin, 90)
	if err != nil {
		b.Fatal(err)
	}
	for name, ps := range map[string][]service.Proposal{"remove-preview": rep.Proposals, "narrow-preview": an.Proposals} {
		if len(ps) == 0 {
			b.Logf("%s: no proposal to preview", name)
			continue
		}
		p := ps[0]
		for _, q := range ps {
			if q.Holders > p.Holders {
				p = q
			}
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.ApplyProposal(ctx, admin, p.Apply, true); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(max(1, p.Holders)), "users")
		})
	}
}

// insightsTenant returns the administrator of the tenant "insights",
// making it with n synthetic entries if the database lacks it.
func insightsTenant(b *testing.B, ctx context.Context, svc *service.Service, db *store.DB, n int, clock *time.Time) *service.Actor {
	b.Helper()
	var tenant int64
	err := db.Read(ctx, func(tx *store.Tx) error {
		t, err := tx.TenantBySlug(ctx, "insights")
		tenant = t.ID
		return err
	})
	if err == nil {
		var adminID int64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			u, _, err := tx.UserCredentials(ctx, tenant, "admin@insights.example")
			adminID = u.ID
			return err
		}); err != nil {
			b.Fatal(err)
		}
		a, err := svc.ActorFor(ctx, tenant, adminID)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("reusing the tenant insights")
		return a
	}
	// The tenant and its roles date from before the trail, as a tenant's do.
	start, now := time.Now(), *clock
	*clock = now.AddDate(-4, 0, 0)
	tn, adminUser, err := svc.CreateTenant(ctx, service.NewTenant{Slug: "insights", Name: "Insights", AdminEmail: "admin@insights.example",
		AdminPassword: "correct-horse-battery-staple"})
	*clock = now
	if err != nil {
		b.Fatal(err)
	}
	if err := loadTrail(ctx, svc, db, tn.ID, adminUser.DepartmentID, n, now); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d entries in %s", n, time.Since(start).Round(time.Second))
	a, err := svc.ActorFor(ctx, tn.ID, adminUser.ID)
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// benchActions are the actions of the synthetic trail and their weights
// (per thousand), roughly a sales team's week: mostly edits and follow-ups.
var benchActions = []struct {
	action string
	weight int
}{
	{"customer.update", 250}, {"activity.create", 200}, {"auth.login", 100}, {"deal.update", 80}, {"contact.update", 70},
	{"customer.create", 60}, {"contact.create", 50}, {"deal.create", 40}, {"auth.logout", 30}, {"activity.update", 30},
	{"team.add", 15}, {"share.add", 10}, {"customer.reveal", 10}, {"customer.transfer", 10}, {"audit.read", 8},
	{"export.request", 5}, {"customer.delete", 4}, {"contact.delete", 4}, {"deal.delete", 3}, {"import.run", 1},
}

// loadTrail bulk-loads users (one per 5,000 entries, at least 50), their
// roles and n entries over the three years before now. A third of the
// users stop acting at some point before the last 180 days; the rest act
// to the end, each with a weight, so a few do most of the work.
func loadTrail(ctx context.Context, svc *service.Service, db *store.DB, tenantID, dept int64, n int, now time.Time) error {
	rng := rand.New(rand.NewPCG(uint64(n), 8))
	users := max(50, n/5000)
	var roles []access.Role
	if err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		roles, err = tx.Roles(ctx, tenantID)
		return err
	}); err != nil {
		return err
	}
	role := map[string]int64{}
	for _, r := range roles {
		role[r.Key] = r.ID
	}
	bl, err := db.BeginBulk(ctx, tenantID, store.BulkPlan{})
	if err != nil {
		return err
	}
	defer bl.Close(ctx)
	first, err := bl.ReserveIDs(ctx, "users", users)
	if err != nil {
		return err
	}
	begin := now.AddDate(-3, 0, 0)
	us, as := make([]store.BulkUser, users), []store.BulkAssignment{}
	stop, weight := make([]time.Time, users), make([]float64, users)
	for i := range us {
		id := first + int64(i)
		us[i] = store.BulkUser{ID: id, Email: fmt.Sprintf("u%d@insights.example", i), Name: fmt.Sprintf("User %d", i), DepartmentID: dept}
		key := []string{"sales_rep", "sales_rep", "sales_rep", "sales_rep", "sales_rep", "sales_rep", "sales_rep", "sales_manager", "customer_service", "marketing"}[i%10]
		as = append(as, store.BulkAssignment{UserID: id, RoleID: role[key], Reason: "seed"})
		if i%5 == 0 {
			as = append(as, store.BulkAssignment{UserID: id, RoleID: role["marketing"], Reason: "seed"})
		}
		stop[i], weight[i] = now, 1/float64(1+i%20)
		if i%3 == 0 {
			stop[i] = begin.Add(time.Duration(rng.Int64N(int64(now.Sub(begin) - 180*24*time.Hour))))
		}
	}
	if err := bl.Users(ctx, us, "", begin.AddDate(-1, 0, 0)); err != nil {
		return err
	}
	if err := bl.Assignments(ctx, as, begin.AddDate(-1, 0, 0)); err != nil {
		return err
	}
	cum := make([]float64, users)
	var total float64
	for i, w := range weight {
		total += w
		cum[i] = total
	}
	pick := func(at time.Time) int64 {
		for {
			i := min(sort.SearchFloat64s(cum, rng.Float64()*total), users-1)
			if !at.After(stop[i]) {
				return first + int64(i)
			}
		}
	}
	action := func() string {
		x := rng.IntN(1000)
		for _, a := range benchActions {
			if x < a.weight {
				return a.action
			}
			x -= a.weight
		}
		return benchActions[0].action
	}
	span := now.Sub(begin)
	const batch = 50_000
	for done := 0; done < n; done += batch {
		es := make([]store.BulkAuditEntry, 0, min(batch, n-done))
		for i := done; i < min(done+batch, n); i++ {
			at := begin.Add(time.Duration(float64(span) * float64(i) / float64(n)))
			e := store.BulkAuditEntry{ActorID: pick(at), Action: action(), At: at, TargetType: "customer"}
			e.SubjectCustomer = 1 + rng.Int64N(int64(users)*300)
			e.TargetID = strconv.FormatInt(e.SubjectCustomer, 10)
			es = append(es, e)
		}
		if err := bl.AuditEntries(ctx, es); err != nil {
			return err
		}
	}
	return bl.AnalyzeAudit(ctx)
}

// appendSynthetic bulk-appends n entries of one actor at the time at.
func appendSynthetic(ctx context.Context, db *store.DB, tenantID, actor int64, n int, at time.Time) error {
	bl, err := db.BeginBulk(ctx, tenantID, store.BulkPlan{})
	if err != nil {
		return err
	}
	es := make([]store.BulkAuditEntry, n)
	for i := range es {
		es[i] = store.BulkAuditEntry{ActorID: actor, Action: benchActions[i%len(benchActions)].action, At: at, TargetType: "customer", TargetID: "1"}
	}
	return errors.Join(bl.AuditEntries(ctx, es), bl.Close(ctx))
}
