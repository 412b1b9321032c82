package service_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"steward/internal/audit"
	"steward/internal/crm"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// auditFixture is a tenant with some history, and a raw connection to the
// same database to tamper with it as a DBA could.
type auditFixture struct {
	dsn    string
	svc    *service.Service
	tenant int64
	raw    *sql.DB
	n      int64 // entries written
}

func newAuditFixture(t testing.TB, e store.Engine, changes int) auditFixture {
	t.Helper()
	ctx := context.Background()
	dsn := storetest.DSN(t, e)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	svc := newService(db, &now)
	tn, admin, err := svc.CreateTenant(ctx, service.NewTenant{Slug: "acme", Name: "Acme", AdminEmail: "a@acme.example", AdminPassword: "correct-horse-battery-staple"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := svc.ActorFor(ctx, tn.ID, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < changes; i++ {
		name := fmt.Sprintf("Customer %d", i)
		if _, err := svc.CreateCustomer(ctx, a, crm.CustomerInput{Name: &name}); err != nil {
			t.Fatal(err)
		}
	}
	driver, conn := "sqlite", strings.TrimPrefix(dsn, "sqlite:")
	if e == store.Postgres {
		driver, conn = "pgx", dsn
	}
	raw, err := sql.Open(driver, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	f := auditFixture{dsn: dsn, svc: svc, tenant: tn.ID, raw: raw}
	f.n = f.verify(t).LastSeq
	return f
}

func (f auditFixture) verify(t testing.TB) audit.Report {
	t.Helper()
	rep, err := f.svc.VerifyAudit(context.Background(), f.tenant, f.svc.Signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (f auditFixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := f.raw.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// Each kind of tampering is found, at the right position; an untouched
// trail verifies.
func TestAuditTamperingIsDetected(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			cases := []struct {
				name   string
				tamper func(t *testing.T, f auditFixture)
				at     int64
			}{
				{"untouched", func(*testing.T, auditFixture) {}, 0},
				{"updated", func(t *testing.T, f auditFixture) {
					f.exec(t, `UPDATE audit_events SET action = 'customer.view' WHERE seq = 7`)
				}, 7},
				{"details edited and rehashed", func(t *testing.T, f auditFixture) {
					// A forger who recomputes the entry's own hash still breaks the next link.
					var ev audit.Entry
					_ = f.svc.DB.Read(context.Background(), func(tx *store.Tx) error {
						return tx.ScanAudit(context.Background(), f.tenant, 9, func(x audit.Entry) error {
							if x.Seq == 9 {
								ev = x
							}
							return nil
						})
					})
					ev.ActorID = 999
					f.exec(t, `UPDATE audit_events SET actor_id = 999, hash = $1 WHERE seq = 9`, audit.ComputeHash(ev))
				}, 10},
				{"deleted", func(t *testing.T, f auditFixture) { f.exec(t, `DELETE FROM audit_events WHERE seq = 12`) }, 12},
				{"inserted", func(t *testing.T, f auditFixture) {
					f.exec(t, `UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 5`)
					f.exec(t, `UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1005`)
					f.exec(t, `INSERT INTO audit_events (tenant_id, seq, at, actor_type, actor_id, session_id, source_ip, action, target_type, target_id, outcome, details, request_id, prev_hash, hash)
						SELECT tenant_id, 5, at, actor_type, actor_id, session_id, source_ip, 'role.grant', target_type, target_id, outcome, details, request_id, hash, hash FROM audit_events WHERE seq = 4`)
				}, 5},
				{"swapped", func(t *testing.T, f auditFixture) {
					f.exec(t, `UPDATE audit_events SET seq = -1 WHERE seq = 8`)
					f.exec(t, `UPDATE audit_events SET seq = 8 WHERE seq = 9`)
					f.exec(t, `UPDATE audit_events SET seq = 9 WHERE seq = -1`)
				}, 8},
				{"tail dropped, head rewound", func(t *testing.T, f auditFixture) {
					f.exec(t, `DELETE FROM audit_events WHERE seq > 100`)
					f.exec(t, `UPDATE audit_heads SET seq = 100, hash = (SELECT hash FROM audit_events WHERE seq = 100)`)
				}, 101},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					f := newAuditFixture(t, e, 120)
					if _, err := f.svc.CheckpointAll(context.Background()); err != nil {
						t.Fatal(err)
					}
					c.tamper(t, f)
					rep := f.verify(t)
					if c.at == 0 {
						if !rep.OK || rep.Entries != f.n || rep.Checkpoints < 2 {
							t.Fatalf("untouched trail: %+v", rep)
						}
						return
					}
					if rep.OK || rep.BrokenAt != c.at {
						t.Fatalf("got %+v, want broken at %d", rep, c.at)
					}
				})
			}
		})
	}
}

// Appends from several app nodes at once (each its own connection pool),
// each node's chainer running meanwhile, form one chain without gaps.
func TestAuditConcurrentWriters(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			f := newAuditFixture(t, e, 0)
			ctx := context.Background()
			var wg sync.WaitGroup
			errc := make(chan error, 64)
			nodes := []*service.Service{f.svc}
			begin := make(chan struct{})
			for w := 0; w < 8; w++ {
				wg.Add(1)
				node := f.svc
				if w%2 == 1 {
					db, err := store.Open(ctx, f.dsn)
					if err != nil {
						t.Fatal(err)
					}
					defer db.Close()
					now := time.Now()
					node = newService(db, &now)
					node.Signer = f.svc.Signer // nodes share one signing key
					nodes = append(nodes, node)
				}
				go func() {
					defer wg.Done()
					<-begin
					a, err := node.ActorFor(ctx, f.tenant, 1)
					if err != nil {
						errc <- err
						return
					}
					for i := 0; i < 15; i++ {
						name := fmt.Sprintf("W%d-%d", w, i)
						if _, err := node.CreateCustomer(ctx, a, crm.CustomerInput{Name: &name}); err != nil {
							errc <- err
							return
						}
					}
				}()
			}
			// Every node's chainer runs beside the writers, as in serve.
			chainCtx, stopChainers := context.WithCancel(ctx)
			var chainers sync.WaitGroup
			for _, node := range nodes {
				chainers.Add(1)
				go func() { defer chainers.Done(); node.RunAuditChainer(chainCtx) }()
			}
			close(begin)
			wg.Wait()
			stopChainers()
			chainers.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			rep := f.verify(t)
			if !rep.OK || rep.LastSeq != f.n+8*15 {
				t.Fatalf("after concurrent writers: %+v, want %d entries", rep, f.n+8*15)
			}
		})
	}
}

