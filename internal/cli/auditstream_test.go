package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"steward/internal/cli"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// A bad --audit-stream, from the command line or the environment, is
// refused before anything starts, naming the flag.
func TestServeRefusesBadAuditStream(t *testing.T) {
	code, _, errOut := run(t, nil, "", "serve", "--audit-stream", "syslog://h:0")
	if code != 1 || !strings.Contains(errOut, "-audit-stream") || !strings.Contains(errOut, "port") {
		t.Fatalf("flag: got code %d, %q; want 1 naming -audit-stream", code, errOut)
	}
	code, _, errOut = run(t, map[string]string{"STEWARD_AUDIT_STREAM": "ftp://x"}, "", "serve")
	if code != 1 || !strings.Contains(errOut, "STEWARD_AUDIT_STREAM") {
		t.Fatalf("environment: got code %d, %q; want 1 naming STEWARD_AUDIT_STREAM", code, errOut)
	}
}

// steward serve --audit-stream file:PATH streams the trail written before
// and while it runs.
func TestServeStreamsAudit(t *testing.T) {
	dir := t.TempDir()
	dsn := storetest.DSN(t, store.SQLite)
	env := map[string]string{"STEWARD_DB": dsn, "STEWARD_ADMIN_PASSWORD": "correct-horse-battery-staple"}
	if code, _, errOut := run(t, env, "", "init", "--tenant", "acme", "--name", "Acme", "--admin-email", "a@acme.example"); code != 0 {
		t.Fatal(errOut)
	}
	path := filepath.Join(dir, "audit.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		var out, errb bytes.Buffer
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--audit-key", filepath.Join(dir, "k.pem"), "--master-key-file", filepath.Join(dir, "master.key"),
			"--audit-stream", "file:" + path}, cli.Env{Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte(`"action":"tenant.create"`)) && bytes.Contains(b, []byte(`"seq":1,`)) {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the stream file holds %q, want the tenant's first entries", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
}
