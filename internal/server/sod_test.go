package server_test

import (
	"strings"
	"testing"
	"time"

	"steward/internal/store"
	"steward/internal/store/storetest"
)

// sodViolation is the part of a conflicts report entry the tests read.
type sodViolation struct {
	UserID        int64 `json:"user_id"`
	RuleID        int64 `json:"rule_id"`
	Builtin       bool  `json:"builtin"`
	Justification *struct {
		Justification string `json:"justification"`
		GrantKind     string `json:"grant_kind"`
	} `json:"justification"`
}

type auditEntry struct {
	Action   string         `json:"action"`
	TargetID string         `json:"target_id"`
	Details  map[string]any `json:"details"`
}

// sodRefused fails unless r is a 409 of the code on the field whose
// message names the rule.
func sodRefused(t *testing.T, what string, r response, code, field, rule string) {
	t.Helper()
	if r.status != 409 || r.errCode() != code || r.errField() != field || !strings.Contains(string(r.body), rule) {
		t.Fatalf("%s: got %d %s, want 409 %s on %s naming %q", what, r.status, r.body, code, field, rule)
	}
}

// myID is the signed-in user's id.
func (c *client) myID() int64 {
	c.e.t.Helper()
	var me struct{ User idOnly }
	c.must("GET", "/me", nil, 200, &me)
	return me.User.ID
}

func (c *client) audit(action string) []auditEntry {
	c.e.t.Helper()
	var page struct{ Items []auditEntry }
	c.must("GET", "/audit/events?limit=100&action="+action, nil, 200, &page)
	return page.Items
}

