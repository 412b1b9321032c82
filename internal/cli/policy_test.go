package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"steward/internal/store/storetest"
)

// TestPolicyCommands: export, a dry run of an edited file (reported,
// nothing changed), the apply, and an export that reads back unchanged;
// a bad file fails naming the path of the bad value.
func TestPolicyCommands(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			env := map[string]string{"STEWARD_DB": storetest.DSN(t, e), "STEWARD_ADMIN_PASSWORD": "correct-horse-battery-staple",
				"STEWARD_MASTER_KEY_FILE": filepath.Join(t.TempDir(), "master.key")}
			if code, _, errOut := run(t, env, "", "init", "--tenant", "acme", "--name", "Acme", "--admin-email", "boss@acme.example"); code != 0 {
				t.Fatalf("init: %s", errOut)
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "policy.yaml")
			if code, out, errOut := run(t, env, "", "policy", "export", "--tenant", "acme", "--out", file); code != 0 || !strings.Contains(out, "Wrote") {
				t.Fatalf("export: %d %q %q", code, out, errOut)
			}
			exported, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			edited := strings.Replace(string(exported), "roles:\n", "roles:\n  - key: trainee\n    name: Trainee\n    functions: [view_audit]\n    permissions:\n      customer: {view: own}\n", 1)
			if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := run(t, env, "", "policy", "apply", "--tenant", "acme", file, "--dry-run")
			if code != 0 || !strings.Contains(out, "Dry run: nothing was changed") || !strings.Contains(out, "create trainee") ||
				!strings.Contains(out, "permissions.customer.view: own") {
				t.Fatalf("dry run: %d\n%s%s", code, out, errOut)
			}
			if _, now, _ := run(t, env, "", "policy", "export", "--tenant", "acme"); now != string(exported) {
				t.Fatalf("the dry run changed the policy:\n%s", now)
			}
			if code, out, errOut := run(t, env, "", "policy", "apply", "--tenant", "acme", "--as", "Boss@Acme.example", file); code != 0 || !strings.HasPrefix(out, "Applied.") {
				t.Fatalf("apply: %d\n%s%s", code, out, errOut)
			}
			_, after, _ := run(t, env, "", "policy", "export", "--tenant", "acme")
			if !strings.Contains(after, "key: trainee") {
				t.Fatalf("the export after the apply lacks the new role:\n%s", after)
			}
			if code, out, _ := run(t, env, after, "policy", "apply", "--tenant", "acme", "-", "--json"); code != 0 || !strings.Contains(out, `"roles": []`) {
				t.Fatalf("applying the export again: %d %s", code, out)
			}
			bad := strings.Replace(after, "customer: {view: own}", "customer: {view: own, peek: all}", 1)
			code, _, errOut = run(t, env, bad, "policy", "apply", "--tenant", "acme", "-", "--dry-run")
			if code != 1 || !strings.Contains(errOut, "permissions.customer.peek") {
				t.Fatalf("a bad file: %d %q", code, errOut)
			}
			if code, _, errOut := run(t, env, "", "policy", "apply", "--tenant", "nope", file); code != 1 || !strings.Contains(errOut, "no tenant") {
				t.Fatalf("an unknown tenant: %d %q", code, errOut)
			}
		})
	}
}
