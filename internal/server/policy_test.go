package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// The policy document over HTTP: exported as YAML, edited, dry-run (who
// would gain what, nothing changed), applied (the same report, and the
// access it said), exported again to the same bytes; bad documents are
// refused with the path of the bad value and change nothing.
func TestPolicyOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		east := o.a.mkCustomer("East A")
		exported := o.admin.policyYAML()
		if !strings.Contains(exported, "key: sales_rep # preset") {
			t.Fatalf("the export lacks the sales rep preset:\n%s", exported)
		}
		edited := strings.Replace(exported, "sharing_rules: []",
			p("sharing_rules:\n  - name: A accounts to West\n    criteria: {field: level, op: equals, value: A}\n    principal: {department: %d}\n    level: read", o.west), 1)

		var dry, applied service.PolicyReport
		o.admin.sendYAML("/policy?dry_run=true", edited, 200, &dry)
		if r := o.w.do("GET", p("/customers/%d", east), nil); r.status != 404 {
			t.Fatalf("after a dry run West sees the customer: %d", r.status)
		}
		w := userChange(dry, o.ids["w"])
		if w.Gained.Customers != 1 || len(w.GainedSample) != 1 || w.GainedSample[0].ID != east || w.Relations[0] != "sharing_rule:A accounts to West" {
			t.Fatalf("dry run for West: %+v, want customer %d gained through the rule", w, east)
		}
		o.admin.sendYAML("/policy", edited, 200, &applied)
		if r := o.w.do("GET", p("/customers/%d", east), nil); r.status != 200 {
			t.Fatalf("after the apply West does not see the customer: %d", r.status)
		}
		if !applied.DryRun && !dry.DryRun {
			t.Fatal("the dry run's report says it applied")
		}
		dry.DryRun = false
		if a, b := mustJSON(t, dry), mustJSON(t, applied); a != b {
			t.Fatalf("dry run and result differ:\n%s\n%s", a, b)
		}
		after := o.admin.policyYAML()
		var again service.PolicyReport
		o.admin.sendYAML("/policy", after, 200, &again)
		if len(again.Plan.SharingRules)+len(again.Plan.Roles) != 0 || o.admin.policyYAML() != after {
			t.Fatalf("export → apply → export changed something: %+v", again.Plan)
		}
		var asJSON map[string]any
		o.admin.must("GET", "/policy?format=json", nil, 200, &asJSON)
		if asJSON["version"] != float64(1) || asJSON["tenant"] != "acme" {
			t.Fatalf("the JSON form: %v", asJSON)
		}

		for _, c := range []struct {
			name, doc, ct string
			status        int
			code, field   string
		}{
			{"unknown key", strings.Replace(after, "version: 1", "version: 1\nextra: true", 1), "application/yaml", 400, "unknown_field", "extra"},
			{"unknown scope", strings.Replace(after, "customer: {view: own", "customer: {view: mine", 1), "application/yaml", 400, "invalid_value", "roles[%d].permissions.customer.view"},
			{"unknown object", strings.Replace(after, "      customer: {view: own", "      client: {view: own", 1), "application/yaml", 400, "invalid_value", "roles[%d].permissions.client"},
			{"wrong type", strings.Replace(after, "level: read", "level: [read]", 1), "application/yaml", 400, "invalid_type", "sharing_rules[0].level"},
			{"not YAML", "version: [", "application/yaml", 400, "invalid_yaml", ""},
			{"JSON", `{"version":1,"pools":[{"name":"p","departments":"all","holding_cap":1}]}`, "application/json", 400, "invalid_type", "pools[0].departments"},
			{"media type", after, "text/plain", 400, "unsupported_media_type", ""},
			{"too large", after + "\n#" + strings.Repeat("x", 1<<20), "application/yaml", 413, "body_too_large", ""},
		} {
			r := o.admin.raw("POST", "/policy", c.ct, strings.NewReader(c.doc))
			field := c.field
			if strings.Contains(field, "%d") {
				field = p(field, roleIndex(after, "sales_rep"))
			}
			if r.status != c.status || r.errCode() != c.code || r.errField() != field {
				t.Errorf("%s: got %d %s, want %d %s at %q", c.name, r.status, r.body, c.status, c.code, field)
			}
		}
		if r := o.a.do("GET", "/policy", nil); r.status != 403 {
			t.Errorf("a sales rep exports the policy: got %d, want 403", r.status)
		}
		if r := o.a.raw("POST", "/policy?dry_run=true", "application/yaml", strings.NewReader(after)); r.status != 403 {
			t.Errorf("a sales rep dry-runs a policy: got %d, want 403", r.status)
		}
		if o.admin.policyYAML() != after {
			t.Fatal("refused documents changed the policy")
		}
	})
}

// roleIndex is the place of a role in an export, whose first customer row
// reading "view: own" is the sales rep's (roles come by key, and the keys
// before it scope wider).
func roleIndex(doc, key string) int {
	return strings.Count(doc[:strings.Index(doc, "\n  - key: "+key)], "\n  - key: ")
}

func (c *client) policyYAML() string {
	c.e.t.Helper()
	r := c.raw("GET", "/policy", "", nil)
	if r.status != 200 {
		c.e.t.Fatalf("GET /policy: %d %s", r.status, r.body)
	}
	return string(r.body)
}

func (c *client) sendYAML(path, doc string, status int, out any) {
	c.e.t.Helper()
	r := c.raw("POST", path, "application/yaml", strings.NewReader(doc))
	if r.status != status {
		c.e.t.Fatalf("POST %s: got %d %s, want %d", path, r.status, r.body, status)
	}
	if err := r.json(out); err != nil {
		c.e.t.Fatal(err)
	}
}

func userChange(r service.PolicyReport, id int64) service.PolicyUserChange {
	for _, u := range r.Users {
		if u.UserID == id {
			return u
		}
	}
	return service.PolicyUserChange{}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
