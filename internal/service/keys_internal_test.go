package service

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"steward/internal/keyring"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// A key made in a transaction that rolls back is never used again: the
// cache learns of keys only once they are committed, so what is sealed
// afterwards opens on another node that shares only the database and the
// master key. Two services stand for two nodes.
func TestDataKeysSurviveRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		master, _, err := keyring.GenerateMaster()
		if err != nil {
			t.Fatal(err)
		}
		node1, node2 := New(db, slog.New(slog.DiscardHandler)), New(db, slog.New(slog.DiscardHandler))
		node1.Master, node2.Master = master, master
		var tenantID int64
		if err := db.Write(ctx, func(tx *store.Tx) error {
			tn, err := tx.CreateTenant(ctx, "k", "K", node1.now())
			tenantID = tn.ID
			return err
		}); err != nil {
			t.Fatal(err)
		}
		p := keyring.Place{TenantID: tenantID, Table: "t", Column: "c", Row: "1"}
		boom := errors.New("roll back")
		if err := db.Write(ctx, func(tx *store.Tx) error {
			for range 2 { // the second seal finds the first one's key
				if _, err := node1.seal(ctx, tx, p, "first"); err != nil {
					return err
				}
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var sealed string
		if err := db.Write(ctx, func(tx *store.Tx) error {
			var err error
			sealed, err = node1.seal(ctx, tx, p, "second")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := db.Read(ctx, func(tx *store.Tx) error {
			var err error
			got, err = node2.open(ctx, tx, p, sealed)
			return err
		}); err != nil || got != "second" {
			t.Fatalf("the other node opened %q, %v; want second", got, err)
		}
		var keys []store.DataKey
		if err := db.Read(ctx, func(tx *store.Tx) error {
			var err error
			keys, err = tx.DataKeys(ctx, tenantID)
			return err
		}); err != nil || len(keys) != 1 {
			t.Fatalf("keys after one rolled-back and one committed first seal: %d, %v; want 1", len(keys), err)
		}
	})
}

// Rotation end to end, while another node keeps writing sealed values:
// a new data key becomes current, re-sealing moves every value to it and
// retires the old key once nothing is under it, a change of master
// re-wraps every key, and through it all every value opens to what was
// written last. Nothing is lost or left unreadable.
func TestKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		oldMaster, _, _ := keyring.GenerateMaster()
		node1, node2 := New(db, slog.New(slog.DiscardHandler)), New(db, slog.New(slog.DiscardHandler))
		node1.Master, node2.Master = oldMaster, oldMaster
		tn, admin, err := node1.CreateTenant(ctx, NewTenant{Slug: "rot", Name: "Rot", AdminEmail: "a@rot.example", AdminPassword: "correct-horse-battery-staple"})
		if err != nil {
			t.Fatal(err)
		}
		tenantID, users := tn.ID, []int64{admin.ID}
		want := map[int64]string{}
		write := func(n *Service, user int64, secret string) {
			t.Helper()
			if err := db.Write(ctx, func(tx *store.Tx) error {
				sealed, err := n.seal(ctx, tx, totpPlace(tenantID, user), secret)
				if err != nil {
					return err
				}
				var old string
				if f, err := tx.TOTPFactor(ctx, tenantID, user); err == nil {
					old = f.Secret
				}
				if old == "" {
					return tx.StartTOTP(ctx, tenantID, user, sealed, n.now())
				}
				_, err = tx.ReplaceTOTPSecret(ctx, tenantID, user, old, sealed)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			want[user] = secret
		}
		write(node1, users[0], "first secret")
		write(node2, users[0], "second secret") // node2 now knows the first key as current
		check := func(n *Service, what string) {
			t.Helper()
			for u, w := range want {
				var got string
				err := db.Read(ctx, func(tx *store.Tx) error {
					f, err := n.totpFactor(ctx, tx, tenantID, u)
					got = f.Secret
					return err
				})
				if err != nil || got != w {
					t.Fatalf("%s: user %d's secret is %q, %v; want %q", what, u, got, err, w)
				}
			}
		}
		states := func() []KeyState {
			t.Helper()
			ks, err := node1.KeyStates(ctx, tenantID)
			if err != nil {
				t.Fatal(err)
			}
			return ks
		}
		if ks := states(); len(ks) != 1 || !ks[0].Current || ks[0].Values != 1 || !ks[0].Readable {
			t.Fatalf("before rotation: %+v", ks)
		}

		if n, err := node1.RotateDataKeys(ctx, tenantID); err != nil || n != 1 {
			t.Fatalf("rotate: %d, %v", n, err)
		}
		write(node2, users[0], "written with a stale current key") // node2 still seals with the old key
		check(node1, "after rotating")
		if n, err := node1.Reseal(ctx, tenantID, nil); err != nil || n != 1 {
			t.Fatalf("reseal: %d, %v; want 1", n, err)
		}
		check(node2, "after re-sealing")
		ks := states()
		if len(ks) != 2 || ks[0].RetiredAt == nil || ks[0].Values != 0 || !ks[1].Current || ks[1].Values != 1 {
			t.Fatalf("after re-sealing, keys %+v: want the old retired and empty, the new current holding the value", ks)
		}

		newMaster, _, _ := keyring.GenerateMaster()
		node3 := New(db, slog.New(slog.DiscardHandler))
		node3.Master, node3.OldMasters = newMaster, []keyring.Master{oldMaster}
		check(node3, "a node with the new master and the old one")
		if n, err := node3.RewrapKeys(ctx, tenantID); err != nil || n != 2 {
			t.Fatalf("rewrap: %d, %v; want 2", n, err)
		}
		node4 := New(db, slog.New(slog.DiscardHandler))
		node4.Master = newMaster
		check(node4, "a node with only the new master")
		node5 := New(db, slog.New(slog.DiscardHandler))
		node5.Master = oldMaster
		if err := db.Read(ctx, func(tx *store.Tx) error {
			_, err := node5.totpFactor(ctx, tx, tenantID, users[0])
			return err
		}); err == nil {
			t.Fatal("the old master alone still opens values after the re-wrap")
		}
	})
}
