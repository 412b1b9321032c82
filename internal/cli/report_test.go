package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"steward/internal/service"
	"steward/internal/store/storetest"
)

// steward report compliance writes the report as JSON to a file, CSV to
// standard output and PDF, acting as the tenant's first administrator;
// bad periods and formats are refused naming what is wrong.
func TestReportCompliance(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"STEWARD_DB": storetest.DSN(t, e), "STEWARD_ADMIN_PASSWORD": "correct-horse-battery-staple",
				"STEWARD_AUDIT_KEY": filepath.Join(dir, "none.pem"), "STEWARD_MASTER_KEY_FILE": filepath.Join(dir, "master.key")}
			if code, _, errOut := run(t, env, "", "init", "--tenant", "acme", "--name", "Acme", "--admin-email", "a@acme.example"); code != 0 {
				t.Fatal(errOut)
			}
			out := filepath.Join(dir, "r.json")
			code, _, errOut := run(t, env, "", "report", "compliance", "--tenant", "acme", "--from", "2020-01-01", "--to", "2029-01-01", "--format", "json", "--out", out)
			if code != 0 {
				t.Fatalf("json: %d %s", code, errOut)
			}
			b, _ := os.ReadFile(out)
			var rep service.ComplianceReport
			if err := json.Unmarshal(b, &rep); err != nil || len(rep.Users) != 1 || !rep.AuditVerification.OK || rep.AuditSigned {
				t.Fatalf("json report: %v, %d users, audit %+v, signed %v", err, len(rep.Users), rep.AuditVerification, rep.AuditSigned)
			}
			code, csv, errOut := run(t, env, "", "report", "compliance", "--tenant", "acme", "--from", "2020-01-01", "--to", "2029-01-01", "--format", "csv")
			if code != 0 || !strings.Contains(csv, "section,item,field,value") || !strings.Contains(csv, "users,") {
				t.Fatalf("csv: %d %.300q %s", code, csv, errOut)
			}
			code, pdf, _ := run(t, env, "", "report", "compliance", "--tenant", "acme", "--from", "2020-01-01", "--to", "2029-01-01")
			if code != 0 || !strings.HasPrefix(pdf, "%PDF-") {
				t.Fatalf("pdf: %d %.20q", code, pdf)
			}
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"--from", "2020-01-01", "--to", "soon"}, "to"},
				{[]string{"--from", "2029-01-01", "--to", "2020-01-01"}, "after from"},
				{[]string{"--from", "2020-01-01", "--to", "2029-01-01", "--format", "doc"}, "--format"},
				{[]string{"--to", "2029-01-01"}, "--from"},
			} {
				args := append([]string{"report", "compliance", "--tenant", "acme"}, c.args...)
				if code, _, errOut := run(t, env, "", args...); code == 0 || !strings.Contains(errOut, c.want) {
					t.Errorf("%v: code %d, %q; want an error naming %q", c.args, code, errOut, c.want)
				}
			}
		})
	}
}

// steward report access-at answers, from the trail, who could act on a
// customer at a moment, as JSON or CSV; before the customer existed, nobody.
func TestReportAccessAt(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"STEWARD_DB": storetest.DSN(t, e), "STEWARD_MASTER_KEY_FILE": filepath.Join(dir, "master.key")}
			if code, _, errOut := run(t, env, "", "seed", "--tenant", "small", "--users", "5", "--departments", "2", "--customers", "3", "--contacts", "0"); code != 0 {
				t.Fatal(errOut)
			}
			now := time.Now().UTC().Format(time.RFC3339)
			code, out, errOut := run(t, env, "", "report", "access-at", "--tenant", "small", "--customer", "1", "--at", now)
			var ans service.AccessAt
			if err := json.Unmarshal([]byte(out), &ans); code != 0 || err != nil || !ans.Existed || !ans.Complete || len(ans.Users) == 0 {
				t.Fatalf("json: %d %v %s %s", code, err, errOut, out)
			}
			code, csv, errOut := run(t, env, "", "report", "access-at", "--tenant", "small", "--customer", "1", "--at", now, "--format", "csv")
			if code != 0 || !strings.Contains(csv, "answer,1,complete,true") || !strings.Contains(csv, ",view,allowed") {
				t.Fatalf("csv: %d %.600q %s", code, csv, errOut)
			}
			code, out, _ = run(t, env, "", "report", "access-at", "--tenant", "small", "--customer", "1", "--at", "2001-01-01")
			if err := json.Unmarshal([]byte(out), &ans); code != 0 || err != nil || ans.Existed || len(ans.Users) != 0 {
				t.Fatalf("before the customer: %d %v %s", code, err, out)
			}
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"--at", now}, "--customer"},
				{[]string{"--customer", "1", "--at", "soon"}, "at"},
				{[]string{"--customer", "1", "--at", "2999-01-01"}, "now"},
				{[]string{"--customer", "1", "--at", now, "--format", "pdf"}, "--format"},
				{[]string{"--customer", "999", "--at", now}, "not"},
			} {
				args := append([]string{"report", "access-at", "--tenant", "small"}, c.args...)
				if code, _, errOut := run(t, env, "", args...); code == 0 || !strings.Contains(errOut, c.want) {
					t.Errorf("%v: code %d, %q; want an error naming %q", c.args, code, errOut, c.want)
				}
			}
		})
	}
}
