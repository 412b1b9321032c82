package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"steward/internal/authn"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// loginTenant is a tenant of n sales reps on a real SQLite file, hashed at
// the production Argon2id cost (service.New's Hasher: 19 MiB, t=2, at most
// 4 at once), with no second factor required.
func loginTenant(b *testing.B, n int) (*service.Service, []string) {
	b.Helper()
	ctx := context.Background()
	svc := service.New(storetest.Open(b, store.SQLite), slog.New(slog.DiscardHandler))
	svc.SetSubjectCacheVerify(false)
	relaxed := service.DefaultSecurity()
	relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
	tn, admin, err := svc.CreateTenant(ctx, service.NewTenant{Slug: "bench", Name: "Bench", AdminEmail: "admin@bench.example",
		AdminPassword: "correct-horse-battery-staple", Security: &relaxed})
	if err != nil {
		b.Fatal(err)
	}
	a, err := svc.ActorFor(ctx, tn.ID, admin.ID)
	if err != nil {
		b.Fatal(err)
	}
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("rep%d@bench.example", i)
		name, pw, roles := fmt.Sprintf("Rep %d", i), "correct-horse-battery-staple", []string{"sales_rep"}
		if _, err := svc.CreateUser(ctx, a, org.UserInput{Email: &emails[i], Name: &name, Password: &pw,
			DepartmentID: &admin.DepartmentID, Roles: &roles}); err != nil {
			b.Fatal(err)
		}
	}
	return svc, emails
}

// BenchmarkLogin measures sign-ins per second end to end: lockout
// bookkeeping, one Argon2id verification, the session and its audit entry.
// Run with -cpu 2 for the 2-core figure in docs/benchmarks.md.
func BenchmarkLogin(b *testing.B) {
	svc, emails := loginTenant(b, 64)
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			email := emails[next.Add(1)%int64(len(emails))]
			if _, err := svc.Login(ctx, "bench", email, "correct-horse-battery-staple"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkLoginFlood sends 200 sign-ins at once, half of them with a wrong
// password, and reports the peak heap while they run: the Hasher's bound
// on concurrent hashes is what keeps it flat.
func BenchmarkLoginFlood(b *testing.B) {
	const flood = 200
	svc, emails := loginTenant(b, flood)
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		for i := 0; i < flood; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pw := "correct-horse-battery-staple"
				if i%2 == 1 {
					pw = "a-wrong-guess-at-the-password"
				}
				// One address each, so that the per-network limit on failures
				// lets every attempt reach the hash.
				ctx := service.WithRequest(context.Background(), service.RequestInfo{SourceIP: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1)})
				_, _ = svc.Login(ctx, "bench", emails[i], pw)
			}()
		}
		wg.Wait()
	}
	close(stop)
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(flood*b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkLoginFailure times the two failures a caller must not tell
// apart: a wrong password for a known account and any password for an
// unknown e-mail. The hash is made cheap here so that what remains is the
// database work each does, which is what could differ (the production
// hash, the same on both paths, only adds to each). Each known account
// fails once per 64 runs, so keep -benchtime at 64x or below to stay under
// the lockout's delays:
//
//	go test ./internal/service -run '^$' -bench BenchmarkLoginFailure -benchtime 64x -count 5
func BenchmarkLoginFailure(b *testing.B) {
	svc, emails := loginTenant(b, 64)
	svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		email func(i int) string
	}{
		{"wrong_password", func(i int) string { return emails[i%len(emails)] }},
		{"unknown_account", func(i int) string { return fmt.Sprintf("nobody%d@bench.example", i) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				// A fresh address per attempt, past the per-address limit.
				ip := service.WithRequest(ctx, service.RequestInfo{SourceIP: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)})
				_, err := svc.Login(ip, "bench", c.email(i), "not-the-password-at-all")
				if e := errs.As(err); e == nil || e.Code != "invalid_credentials" {
					b.Fatalf("attempt %d: %v, want invalid_credentials", i, err)
				}
				i++
			}
		})
	}
}
