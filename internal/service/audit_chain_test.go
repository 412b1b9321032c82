package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"steward/internal/crm"
	"steward/internal/service"
	"steward/internal/store/storetest"
)

// The chainer of a running node moves what changes queue onto the chain
// without any reader asking, signing a checkpoint every 100 positions, in
// the order the changes committed.
func TestAuditChainerChainsInBackground(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			f := newAuditFixture(t, e, 0)
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); f.svc.RunAuditChainer(ctx) }()
			defer func() { stop(); <-done }()
			a, err := f.svc.ActorFor(ctx, f.tenant, 1)
			if err != nil {
				t.Fatal(err)
			}
			const n = 250
			for i := 0; i < n; i++ {
				name := fmt.Sprintf("Queued %03d", i)
				if _, err := f.svc.CreateCustomer(ctx, a, crm.CustomerInput{Name: &name}); err != nil {
					t.Fatal(err)
				}
			}
			// Wait for the queue to drain; no reader settles it here.
			var queued int64 = -1
			for deadline := time.Now().Add(30 * time.Second); queued != 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if err := f.raw.QueryRow(`SELECT COUNT(*) FROM audit_queue`).Scan(&queued); err != nil {
					t.Fatal(err)
				}
			}
			if queued != 0 {
				t.Fatalf("%d entries still queued with the chainer running", queued)
			}
			var chained, firstSeq int64
			if err := f.raw.QueryRow(`SELECT COUNT(*), MIN(seq) FROM audit_events WHERE tenant_id = $1 AND action = 'customer.create'`, f.tenant).Scan(&chained, &firstSeq); err != nil {
				t.Fatal(err)
			}
			if chained != n {
				t.Fatalf("%d customer.create entries chained, want %d", chained, n)
			}
			// In commit order: the i-th customer's entry is at the i-th position.
			rows, err := f.raw.Query(`SELECT c.name, e.seq FROM audit_events e JOIN customers c ON c.tenant_id = e.tenant_id AND CAST(c.id AS TEXT) = e.target_id
				WHERE e.tenant_id = $1 AND e.action = 'customer.create'`, f.tenant)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var name string
				var seq int64
				if err := rows.Scan(&name, &seq); err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("Queued %03d", seq-firstSeq); name != want {
					t.Errorf("position %d holds %q's entry, want %q's", seq, name, want)
				}
			}
			var signed int
			if err := f.raw.QueryRow(`SELECT COUNT(*) FROM audit_checkpoints WHERE tenant_id = $1 AND seq IN (100, 200)`, f.tenant).Scan(&signed); err != nil {
				t.Fatal(err)
			}
			if signed != 2 {
				t.Errorf("%d of the checkpoints at positions 100 and 200 signed, want 2", signed)
			}
			if rep := f.verify(t); !rep.OK || rep.LastSeq != f.n+n {
				t.Fatalf("after background chaining: %+v, want %d entries", rep, f.n+n)
			}
		})
	}
}

// Entries a deleted tenant still had queued are dropped, not chained, and
// do not hold up another tenant's; a reader with nothing queued does not
// chain.
func TestAuditChainDropsDeletedTenants(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			f := newAuditFixture(t, e, 3)
			ctx := context.Background()
			other, _, err := f.svc.CreateTenant(ctx, service.NewTenant{Slug: "gone", Name: "Gone", AdminEmail: "a@gone.example", AdminPassword: "correct-horse-battery-staple"})
			if err != nil {
				t.Fatal(err)
			}
			f.exec(t, `UPDATE tenants SET deleted_at = 1 WHERE id = $1`, other.ID)
			a, err := f.svc.ActorFor(ctx, f.tenant, 1)
			if err != nil {
				t.Fatal(err)
			}
			name := "After"
			if _, err := f.svc.CreateCustomer(ctx, a, crm.CustomerInput{Name: &name}); err != nil {
				t.Fatal(err)
			}
			n, err := f.svc.ChainAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var queued, gone int
			if err := f.raw.QueryRow(`SELECT COUNT(*) FROM audit_queue`).Scan(&queued); err != nil {
				t.Fatal(err)
			}
			if err := f.raw.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE tenant_id = $1`, other.ID).Scan(&gone); err != nil {
				t.Fatal(err)
			}
			if n != 1 || queued != 0 || gone != 0 {
				t.Errorf("chained %d (want 1), %d left queued (want 0), %d entries of the deleted tenant chained (want 0)", n, queued, gone)
			}
			if rep := f.verify(t); !rep.OK || rep.LastSeq != f.n+1 {
				t.Errorf("the live tenant's trail: %+v", rep)
			}
		})
	}
}
