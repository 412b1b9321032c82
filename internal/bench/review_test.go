package bench_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"steward/internal/authn"
	"steward/internal/bench"
	"steward/internal/demo"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestReview runs a campaign over a small generated tenant: every user's
// role is an item, and so are the team places and user shares.
func TestReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service.New(db, slog.New(slog.DiscardHandler))
		svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
		opts := demo.BulkOptions{Tenant: "small", Users: 300, Departments: 60, Customers: 3000, Contacts: 0, Seed: 3, Grants: true}
		if _, err := demo.Bulk(ctx, db, svc, opts, io.Discard); err != nil {
			t.Fatal(err)
		}
		res, err := bench.Review(ctx, db, svc, "small", 1)
		if err != nil {
			t.Fatal(err)
		}
		if res.Users != 300 || res.RoleItems != 300 || res.TeamItems == 0 || res.ShareItems == 0 ||
			res.Items != res.RoleItems+res.TeamItems+res.ShareItems || res.DecideBatch == 0 || res.PDFBytes == 0 || len(res.Close) != 1 {
			t.Errorf("got %+v", res)
		}
	})
}

// BenchmarkReviewGenerate starts a campaign over every user of a generated
// tenant of 10,000 users and 100,000 customers (with the seed's teams and
// shares), once per iteration: generation of its items, their reviewers
// and last use. SQLite; PostgreSQL too with STEWARD_TEST_POSTGRES.
func BenchmarkReviewGenerate(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.Open(b, e)
			ctx := context.Background()
			svc := service.New(db, slog.New(slog.DiscardHandler))
			svc.SetSubjectCacheVerify(false)
			opts := demo.BulkOptions{Tenant: "rv", Users: 10_000, Departments: 1_000, Customers: 100_000, Contacts: 0, Seed: 1, Grants: true}
			rep, err := demo.Bulk(ctx, db, svc, opts, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			a, err := svc.ActorFor(ctx, rep.TenantID, firstAdmin(b, db, rep.TenantID))
			if err != nil {
				b.Fatal(err)
			}
			items := 0
			for b.Loop() {
				b.StopTimer()
				r, err := svc.CreateReview(ctx, a, service.ReviewInput{Name: "bench", Scope: service.ReviewScope{All: true},
					Reviewers: service.ReviewerRule{Rule: service.RuleManager}, Deadline: svc.Now().Add(30 * 24 * time.Hour), Undecided: "keep"})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				r, err = svc.StartReview(ctx, a, r.ID)
				if err != nil {
					b.Fatal(err)
				}
				items = r.Progress.Total
			}
			b.ReportMetric(float64(items), "items")
		})
	}
}

// firstAdmin is the tenant's first user: Bulk makes its administrator first.
func firstAdmin(b *testing.B, db *store.DB, tenantID int64) int64 {
	var id int64
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		us, err := tx.Users(context.Background(), tenantID, store.UserPage{Limit: 1})
		if len(us) == 1 {
			id = us[0].ID
		}
		return err
	})
	if err != nil || id == 0 {
		b.Fatalf("no administrator: %v", err)
	}
	return id
}
