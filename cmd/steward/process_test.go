package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildSteward builds the binary once for a test that runs it as a
// process; it skips the test under -short.
func buildSteward(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "steward")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// newInstallation makes the environment of an installation on db (an
// audit key, a master key, the administrator's password), creates its
// keys and the tenant acme with admin@acme.example, and returns the
// environment and a way to run a command in it.
func newInstallation(t *testing.T, bin, db string) ([]string, func(args ...string)) {
	t.Helper()
	key := filepath.Join(t.TempDir(), "audit.key")
	env := append(os.Environ(), "STEWARD_DB="+db, "STEWARD_AUDIT_KEY="+key, "STEWARD_MASTER_KEY_FILE="+key+".master",
		"STEWARD_ADMIN_PASSWORD=correct-horse-battery-staple")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("steward %v: %v\n%s", args, err, out)
		}
	}
	run("audit", "keygen", "--out", key)
	run("init", "--tenant", "acme", "--name", "Acme", "--admin-email", "admin@acme.example")
	return env, run
}
