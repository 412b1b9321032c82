package server_test

import (
	"context"
	"strings"
	"testing"

	"steward/internal/authn"
	"steward/internal/keyring"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// An authenticator secret is stored sealed under the tenant's data key,
// never in clear; and sealed for its user only: the same sealed value put
// in another user's row does not open, so a code from the first user's
// app confirms nothing for the second.
func TestTOTPSecretSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := start(t, db)
		admin := e.tenant("acme")
		root := admin.rootDept()
		uid := admin.mkUser("m@acme.example", root, 0, "sales_manager")
		secret, _ := admin.enrol()
		var me struct {
			User   struct{ ID int64 } `json:"user"`
			Tenant struct{ ID int64 } `json:"tenant"`
		}
		admin.must("GET", "/me", nil, 200, &me)

		var stored string
		if err := db.Read(ctx, func(tx *store.Tx) error {
			f, err := tx.TOTPFactor(ctx, me.Tenant.ID, me.User.ID)
			stored = f.Secret
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !keyring.IsSealed(stored) || strings.Contains(stored, secret) {
			t.Fatalf("the stored secret %q is not sealed", stored)
		}

		// A secret an earlier version stored in clear is sealed in place at
		// start, and signing in with it works as before.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ReplaceTOTPSecret(ctx, me.Tenant.ID, me.User.ID, stored, secret)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.SealClearSecrets(ctx); err != nil || n != 1 {
			t.Fatalf("sealing clear secrets: %d, %v; want 1", n, err)
		}
		if n, err := e.svc.SealClearSecrets(ctx); err != nil || n != 0 {
			t.Fatalf("sealing again: %d, %v; want 0", n, err)
		}
		e.advance(authn.TOTPPeriod)
		e.loginMFA("acme", "admin@acme.example", pw, e.code(secret)).must("GET", "/customers", nil, 200, nil)
		if err := db.Read(ctx, func(tx *store.Tx) error {
			f, err := tx.TOTPFactor(ctx, me.Tenant.ID, me.User.ID)
			stored = f.Secret
			return err
		}); err != nil || !keyring.IsSealed(stored) {
			t.Fatalf("after sealing, the stored secret is %q (%v)", stored, err)
		}

		m := e.login("acme", "m@acme.example", pw)
		m.must("POST", "/me/mfa/totp", nil, 201, nil)
		if err := db.Write(ctx, func(tx *store.Tx) error {
			return tx.StartTOTP(ctx, me.Tenant.ID, uid, stored, *e.clock)
		}); err != nil {
			t.Fatal(err)
		}
		if r := m.do("POST", "/me/mfa/totp/confirm", map[string]string{"code": e.code(secret)}); r.status == 200 {
			t.Fatalf("another user's sealed secret confirmed m's factor: %s", r.body)
		}
		var has bool
		if err := db.Read(ctx, func(tx *store.Tx) error {
			var err error
			has, err = tx.HasFactor(ctx, me.Tenant.ID, uid)
			return err
		}); err != nil || has {
			t.Fatalf("m has a factor after the copied secret: %v %v", has, err)
		}
	})
}
