package server_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// The compliance report over HTTP: what was done in the period shows in
// it — a role granted and a share added as permission changes, a reveal
// as sensitive access, failed sign-ins per account and reason, a review
// campaign, an SoD conflict — with the users' access, the trail verified
// and the clauses of GDPR and HIPAA; as CSV and PDF too; for holders of
// view_audit only, and itself recorded.
func TestComplianceReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		from := e.clock.Add(-time.Hour).Format(time.RFC3339)
		o.admin.must("POST", p("/users/%d/roles", o.ids["w"]), map[string]any{"role": "marketing", "reason": "campaign"}, 201, nil)
		cust := o.a.mkCustomer("Globex")
		o.a.must("POST", p("/customers/%d/shares", cust), map[string]any{"principal": map[string]any{"type": "user", "id": o.ids["b"]},
			"level": "read", "reason": "cover"}, 201, nil)
		o.admin.must("POST", p("/customers/%d/reveal", cust), map[string]any{"fields": []string{"phone"}}, 200, nil)
		for range 2 {
			if r := (&client{e: e}).do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": "a@acme.example", "password": "wrong-password-here"}); r.status != 401 {
				t.Fatalf("wrong password: %d", r.status)
			}
		}
		o.admin.must("POST", "/sod-rules", map[string]any{"name": "no auditing user managers", "holdings": []string{"function:manage_users", "function:view_audit"},
			"mode": "refuse"}, 201, nil)
		var rv idOnly
		o.admin.must("POST", "/reviews", map[string]any{"name": "Q4 review", "scope": map[string]any{"roles": []string{"sales_rep"}},
			"reviewers": map[string]any{"rule": "manager"}, "deadline": e.clock.Add(14 * 24 * time.Hour).Format(time.RFC3339), "undecided": "keep"}, 201, &rv)
		o.admin.must("POST", p("/reviews/%d/start", rv.ID), nil, 200, nil)
		to := e.clock.Add(time.Hour).Format(time.RFC3339)
		path := "/reports/compliance?from=" + from + "&to=" + to

		var rep service.ComplianceReport
		o.admin.must("GET", path, nil, 200, &rep)
		changes := map[string]int{}
		for _, c := range rep.PermissionChanges {
			changes[c.Action] = c.N
		}
		if changes["role.grant"] < 1 || changes["share.add"] != 1 || changes["sod_rule.create"] != 1 {
			t.Errorf("permission changes: %v", changes)
		}
		var w *service.UserAccess
		for i, u := range rep.Users {
			if u.UserID == o.ids["w"] {
				w = &rep.Users[i]
			}
		}
		if w == nil || !strings.Contains(strings.Join(w.Roles, ","), "marketing") {
			t.Errorf("w's access: %+v", w)
		}
		found := func(ts []service.ActorTotal, id int64, action, reason string, n int) bool {
			for _, x := range ts {
				if x.ActorID == id && x.Action == action && x.Reason == reason && x.N == n {
					return true
				}
			}
			return false
		}
		var me struct{ User struct{ ID int64 } }
		o.admin.must("GET", "/me", nil, 200, &me)
		if !found(rep.SensitiveAccess, me.User.ID, "customer.reveal", "", 1) {
			t.Errorf("sensitive access: %+v", rep.SensitiveAccess)
		}
		if !found(rep.FailedLogins, o.ids["a"], "auth.login_failed", "wrong_password", 2) {
			t.Errorf("failed sign-ins: %+v", rep.FailedLogins)
		}
		if len(rep.Reviews) != 1 || rep.Reviews[0].ID != rv.ID || rep.Reviews[0].Counts.Total == 0 {
			t.Errorf("reviews: %+v", rep.Reviews)
		}
		if len(rep.SoDConflicts) == 0 || rep.SoDConflicts[0].UserID != me.User.ID {
			t.Errorf("SoD conflicts: %+v", rep.SoDConflicts)
		}
		if !rep.AuditVerification.OK || rep.AuditVerification.Entries == 0 || !rep.AuditSigned {
			t.Errorf("audit verification: %+v", rep.AuditVerification)
		}
		std := map[string]bool{}
		for _, c := range append(rep.Security.Conformance, rep.Clauses...) {
			std[c.Standard] = true
		}
		for _, s := range []string{service.GDPR, service.HIPAA, "NIST SP 800-63B-4", "OWASP ASVS 5.0"} {
			if !std[s] {
				t.Errorf("no clause of %s", s)
			}
		}
		var day int
		for _, d := range rep.Daily {
			day += d.PermissionChanges
		}
		if day < 3 {
			t.Errorf("daily permission changes add up to %d", day)
		}

		csv := o.admin.do("GET", path+"&format=csv", nil)
		if csv.status != 200 || !bytes.Contains(csv.body, []byte("permission_changes,share.add,count,1")) ||
			!bytes.Contains(csv.body, []byte(p("users,%d,roles,", o.ids["w"]))) {
			t.Errorf("CSV: %d %.400s", csv.status, csv.body)
		}
		pdf := o.admin.do("GET", path+"&format=pdf", nil)
		if pdf.status != 200 || !bytes.HasPrefix(pdf.body, []byte("%PDF-")) {
			t.Errorf("PDF: %d %.40q", pdf.status, pdf.body)
		}
		if r := o.m.do("GET", path, nil); r.status != 403 {
			t.Errorf("a sales manager reads the report: %d", r.status)
		}
		if r := o.admin.do("GET", "/reports/compliance?from="+to+"&to="+from, nil); r.status != 400 || r.errField() != "to" {
			t.Errorf("a period that ends before it starts: %d %s", r.status, r.body)
		}
		var trail struct{ Items []struct{ Action string } }
		o.admin.must("GET", "/audit/events?action=report.compliance", nil, 200, &trail)
		if len(trail.Items) != 3 {
			t.Errorf("report.compliance entries: %d, want 3 (json, csv, pdf)", len(trail.Items))
		}
	})
}
