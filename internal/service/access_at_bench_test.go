package service_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/demo"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// BenchmarkAccessAt asks who could act on a customer at three moments of
// a generated tenant (500 users, 50 departments, 2,000 customers with
// teams, shares, rules and pools) whose trail then got 3,000 changes
// through the service: role grants and revocations, shares added and
// removed, customer fields, group members and managers, a third of them
// about the customer asked about. docs/benchmarks.md, "Access at a past
// moment".
func BenchmarkAccessAt(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			ctx := context.Background()
			db := storetest.Open(b, e)
			svc := service.New(db, slog.New(slog.DiscardHandler))
			svc.SetSubjectCacheVerify(false)
			opts := demo.BulkOptions{Tenant: "aa", Users: 500, Departments: 50, Customers: 2000, Contacts: 0, Seed: 3, Grants: true}
			if _, err := demo.Bulk(ctx, db, svc, opts, io.Discard); err != nil {
				b.Fatal(err)
			}
			admin, err := svc.PolicyActor(ctx, "aa", "")
			if err != nil {
				b.Fatal(err)
			}
			const changes = 3000
			start := time.Now()
			cust, moments := accessAtTrail(b, svc, admin, changes)
			b.Logf("%s: %d changes in %v", e, changes, time.Since(start).Round(time.Millisecond))
			for _, m := range moments {
				b.Run(m.name, func(b *testing.B) {
					b.ReportAllocs()
					var ans service.AccessAt
					for b.Loop() {
						if ans, err = svc.AccessAt(ctx, admin, cust, m.at); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(ans.Undone), "undone")
					b.ReportMetric(float64(len(ans.Users)), "users")
				})
			}
		})
	}
}

type moment struct {
	name string
	at   time.Time
}

// accessAtTrail makes n random changes as the administrator and returns
// the customer a third of them are about, and moments before, amid and
// after them.
func accessAtTrail(b *testing.B, svc *service.Service, admin *service.Actor, n int) (int64, []moment) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	users, err := svc.Users(ctx, admin, store.UserPage{Limit: 1000})
	if err != nil {
		b.Fatal(err)
	}
	page, err := svc.Customers(ctx, admin, store.CustomerQuery{Sort: "last_activity_at", Desc: true, Limit: 200})
	if err != nil {
		b.Fatal(err)
	}
	cust := page.Items[0].ID
	roles := []string{"sales_rep", "read_only", "marketing", "customer_service", "auditor"}
	name := "bench group"
	group, err := svc.SaveGroup(ctx, admin, 0, org.GroupInput{Name: &name, Members: &[]int64{users[1].ID}})
	if err != nil {
		b.Fatal(err)
	}
	var moments []moment
	for i := 0; i < n; i++ {
		if i == 0 || i == n/2 {
			moments = append(moments, moment{fmt.Sprintf("before_%d_changes", n-i), time.Now()})
			time.Sleep(2 * time.Millisecond)
		}
		c := page.Items[r.IntN(len(page.Items))].ID
		if r.IntN(3) == 0 {
			c = cust
		}
		u := users[1+r.IntN(len(users)-1)].ID
		switch r.IntN(6) {
		case 0:
			err = svc.GrantRole(ctx, admin, u, service.RoleGrant{Role: roles[r.IntN(len(roles))]})
		case 1:
			err = svc.RevokeRole(ctx, admin, u, roles[r.IntN(len(roles))])
		case 2:
			_, err = svc.AddShare(ctx, admin, c, service.ShareInput{Principal: access.Principal{Type: access.PrincipalUser, ID: u}, Level: access.Read})
		case 3:
			region := []string{"East", "West", "North"}[r.IntN(3)]
			_, err = svc.UpdateCustomer(ctx, admin, c, crm.CustomerInput{Region: &region})
		case 4:
			_, err = svc.SaveGroup(ctx, admin, group.ID, org.GroupInput{Members: &[]int64{u, users[1+r.IntN(len(users)-1)].ID}})
		default:
			m := users[1+r.IntN(len(users)-1)].ID
			_, err = svc.UpdateUser(ctx, admin, u, org.UserInput{ManagerID: &m})
		}
		if err != nil && !expectedRefusal(err) {
			b.Fatal(err)
		}
	}
	time.Sleep(2 * time.Millisecond)
	return cust, append(moments, moment{"now", time.Now()})
}

// expectedRefusal is a refusal a random change may meet (revoking a role
// the user lacks, a manager cycle).
func expectedRefusal(err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Conflict, errs.NotFound, errs.Forbidden:
		return true
	}
	return false
}
