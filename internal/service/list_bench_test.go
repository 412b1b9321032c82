package service_test

import (
	"context"
	"io"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/bench"
	"steward/internal/demo"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// benchTenant is a small tenant with grants, generated as `steward seed`
// generates the reference tenant: 500 users, 50 departments, 20,000
// customers with teams, shares, 20 sharing rules, 3 restriction rules and
// two pools.
var benchTenant = demo.BulkOptions{Tenant: "bench", Users: 500, Departments: 50, Customers: 20_000, Contacts: 1,
	Seed: 1, Grants: true}

// BenchmarkCustomerPage times the first page of visible customers (50,
// newest activity first), with and without a text filter, for each
// archetype of `steward bench`, and the same page with no permission
// filter. The full-size figures are in docs/benchmarks.md ("Access
// engine"); this one guards against regressions on every engine tests run
// on.
func BenchmarkCustomerPage(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			ctx := context.Background()
			db := storetest.Open(b, e)
			now := time.Now().UTC()
			svc := newService(db, &now)
			rep, err := demo.Bulk(ctx, db, svc, benchTenant, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			people, err := bench.Pick(ctx, db, rep.TenantID, now)
			if err != nil {
				b.Fatal(err)
			}
			for _, text := range []string{"", "Pharma Co."} {
				q := store.CustomerQuery{Text: text, Sort: "last_activity_at", Desc: true, Limit: 50}
				name := "page"
				if text != "" {
					name = "page_q"
				}
				b.Run(name+"/unfiltered", func(b *testing.B) { benchUnfiltered(b, db, rep.TenantID, q) })
				for _, p := range people {
					a, err := svc.ActorFor(ctx, rep.TenantID, p.UserID)
					if err != nil {
						b.Fatal(err)
					}
					b.Run(name+"/"+p.Archetype, func(b *testing.B) { benchPage(b, svc, a, q) })
				}
			}
		})
	}
}

func benchPage(b *testing.B, svc *service.Service, a *service.Actor, q store.CustomerQuery) {
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		if _, err := svc.Customers(ctx, a, q); err != nil {
			b.Fatal(err)
		}
	}
}

func benchUnfiltered(b *testing.B, db *store.DB, tenantID int64, q store.CustomerQuery) {
	b.ReportAllocs()
	ctx := context.Background()
	q.Limit++ // as the service asks, to know whether a next page exists
	for b.Loop() {
		err := db.Read(ctx, func(tx *store.Tx) error {
			_, err := tx.Customers(ctx, tenantID, access.Filter{All: true}, q)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
