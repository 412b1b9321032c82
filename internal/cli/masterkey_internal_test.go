package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"steward/internal/keyring"
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