// Pruning removes whole old segments; the rest still verifies, and
// tampering with it is still found.
func TestAuditPruning(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			f := newAuditFixture(t, e, 150)
			ctx := context.Background()
			if _, err := f.svc.CheckpointAll(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.PruneAudit(ctx, 30*24*time.Hour); err == nil {
				t.Fatal("a 30-day retention was accepted")
			}
			// Four years later, with new entries, three years' retention drops the old segments.
			later := time.Date(2030, 3, 2, 0, 0, 0, 0, time.UTC)
			f.svc.Now = func() time.Time { return later }
			a, err := f.svc.ActorFor(ctx, f.tenant, 1)
			if err != nil {
				t.Fatal(err)
			}
			name := "Fresh"
			if _, err := f.svc.CreateCustomer(ctx, a, crm.CustomerInput{Name: &name}); err != nil {
				t.Fatal(err)
			}
			n, err := f.svc.PruneAudit(ctx, service.DefaultAuditRetention)
			if err != nil || n < 100 {
				t.Fatalf("pruned %d (%v)", n, err)
			}
			rep := f.verify(t)
			if !rep.OK || rep.FirstSeq != n+1 || rep.LastSeq != f.n+2 {
				t.Fatalf("after pruning %d: %+v", n, rep)
			}
			f.exec(t, `UPDATE audit_events SET outcome = 'denied' WHERE seq = $1`, rep.LastSeq-1)
			if rep := f.verify(t); rep.OK || rep.BrokenAt != rep.LastSeq-1 {
				t.Fatalf("tampering after pruning: %+v", rep)
			}
		})
	}
}
