package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
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

// Run picks five different people of the expected roles on a small
// generated tenant, times every operation for each, and writes a report
// that reads back as JSON and names every archetype as text.
func TestRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service.New(db, slog.New(slog.DiscardHandler))
		svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
		opts := demo.BulkOptions{Tenant: "small", Users: 300, Departments: 60, Customers: 3000, Contacts: 1, Seed: 3, Grants: true}
		if _, err := demo.Bulk(ctx, db, svc, opts, io.Discard); err != nil {
			t.Fatal(err)
		}
		rep, err := bench.Run(ctx, db, svc, bench.Options{Tenant: "small", Text: "Pharma",
			Plan: bench.Plan{Warmup: 1, Iterations: 3, MinN: 1, Budget: time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			archetype, role string
			depth           int
		}{{"sales rep", "sales_rep", 0}, {"team manager", "sales_manager", 5}, {"regional director", "sales_director", 3},
			{"division head", "sales_director", 2}, {"administrator", "administrator", 1}}
		if len(rep.Archetypes) != len(want) {
			t.Fatalf("got %d archetypes, want %d", len(rep.Archetypes), len(want))
		}
		seen := map[int64]bool{}
		for i, a := range rep.Archetypes {
			w := want[i]
			if a.Archetype != w.archetype || a.Roles[0] != w.role || (w.depth != 0 && a.Depth != w.depth) || seen[a.UserID] {
				t.Errorf("archetype %d: got %s, user %d %v at depth %d; want a new %s (%s at depth %d)",
					i, a.Archetype, a.UserID, a.Roles, a.Depth, w.archetype, w.role, w.depth)
			}
			seen[a.UserID] = true
			for _, op := range bench.Ops {
				if s := a.Ops[op]; s.N == 0 || s.P50 > s.P99 {
					t.Errorf("%s %s: got %+v, want runs with p50 <= p99", a.Archetype, op, s)
				}
			}
			if a.Visible == 0 || a.Sampled == 0 {
				t.Errorf("%s sees %d customers, %d sampled; want some", a.Archetype, a.Visible, a.Sampled)
			}
		}
		if rep.Customers != 3000 || rep.TextRows == 0 || rep.Baseline[bench.OpPage].N != 3 {
			t.Errorf("got %d customers, %d matching the text, %d baseline runs; want 3000, some, 3", rep.Customers, rep.TextRows, rep.Baseline[bench.OpPage].N)
		}
		var back bench.Report
		if b, err := json.Marshal(rep); err != nil || json.Unmarshal(b, &back) != nil || len(back.Archetypes) != len(want) {
			t.Errorf("the report does not read back as JSON: %v", err)
		}
		var text bytes.Buffer
		rep.WriteText(&text)
		for _, w := range want {
			if !strings.Contains(text.String(), w.archetype+": user") {
				t.Errorf("the text report does not name the %s", w.archetype)
			}
		}
	})
}

// TestExport exports the whole small tenant in both formats as the masked
// exporter: every customer once, phone, e-mail and address masked, the
// heap sampled, the file downloaded.
func TestExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service.New(db, slog.New(slog.DiscardHandler))
		svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
		opts := demo.BulkOptions{Tenant: "small", Users: 100, Departments: 20, Customers: 2500, Contacts: 0, Seed: 5}
		if _, err := demo.Bulk(ctx, db, svc, opts, io.Discard); err != nil {
			t.Fatal(err)
		}
		res, err := bench.Export(ctx, db, svc, "small", []string{"csv", "xlsx"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 2 {
			t.Fatalf("got %d results, want 2", len(res))
		}
		for _, r := range res {
			if r.Rows != 2500 || r.Bytes == 0 || r.RowsPerSecond <= 0 || r.PeakHeapMiB <= 0 || strings.Join(r.Masked, ",") != "phone,email,address" {
				t.Errorf("%s: got %+v, want 2500 rows with phone, email and address masked", r.Format, r)
			}
		}
	})
}

// BenchmarkExport exports a generated tenant of 20,000 customers as the
// masked exporter (SQLite; PostgreSQL with STEWARD_TEST_POSTGRES), once per
// iteration and format: rows/s and the peak heap of the run.
func BenchmarkExport(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) { benchmarkExport(b, storetest.Open(b, e)) })
	}
}

func benchmarkExport(b *testing.B, db *store.DB) {
	ctx := context.Background()
	svc := service.New(db, slog.New(slog.DiscardHandler))
	svc.SetSubjectCacheVerify(false)
	opts := demo.BulkOptions{Tenant: "exp", Users: 200, Departments: 40, Customers: 20_000, Contacts: 0, Seed: 9}
	if _, err := demo.Bulk(ctx, db, svc, opts, io.Discard); err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"csv", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			var rows, secs, peak float64
			for b.Loop() {
				res, err := bench.Export(ctx, db, svc, "exp", []string{format})
				if err != nil {
					b.Fatal(err)
				}
				rows, secs, peak = rows+float64(res[0].Rows), secs+res[0].Seconds, max(peak, res[0].PeakHeapMiB)
			}
			b.ReportMetric(rows/secs, "rows/s")
			b.ReportMetric(peak, "peak-heap-MiB")
		})
	}
}

// TestMove moves a division head of a small generated tenant there and
// back: the report shows the head losing and gaining whole divisions.
func TestMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := service.New(db, slog.New(slog.DiscardHandler))
		opts := demo.BulkOptions{Tenant: "small", Users: 300, Departments: 200, Customers: 3000, Contacts: 1, Seed: 5} // two divisions
		if _, err := demo.Bulk(ctx, db, svc, opts, io.Discard); err != nil {
			t.Fatal(err)
		}
		res, err := bench.Move(ctx, db, svc, "small", 1000, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Preview) != 2 || res.Apply <= 0 || res.MoveBack <= 0 || res.UsersAffected == 0 || res.MostGained == 0 || res.MostLost == 0 ||
			res.FromDepartment == res.ToDepartment {
			t.Errorf("got %+v", res)
		}
	})
}

// BenchmarkMove previews and applies the move of a division head of a
// generated tenant of 20,000 customers to another division and back.
func BenchmarkMove(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.Open(b, e)
			ctx := context.Background()
			svc := service.New(db, slog.New(slog.DiscardHandler))
			svc.SetSubjectCacheVerify(false)
			opts := demo.BulkOptions{Tenant: "mv", Users: 600, Departments: 200, Customers: 20_000, Contacts: 1, Seed: 9} // two divisions
			if _, err := demo.Bulk(ctx, db, svc, opts, io.Discard); err != nil {
				b.Fatal(err)
			}
			var preview, apply float64
			n := 0
			for b.Loop() {
				res, err := bench.Move(ctx, db, svc, "mv", 5000, 1)
				if err != nil {
					b.Fatal(err)
				}
				preview, apply, n = preview+res.Preview[0], apply+res.Apply, n+1
			}
			b.ReportMetric(preview/float64(n)*1e3, "preview-ms")
			b.ReportMetric(apply/float64(n)*1e3, "apply-ms")
		})
	}
}