// Every path that grants access meets the separation-of-duties rules: a
// role grant, the approval of an access request, a role edit and an API
// key are refused by a refuse rule; a justify rule lets them through with
// a justification, recorded in the trail; the conflicts report shows who
// breaks which rule and why it was accepted.
func TestSoDGrantPathsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		exports := map[string]any{"name": "four eyes on exports", "holdings": []string{"function:approve_exports", "customer.export"}, "mode": "refuse"}
		var rule struct {
			ID         int64    `json:"id"`
			Holdings   []string `json:"holdings"`
			Violations int      `json:"violations"`
		}
		o.admin.must("POST", "/sod-rules", exports, 201, &rule)
		if rule.Violations != 1 || rule.Holdings[0] != "customer.export" {
			t.Fatalf("new rule: %+v, want the administrator counted and holdings sorted", rule)
		}
		if r := o.m.do("POST", "/sod-rules", exports); r.status != 403 {
			t.Fatalf("a sales manager adds a rule: %d", r.status)
		}

		// A role grant.
		director := map[string]any{"role": "sales_director", "reason": "cover"}
		sodRefused(t, "grant", o.admin.do("POST", p("/users/%d/roles", o.ids["m"]), director), "sod_conflict", "role", "four eyes on exports")

		// An access request's approval; the request stays pending.
		var req struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		}
		o.m.must("POST", "/access-requests", map[string]any{"kind": "role", "role": "sales_director", "reason": "director on leave", "duration": "7d"}, 201, &req)
		approve := p("/access-requests/%d/approve", req.ID)
		sodRefused(t, "approval", o.admin.do("POST", approve, map[string]any{"comment": "fine"}), "sod_conflict", "role", "four eyes on exports")
		o.m.must("GET", p("/access-requests/%d", req.ID), nil, 200, &req)
		if req.Status != "pending" {
			t.Fatalf("a refused approval left the request %s", req.Status)
		}
		exports["mode"] = "justify"
		o.admin.must("PUT", p("/sod-rules/%d", rule.ID), exports, 200, nil)
		sodRefused(t, "approval without a justification", o.admin.do("POST", approve, map[string]any{}), "sod_justification_required", "comment", "four eyes on exports")
		if r := o.admin.do("POST", approve, map[string]any{"comment": "fine"}); r.status != 400 || r.errCode() != "justification_too_short" {
			t.Fatalf("approval with a short comment: %d %s", r.status, r.body)
		}
		o.admin.must("POST", approve, map[string]any{"comment": "covering the director's leave"}, 200, &req)
		just := o.admin.audit("sod.justified")
		if len(just) != 1 || just[0].TargetID != p("%d", o.ids["m"]) || just[0].Details["grant_kind"] != "role_assignment" ||
			just[0].Details["justification"] != "covering the director's leave" {
			t.Fatalf("sod.justified after the approval: %+v", just)
		}

		// A role edit that would put its holders in breach.
		del := map[string]any{"name": "auditors do not delete", "holdings": []string{"function:view_audit", "deal.delete"}, "mode": "refuse"}
		var rule2 struct{ ID int64 }
		o.admin.must("POST", "/sod-rules", del, 201, &rule2)
		edit := map[string]any{"functions": []string{"view_audit"}}
		r := o.admin.do("PATCH", "/roles/sales_rep", edit)
		sodRefused(t, "role edit", r, "sod_conflict", "functions", "auditors do not delete")
		if !strings.Contains(string(r.body), "3 of its holders") {
			t.Errorf("the role edit's refusal does not count the holders: %s", r.body)
		}
		del["mode"] = "justify"
		o.admin.must("PUT", p("/sod-rules/%d", rule2.ID), del, 200, nil)
		sodRefused(t, "role edit without a justification", o.admin.do("PATCH", "/roles/sales_rep", edit), "sod_justification_required", "justification", "auditors do not delete")
		edit["justification"] = "reps review their own deals' trail this quarter"
		o.admin.must("PATCH", "/roles/sales_rep", edit, 200, nil)
		if n := len(o.admin.audit("sod.justified")); n != 4 {
			t.Fatalf("sod.justified after the role edit: %d entries, want 1 + the 3 reps", n)
		}

		// The report: who breaks what, and why it was accepted.
		var report struct{ Items []sodViolation }
		o.admin.must("GET", "/sod-rules/conflicts", nil, 200, &report)
		byUser := map[int64][]sodViolation{}
		for _, v := range report.Items {
			byUser[v.UserID] = append(byUser[v.UserID], v)
		}
		admin := byUser[o.admin.myID()]
		if len(report.Items) != 6 || len(admin) != 2 || admin[0].Justification != nil {
			t.Fatalf("conflicts report: %s", o.admin.must("GET", "/sod-rules/conflicts", nil, 200, nil).body)
		}
		if m := byUser[o.ids["m"]]; len(m) != 1 || m[0].RuleID != rule.ID || m[0].Justification == nil || m[0].Justification.GrantKind != "role_assignment" {
			t.Fatalf("the manager's conflicts: %+v", m)
		}
		if a := byUser[o.ids["a"]]; len(a) != 1 || a[0].Justification == nil || a[0].Justification.GrantKind != "role_edit" {
			t.Fatalf("a rep's conflicts: %+v", a)
		}
		if r := o.m.do("GET", "/sod-rules/conflicts", nil); r.status != 403 {
			t.Fatalf("a sales manager reads the report: %d", r.status)
		}

		// An API key is a principal of its own: it needs its own justification.
		exp := e.clock.Add(24 * time.Hour).Format(time.RFC3339)
		key := map[string]any{"name": "ci", "roles": []string{"administrator"}, "expires_at": exp}
		sodRefused(t, "api key", o.admin.do("POST", "/api-keys", key), "sod_justification_required", "justification", "four eyes on exports")
		exports["mode"] = "refuse"
		o.admin.must("PUT", p("/sod-rules/%d", rule.ID), exports, 200, nil)
		key["justification"] = "the nightly export job approves its own runs"
		sodRefused(t, "api key under a refuse rule", o.admin.do("POST", "/api-keys", key), "sod_conflict", "roles", "four eyes on exports")
		o.admin.must("DELETE", p("/sod-rules/%d", rule.ID), nil, 204, nil)
		o.admin.must("POST", "/api-keys", key, 201, nil)
		if j := o.admin.audit("sod.justified"); len(j) != 5 || j[0].Details["grant_kind"] != "api_key" {
			t.Fatalf("sod.justified after the key: %+v", j)
		}
	})
}

