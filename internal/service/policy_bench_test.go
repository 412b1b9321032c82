package service_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"steward/internal/access"
	"steward/internal/demo"
	"steward/internal/service"
	"steward/internal/store/storetest"
)

// BenchmarkPolicyDryRun dry-runs the document of docs/benchmarks.md,
// "Policy dry run": the sales reps' customer view from own to department,
// on a generated tenant with teams, shares, sharing and restriction rules
// and pools (2,000 users, 40,000 customers), on each engine.
func BenchmarkPolicyDryRun(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.Open(b, e)
			ctx := context.Background()
			svc := service.New(db, slog.New(slog.DiscardHandler))
			opts := demo.BulkOptions{Tenant: "pd", Users: 2000, Departments: 200, Customers: 40_000, Contacts: 1, Seed: 9, Grants: true}
			if _, err := demo.Bulk(ctx, db, svc, opts, io.Discard); err != nil {
				b.Fatal(err)
			}
			a, err := svc.PolicyActor(ctx, "pd", "")
			if err != nil {
				b.Fatal(err)
			}
			doc, err := svc.ExportPolicy(ctx, a)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range *doc.Roles {
				if r.Key == "sales_rep" {
					r.Permissions[access.Customer][access.View] = access.Department
				}
			}
			b.ReportAllocs()
			users := 0
			for b.Loop() {
				rep, err := svc.ApplyPolicy(ctx, a, doc, true)
				if err != nil {
					b.Fatal(err)
				}
				users = len(rep.Users)
			}
			b.ReportMetric(float64(users), "users")
		})
	}
}
