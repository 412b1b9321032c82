package cli_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"steward/internal/keyring"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// steward keys: generate prints a usable master key; status lists each
// tenant's keys with what is sealed under them; rotate makes a new data
// key, re-seals what the old one held and retires it; a wrong master key
// is refused before anything changes.
func TestKeysCommands(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			code, text, _ := run(t, nil, "", "keys", "generate")
			master, err := keyring.ParseMaster(text)
			if code != 0 || err != nil {
				t.Fatalf("generate: %d %q %v", code, text, err)
			}
			keyFile := filepath.Join(dir, "master.key")
			if err := os.WriteFile(keyFile, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			dsn := storetest.DSN(t, e)
			env := map[string]string{"STEWARD_DB": dsn, "STEWARD_ADMIN_PASSWORD": "correct-horse-battery-staple", "STEWARD_MASTER_KEY_FILE": keyFile}
			if code, _, errOut := run(t, env, "", "init", "--tenant", "acme", "--name", "Acme", "--admin-email", "a@acme.example"); code != 0 {
				t.Fatal(errOut)
			}
			// The administrator enrols an authenticator: a sealed secret.
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			svc := service.New(db, slog.New(slog.DiscardHandler))
			svc.Master = master
			var tenantID, adminID int64
			if err := db.Read(ctx, func(tx *store.Tx) error {
				tn, err := tx.TenantBySlug(ctx, "acme")
				if err != nil {
					return err
				}
				u, _, err := tx.UserCredentials(ctx, tn.ID, "a@acme.example")
				tenantID, adminID = tn.ID, u.ID
				return err
			}); err != nil {
				t.Fatal(err)
			}
			a, err := svc.ActorFor(ctx, tenantID, adminID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.StartTOTP(ctx, a); err != nil {
				t.Fatal(err)
			}
			db.Close()

			status := func() []service.KeyState {
				t.Helper()
				code, out, errOut := run(t, env, "", "keys", "status", "--json")
				var res struct{ Keys []service.KeyState }
				if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
					t.Fatalf("status: %d %q %q", code, out, errOut)
				}
				return res.Keys
			}
			if ks := status(); len(ks) != 1 || ks[0].Values != 1 || !ks[0].Current || !ks[0].Readable {
				t.Fatalf("status before rotation: %+v", ks)
			}
			code, out, errOut := run(t, env, "", "keys", "rotate", "--settle", "0s")
			if code != 0 || !strings.Contains(out, "re-sealed 1 values") {
				t.Fatalf("rotate: %d %q %q", code, out, errOut)
			}
			ks := status()
			if len(ks) != 2 {
				t.Fatalf("status after rotation: %+v", ks)
			}
			for _, k := range ks {
				if k.Current != (k.Values == 1) || k.Current == (k.RetiredAt != nil) {
					t.Errorf("after rotation: %+v; want the new key current with the value, the old retired and empty", k)
				}
			}

			_, other, _ := run(t, nil, "", "keys", "generate")
			if code, _, errOut := run(t, map[string]string{"STEWARD_DB": dsn, "STEWARD_MASTER_KEY": other}, "", "keys", "rotate", "--settle", "0s"); code == 0 ||
				!strings.Contains(errOut, "master") {
				t.Errorf("rotate with the wrong master key: code %d, %q", code, errOut)
			}
			if ks := status(); len(ks) != 2 {
				t.Errorf("a refused rotation changed the keys: %+v", ks)
			}
		})
	}
}
