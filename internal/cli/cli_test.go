package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"steward/internal/cli"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

func run(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{
		Getenv: func(k string) string { return env[k] },
		Stdin:  strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
	})
	return code, out.String(), errb.String()
}

func TestInit(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dsn := storetest.DSN(t, e)
			env := map[string]string{"STEWARD_DB": dsn, "STEWARD_ADMIN_PASSWORD": "correct-horse-battery-staple"}
			code, out, errOut := run(t, env, "", "init", "--tenant", "acme", "--name", "Acme Ltd", "--admin-email", "Boss@Acme.example")
			if code != 0 || !strings.Contains(out, `Created tenant "acme"`) || !strings.Contains(out, "boss@acme.example") {
				t.Fatalf("init: code %d, out %q, err %q", code, out, errOut)
			}
			// A second init of the same tenant is refused.
			code, _, errOut = run(t, env, "", "init", "--tenant", "acme", "--name", "Acme Ltd", "--admin-email", "x@acme.example")
			if code == 0 || !strings.Contains(errOut, "already exists") {
				t.Fatalf("second init: code %d, err %q", code, errOut)
			}
			// The password can come from standard input; a short one is refused.
			delete(env, "STEWARD_ADMIN_PASSWORD")
			code, _, errOut = run(t, env, "short\n", "init", "--tenant", "beta", "--name", "Beta", "--admin-email", "a@beta.example")
			if code == 0 || !strings.Contains(errOut, "at least 15") {
				t.Fatalf("short password: code %d, err %q", code, errOut)
			}
			code, out, errOut = run(t, env, "another-long-password\n", "init", "--tenant", "beta", "--name", "Beta", "--admin-email", "a@beta.example")
			if code != 0 {
				t.Fatalf("init with password on stdin: code %d, out %q, err %q", code, out, errOut)
			}
			// delete-tenant wants the slug twice; it destroys the keys and
			// the rows, and the slug stays taken.
			if code, _, errOut = run(t, env, "", "delete-tenant", "--tenant", "beta"); code == 0 || !strings.Contains(errOut, "--confirm") {
				t.Fatalf("delete-tenant without --confirm: code %d, err %q", code, errOut)
			}
			code, out, errOut = run(t, env, "", "delete-tenant", "--tenant", "beta", "--confirm", "beta")
			if code != 0 || !strings.Contains(out, "Deleted tenant") || !strings.Contains(out, "users") {
				t.Fatalf("delete-tenant: code %d, out %q, err %q", code, out, errOut)
			}
			code, _, errOut = run(t, env, "another-long-password\n", "init", "--tenant", "beta", "--name", "Beta", "--admin-email", "a@beta.example")
			if code == 0 || !strings.Contains(errOut, "already exists") {
				t.Fatalf("init of a deleted tenant's slug: code %d, err %q", code, errOut)
			}
		})
	}
}

func TestMigrateAndVersion(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	code, out, errOut := run(t, nil, "", "migrate", "--db", dsn)
	if code != 0 || !strings.Contains(out, "Applied ") || strings.Contains(out, "Applied 0 ") {
		t.Fatalf("migrate: %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, nil, "", "migrate", "--db", dsn)
	if code != 0 || !strings.Contains(out, "Applied 0 migrations") {
		t.Fatalf("second migrate: %d %q", code, out)
	}
	if code, out, _ := run(t, nil, "", "version"); code != 0 || !strings.HasPrefix(out, "steward ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, errOut := run(t, nil, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, nil, "", "migrate", "--db", "mysql://x"); code != 1 || !strings.Contains(errOut, "sqlite:PATH or postgres://") {
		t.Fatalf("bad dsn: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, map[string]string{"STEWARD_DB": "oracle:x"}, "", "migrate"); code != 1 || !strings.Contains(errOut, "sqlite:PATH") {
		t.Fatalf("bad dsn from the environment: %d %q", code, errOut)
	}
}