// The 三员分立 profile over HTTP: refused with the list of what must change
// while the administrator holds every duty; on once the duties are split;
// then no grant or role combines duties, and the report stays empty.
func TestSoDProfileOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		root := admin.rootDept()
		var prof struct {
			SeparationOfDuties bool `json:"separation_of_duties"`
			Blockers           []struct {
				UserID int64    `json:"user_id"`
				Duties []string `json:"duties"`
			} `json:"blockers"`
		}
		admin.must("GET", "/sod-profile", nil, 200, &prof)
		if prof.SeparationOfDuties || len(prof.Blockers) != 1 || len(prof.Blockers[0].Duties) != 3 {
			t.Fatalf("profile of a new tenant: %+v", prof)
		}
		on := map[string]any{"separation_of_duties": true}
		r := admin.do("PUT", "/sod-profile", on)
		if r.status != 409 || r.errCode() != "sod_profile_blocked" || !strings.Contains(string(r.body), "administrator (system+security+audit)") {
			t.Fatalf("switching on with an administrator: %d %s", r.status, r.body)
		}
		if r := admin.do("PUT", "/sod-profile", map[string]any{}); r.status != 400 || r.errField() != "separation_of_duties" {
			t.Fatalf("an empty switch: %d %s", r.status, r.body)
		}
		ids := map[string]int64{}
		for _, k := range []string{"system", "security", "audit"} {
			ids[k] = admin.mkUser(k+"@acme.example", root, 0, k+"_admin")
		}
		sys, sec := e.login("acme", "system@acme.example", pw), e.login("acme", "security@acme.example", pw)
		aud := e.login("acme", "audit@acme.example", pw)
		if r := sys.do("PUT", "/sod-profile", on); r.status != 403 {
			t.Fatalf("the system administrator switches the profile: %d", r.status)
		}
		sys.must("DELETE", p("/users/%d/roles/administrator", admin.myID()), nil, 204, nil)
		sec.must("PUT", "/sod-profile", on, 200, &prof)
		if !prof.SeparationOfDuties || len(prof.Blockers) != 0 {
			t.Fatalf("profile after switching on: %+v", prof)
		}

		sodRefused(t, "a second duty", sys.do("POST", p("/users/%d/roles", ids["audit"]), map[string]any{"role": "security_admin"}),
			"sod_conflict", "role", "三员分立: security / audit")
		sodRefused(t, "a second duty to oneself", sys.do("POST", p("/users/%d/roles", ids["system"]), map[string]any{"role": "audit_admin"}),
			"sod_conflict", "role", "三员分立: system / audit")
		sys.mkUser("audit2@acme.example", root, 0, "audit_admin") // the system administrator gives a duty he lacks
		sodRefused(t, "a role across duties", sec.do("POST", "/roles", map[string]any{"key": "overseer", "name": "Overseer",
			"functions": []string{"view_audit", "manage_users"}}), "sod_conflict", "functions", "三员分立: system / audit")
		sodRefused(t, "a duty role widened", sec.do("PATCH", "/roles/audit_admin", map[string]any{"functions": []string{"view_audit", "manage_org"}}),
			"sod_conflict", "functions", "三员分立: system / audit")
		var report struct{ Items []sodViolation }
		aud.must("GET", "/sod-rules/conflicts", nil, 200, &report)
		if len(report.Items) != 0 {
			t.Fatalf("conflicts with the profile on: %+v", report.Items)
		}
		if n := len(aud.audit("sod_profile.update")); n != 1 {
			t.Fatalf("sod_profile.update entries: %d, want 1", n)
		}
	})
}
