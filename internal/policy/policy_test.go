package policy_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/policy"
)

func example(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCanonicalRoundTrip holds the canonical form to a fixed point: the
// YAML of a parsed document parses to the same policy and writes the same
// bytes again, and its JSON form parses to the same policy too.
func TestCanonicalRoundTrip(t *testing.T) {
	d, err := policy.Parse(example(t))
	if err != nil {
		t.Fatalf("parse the example: %v", err)
	}
	first := d.YAML()
	again, err := policy.Parse(first)
	if err != nil {
		t.Fatalf("parse the canonical form: %v\n%s", err, first)
	}
	if second := again.YAML(); string(second) != string(first) {
		t.Fatalf("the canonical form is not stable:\nfirst\n%s\nsecond\n%s", first, second)
	}
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := policy.Parse(js)
	if err != nil {
		t.Fatalf("parse the JSON form: %v\n%s", err, js)
	}
	if got := fromJSON.YAML(); string(got) != string(first) {
		t.Fatalf("the JSON form reads differently:\n%s\nwant\n%s", got, first)
	}
	if !strings.Contains(string(first), "customer: {view: own, create: own, edit: own, transfer: own, share: own}") {
		t.Errorf("a matrix row is not one line in the canonical order:\n%s", first)
	}
	if strings.Contains(string(first), "export: none") {
		t.Errorf("a cell of scope none is written:\n%s", first)
	}
}

// TestParseRefusals: every malformed document is a 400 naming the path of
// the value concerned.
func TestParseRefusals(t *testing.T) {
	base := string(example(t))
	cases := []struct {
		name, doc, code, field string
	}{
		{"unknown top-level key", "version: 1\nrolez: []\n", "unknown_field", "rolez"},
		{"unknown role key", strings.Replace(base, "name: Marketing", "name: Marketing\n    colour: red", 1), "unknown_field", "roles[1].colour"},
		{"unknown object", strings.Replace(base, "      deal: {view: own, create: own, edit: own}", "      dael: {view: own}", 1), "invalid_value", "roles[0].permissions.dael"},
		{"unknown action", strings.Replace(base, "customer: {view: all}", "customer: {peek: all}", 1), "invalid_value", "roles[1].permissions.customer.peek"},
		{"unknown scope", strings.Replace(base, "customer: {view: own, export: none}", "customer: {view: everyone}", 1), "invalid_value", "roles[2].permissions.customer.view"},
		{"scope of the wrong type", strings.Replace(base, "customer: {view: own, export: none}", "customer: {view: [own]}", 1), "invalid_type", "roles[2].permissions.customer.view"},
		{"unknown function", strings.Replace(base, "functions: []", "functions: [fly]", 1), "invalid_value", "roles[0].functions[0]"},
		{"number for a string", strings.Replace(base, "value: East", "value: 10", 1), "invalid_type", "sharing_rules[0].criteria.all[0].value"},
		{"string for a number", strings.Replace(base, "holding_cap: 20", "holding_cap: twenty", 1), "invalid_type", "pools[0].holding_cap"},
		{"list for a mapping", strings.Replace(base, "principal: {group: 3}", "principal: [3]", 1), "invalid_type", "sharing_rules[0].principal"},
		{"two principals", strings.Replace(base, "principal: {group: 3}", "principal: {group: 3, user: 4}", 1), "invalid_value", "sharing_rules[0].principal"},
		{"bad criteria", strings.Replace(base, "op: equals, value: East", "op: like, value: East", 1), "invalid_value", "sharing_rules[0].criteria[0].op"},
		{"duplicate key", strings.Replace(base, "name: Marketing", "name: Marketing\n    name: Sales", 1), "duplicate_field", "roles[1].name"},
		{"duplicate role", strings.Replace(base, "key: intern", "key: marketing", 1), "duplicate", "roles[2].key"},
		{"missing name", strings.Replace(base, "    name: Intern\n", "", 1), "field_required", "roles[2].name"},
		{"null section", "version: 1\nroles:\n", "invalid_type", "roles"},
		{"wrong version", strings.Replace(base, "version: 1", "version: 2", 1), "invalid_value", "version"},
		{"no version", "roles: []\n", "field_required", "version"},
		{"reveal without masked", strings.Replace(base, "reveal:\n      contact: [email]", "reveal:\n      customer: [name]", 1), "invalid_value", "roles[1].reveal.customer[0]"},
		{"bad holding", strings.Replace(base, "customer.export, ", "customer.peek, ", 1), "invalid_value", "sod_rules[0].holdings[0]"},
		{"alias", "version: 1\nroles: &r []\npools: *r\n", "invalid_yaml", "pools"},
		{"not a mapping", "- 1\n", "invalid_yaml", ""},
		{"two documents", "version: 1\n---\nversion: 1\n", "invalid_yaml", ""},
		{"not yaml", "version: [1\n", "invalid_yaml", ""},
		{"empty", "", "invalid_yaml", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := policy.Parse([]byte(c.doc))
			e := errs.As(err)
			if err == nil || e.Kind != errs.Invalid || e.Code != c.code || e.Field != c.field {
				t.Fatalf("got %v (kind %d), want code %s at %q", err, e.Kind, c.code, c.field)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	cur, err := policy.Parse(example(t))
	if err != nil {
		t.Fatal(err)
	}
	(*cur.Roles)[0].Preset = true
	want, err := policy.Parse(example(t))
	if err != nil {
		t.Fatal(err)
	}
	if p := policy.Diff(cur, want); !p.Empty() {
		t.Fatalf("a document against itself: got %+v, want no change", p)
	}
	roles := (*want.Roles)[1:] // sales_rep, a preset, left out: kept
	roles[0].Permissions[access.Customer][access.Export] = access.All
	roles = roles[:1] // intern left out: deleted
	roles = append(roles, policy.Role{Key: "trainee", Name: "Trainee"})
	want.Roles = &roles
	want.Pools = nil // left out: unchanged
	p := policy.Diff(cur, want)
	got, _ := json.Marshal(p.Roles)
	wantPlan := `[{"name":"intern","change":"delete","details":[]},` +
		`{"name":"marketing","change":"update","details":["permissions.customer.export: none → all"]},` +
		`{"name":"trainee","change":"create","details":["name: \"Trainee\""]}]`
	if string(got) != wantPlan {
		t.Errorf("roles plan:\ngot  %s\nwant %s", got, wantPlan)
	}
	if len(p.Pools) != 0 || len(p.SharingRules) != 0 {
		t.Errorf("sections left alone changed: %+v", p)
	}
	if p.Roles[1].Path != "roles[0]" || p.Roles[2].Path != "roles[1]" {
		t.Errorf("paths: got %q and %q, want the items' places in the document", p.Roles[1].Path, p.Roles[2].Path)
	}
}
