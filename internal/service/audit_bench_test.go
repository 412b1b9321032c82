package service_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"steward/internal/crm"
	"steward/internal/service"
	"steward/internal/store"
)

// benchEngine is the engine benchmarks run on: SQLite, or PostgreSQL when
// STEWARD_BENCH_ENGINE=postgres (and STEWARD_TEST_POSTGRES is set).
func benchEngine() store.Engine {
	if os.Getenv("STEWARD_BENCH_ENGINE") == "postgres" {
		return store.Postgres
	}
	return store.SQLite
}

// BenchmarkCustomerUpdate is a customer update through the service, with
// its audit entry (audited) and without (unaudited), each on a database of
// its own. They run in alternating blocks, so that load from elsewhere on
// the machine weighs on both alike; ns/op is the pair. The metrics split
// it, in wall time and in this process's CPU time (steadier on a busy
// machine, but blind to waiting for the disk), and give the audit share:
// what the entry adds to an update, relative to the update without it.
func BenchmarkCustomerUpdate(b *testing.B) {
	ctx := context.Background()
	var updates [2]func(i int) error
	for k, audited := range []bool{true, false} {
		f := newAuditFixture(b, benchEngine(), 1)
		a, err := f.svc.ActorFor(ctx, f.tenant, 1)
		if err != nil {
			b.Fatal(err)
		}
		updates[k] = func(i int) error {
			name := "Name " + strconv.Itoa(i)
			in := crm.CustomerInput{Name: &name}
			if audited {
				_, err := f.svc.UpdateCustomer(ctx, a, 1, in)
				return err
			}
			return service.UpdateCustomerWithoutAudit(ctx, f.svc, a, 1, in)
		}
	}
	const block = 20
	var wall, cpu [2]time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += block {
		for k, update := range updates {
			w, c := time.Now(), cpuTime()
			for j := i; j < min(i+block, b.N); j++ {
				if err := update(j); err != nil {
					b.Fatal(err)
				}
			}
			wall[k] += time.Since(w)
			cpu[k] += cpuTime() - c
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(wall[0])/n/1e3, "µs/audited")
	b.ReportMetric(float64(wall[1])/n/1e3, "µs/unaudited")
	b.ReportMetric(100*float64(wall[0]-wall[1])/float64(wall[1]), "%audit-share")
	b.ReportMetric(float64(cpu[0])/n/1e3, "µs-cpu/audited")
	b.ReportMetric(float64(cpu[1])/n/1e3, "µs-cpu/unaudited")
	b.ReportMetric(100*float64(cpu[0]-cpu[1])/float64(cpu[1]), "%audit-share-cpu")
}

// BenchmarkAuditAppend records entries in transactions of 1,000, the way a
// batch job writes them, and reports entries per second: what recording
// costs the writer (the entries are queued, not yet chained).
func BenchmarkAuditAppend(b *testing.B) {
	f := newAuditFixture(b, benchEngine(), 0)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for done := 0; done < b.N; {
		n := min(1000, b.N-done)
		err := f.svc.DB.Write(ctx, func(tx *store.Tx) error {
			for i := 0; i < n; i++ {
				if err := service.AppendForBench(ctx, f.svc, tx, f.tenant, done+i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkAuditChain queues b.N entries, then times the chainer sealing
// them all onto the chain (batches of chainBatch, a checkpoint signed every
// 100): the sustained rate at which entries reach the chain.
func BenchmarkAuditChain(b *testing.B) {
	f := newAuditFixture(b, benchEngine(), 0)
	ctx := context.Background()
	for done := 0; done < b.N; done += 1000 {
		err := f.svc.DB.Write(ctx, func(tx *store.Tx) error {
			for i := done; i < min(done+1000, b.N); i++ {
				if err := service.AppendForBench(ctx, f.svc, tx, f.tenant, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	n, err := f.svc.ChainAudit(ctx)
	if err != nil || n != b.N {
		b.Fatalf("chained %d of %d (%v)", n, b.N, err)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkAuditVerify verifies a trail of STEWARD_BENCH_AUDIT_N entries
// (default 100,000) and reports entries per second.
func BenchmarkAuditVerify(b *testing.B) {
	total := 100000
	if v, err := strconv.Atoi(os.Getenv("STEWARD_BENCH_AUDIT_N")); err == nil {
		total = v
	}
	f := newAuditFixture(b, benchEngine(), 0)
	ctx := context.Background()
	for done := 0; done < total; done += 5000 {
		err := f.svc.DB.Write(ctx, func(tx *store.Tx) error {
			for i := 0; i < 5000; i++ {
				if err := service.AppendForBench(ctx, f.svc, tx, f.tenant, done+i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := f.svc.ChainAudit(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		rep, err := f.svc.VerifyAudit(ctx, f.tenant, f.svc.Signer.Public())
		if err != nil || !rep.OK || rep.Entries < int64(total) {
			b.Fatalf("verify: %+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(b.N*total)/time.Since(start).Seconds(), "entries/s")
	b.ReportMetric(float64(total), "entries")
}
