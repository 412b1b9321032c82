package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"steward/internal/cli"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// steward serve runs the periodic jobs from the start (each once at once)
// and, cancelled, stops them and exits cleanly.
func TestServeRunsJobs(t *testing.T) {
	dir := t.TempDir()
	dsn := storetest.DSN(t, store.SQLite)
	env := map[string]string{"STEWARD_DB": dsn, "STEWARD_ADMIN_PASSWORD": "correct-horse-battery-staple"}
	if code, _, errOut := run(t, env, "", "init", "--tenant", "acme", "--name", "Acme", "--admin-email", "a@acme.example"); code != 0 {
		t.Fatal(errOut)
	}
	raw, err := sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	var out, errb bytes.Buffer
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--audit-key", filepath.Join(dir, "k.pem"), "--master-key-file", filepath.Join(dir, "master.key")},
			cli.Env{Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'grant_expiry' AND state = 'completed'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve ran no grant expiry job")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve: exit %d, %s", code, errb.String())
	}
}
