package store_test

import (
	"context"
	"testing"
	"time"

	"steward/internal/audit"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// Folding the trail into per-user action uses keeps each pair's latest
// time, whatever the order the chunks come in, leaves system entries out,
// stops at the chain head, and picks up entries appended after a fold.
func TestRefreshActionUses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var tenant int64
		appendAll := func(es ...audit.Entry) {
			t.Helper()
			if err := db.Write(ctx, func(tx *store.Tx) error {
				for _, e := range es {
					e.TenantID, e.Outcome, e.Details, e.TargetType = tenant, audit.Success, []byte("{}"), "customer"
					if err := tx.ChainAudits(ctx, e.TenantID, []*audit.Entry{&e}, []store.AuditLinks{{}}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			tn, err := tx.CreateTenant(ctx, "fold", "Fold", t0)
			tenant = tn.ID
			if err != nil {
				return err
			}
			return tx.CreateAuditHead(ctx, tn.ID)
		}); err != nil {
			t.Fatal(err)
		}
		at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
		appendAll(
			audit.Entry{ActorType: "user", ActorID: 7, Action: "customer.update", At: at(1)},
			audit.Entry{ActorType: "user", ActorID: 7, Action: "customer.update", At: at(5)},
			// A clock that stepped back: the later position is not the later time.
			audit.Entry{ActorType: "user", ActorID: 7, Action: "customer.update", At: at(3)},
			audit.Entry{ActorType: "user", ActorID: 8, Action: "auth.login", At: at(2)},
			audit.Entry{ActorType: "system", ActorID: 0, Action: "role.expire", At: at(4)},
		)
		fold := func(limit int64) (rounds int) {
			t.Helper()
			for done := false; !done; rounds++ {
				if err := db.Write(ctx, func(tx *store.Tx) error {
					var err error
					done, err = tx.RefreshActionUses(ctx, tenant, limit)
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
			return rounds
		}
		uses := func() map[int64]map[string]time.Time {
			t.Helper()
			var out map[int64]map[string]time.Time
			if err := db.Read(ctx, func(tx *store.Tx) error {
				var err error
				out, err = tx.ActionUses(ctx, tenant, []int64{0, 7, 8, 9}, []string{"customer.update", "auth.login", "role.expire"})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if n := fold(2); n != 3 {
			t.Errorf("5 entries in chunks of 2: %d rounds, want 3", n)
		}
		got := uses()
		if !got[7]["customer.update"].Equal(at(5)) || !got[8]["auth.login"].Equal(at(2)) || len(got) != 2 {
			t.Fatalf("folded uses: %v", got)
		}
		if n := fold(2); n != 1 {
			t.Errorf("nothing new: %d rounds, want 1", n)
		}
		appendAll(audit.Entry{ActorType: "user", ActorID: 7, Action: "customer.update", At: at(4)},
			audit.Entry{ActorType: "user", ActorID: 9, Action: "customer.update", At: at(6)})
		fold(100)
		got = uses()
		if !got[7]["customer.update"].Equal(at(5)) || !got[9]["customer.update"].Equal(at(6)) {
			t.Fatalf("after two more entries: %v", got)
		}
	})
}
