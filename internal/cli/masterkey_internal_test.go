package cli

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"steward/internal/keyring"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// The master key file is made once, readable by its owner only, and read
// back as the same key; the environment's key wins over the file; a
// malformed key is refused naming where it came from.
func TestLoadMasterKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "master.key")
	none := func(string) string { return "" }
	if _, err := loadMasterKey(none, path, false); err == nil {
		t.Fatal("a missing key file was accepted without create")
	}
	m1, err := loadMasterKey(none, path, true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st.Mode(), err)
	}
	m2, err := loadMasterKey(none, path, true)
	if err != nil || m2.ID() != m1.ID() {
		t.Fatalf("reading the key back: %v, id %s vs %s", err, m2.ID(), m1.ID())
	}
	_, text, _ := keyring.GenerateMaster()
	m3, err := loadMasterKey(func(k string) string { return map[string]string{envMasterKey: text}[k] }, path, true)
	if err != nil || m3.ID() == m1.ID() {
		t.Fatalf("the environment's key: %v, id %s", err, m3.ID())
	}
	if _, err := loadMasterKey(func(string) string { return "not-a-key" }, path, true); err == nil || !strings.Contains(err.Error(), envMasterKey) {
		t.Errorf("a bad key in the environment: %v", err)
	}
	bad := filepath.Join(dir, "bad.key")
	_ = os.WriteFile(bad, []byte("short"), 0o600)
	if _, err := loadMasterKey(none, bad, true); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a bad key file: %v", err)
	}
}

// serve makes a master key only while no data key exists; afterwards a
// missing key file, or a different key, stops it rather than start with
// a key that opens nothing; the old key given as old is accepted.
func TestServeMasterKey(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	env := Env{Getenv: func(string) string { return "" }}
	log := slog.New(slog.DiscardHandler)
	m1, err := serveMasterKey(ctx, env, db, path, "postgres://x", nil, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Write(ctx, func(tx *store.Tx) error {
		tn, err := tx.CreateTenant(ctx, "k", "K", time.Now())
		if err != nil {
			return err
		}
		_, err = tx.CreateDataKey(ctx, tn.ID, store.KindData, time.Now(), func(int64) ([]byte, string, error) { return []byte("w"), m1.ID(), nil })
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if m, err := serveMasterKey(ctx, env, db, path, "postgres://x", nil, log); err != nil || m.ID() != m1.ID() {
		t.Fatalf("the same key again: %v", err)
	}
	os.Rename(path, path+".moved")
	if _, err := serveMasterKey(ctx, env, db, path, "postgres://x", nil, log); err == nil || !strings.Contains(err.Error(), "restore") {
		t.Fatalf("a missing key file beside data keys: %v", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a new key file was made beside data keys")
	}
	other := filepath.Join(dir, "other.key")
	_, text, _ := keyring.GenerateMaster()
	os.WriteFile(other, []byte(text), 0o600)
	if _, err := serveMasterKey(ctx, env, db, other, "postgres://x", nil, log); err == nil || !strings.Contains(err.Error(), m1.ID()) {
		t.Fatalf("another key: %v", err)
	}
	if _, err := serveMasterKey(ctx, env, db, other, "postgres://x", []keyring.Master{m1}, log); err != nil {
		t.Fatalf("another key with the first as old: %v", err)
	}
}
