package demo_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/alexedwards/argon2id"

	"steward/internal/authn"
	"steward/internal/demo"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// The demo company lets every documented login sign in, and shows the
// permission model at work: each role sees what its scope promises.
func TestDemoSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service.New(db, slog.New(slog.DiscardHandler))
		svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
		created, err := demo.Seed(ctx, svc)
		if err != nil || !created {
			t.Fatalf("seed: %v, created %v", err, created)
		}
		if again, err := demo.Seed(ctx, svc); err != nil || again {
			t.Fatalf("second seed: %v, created %v; want a no-op", err, again)
		}
		want := map[string]int64{
			"admin@demo.example":        240,
			"director@demo.example":     240, // the Sales tree: 8 sales users × 30
			"east.manager@demo.example": 90,  // the East team: manager and two reps
			"east.rep1@demo.example":    30,
			"north.rep1@demo.example":   30,
			"marketing@demo.example":    240,
			"service@demo.example":      240,
			"auditor@demo.example":      240,
			"readonly@demo.example":     240,
		}
		for _, l := range demo.Logins {
			res, err := svc.Login(ctx, demo.Tenant, l.Email, demo.Password)
			if err != nil {
				t.Fatalf("login %s: %v", l.Email, err)
			}
			a, err := svc.Authenticate(ctx, res.Token)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.User.Roles) != 1 || a.User.Roles[0] != l.Role {
				t.Errorf("%s has roles %v, want %s", l.Email, a.User.Roles, l.Role)
			}
			q, _ := service.CustomerList(nil)
			n, err := svc.CountCustomers(ctx, a, q)
			if err != nil {
				t.Fatal(err)
			}
			if w, ok := want[l.Email]; ok && n != w {
				t.Errorf("%s sees %d customers, want %d", l.Email, n, w)
			}
		}
	})
}
