package server_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestHostileInput sends malformed and malicious requests: each gets a 4xx
// with a machine-readable code (naming the field where there is one), and
// nothing changes.
func TestHostileInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		cust := admin.mkCustomer("Initech")
		before := admin.must("GET", p("/customers/%d", cust), nil, 200, nil).body
		cpath := p("/customers/%d", cust)

		bodies := []struct {
			name, method, path, body string
			status                   int
			code, field              string
		}{
			{"wrong type", "PATCH", cpath, `{"name": 42}`, 400, "invalid_type", "name"},
			{"wrong type in list", "POST", "/groups", `{"name":"g","members":["1"]}`, 400, "invalid_type", "members"},
			{"unknown field", "PATCH", cpath, `{"nmae": "x"}`, 400, "unknown_field", "nmae"},
			{"owner not settable", "PATCH", cpath, `{"owner_id": 1}`, 400, "field_read_only", "owner_id"},
			{"tenant not settable", "POST", "/customers", `{"name":"x","tenant_id": 2}`, 400, "field_read_only", "tenant_id"},
			{"timestamps not settable", "PATCH", cpath, `{"created_at": "2020-01-01T00:00:00Z"}`, 400, "field_read_only", "created_at"},
			{"duplicate key", "PATCH", cpath, `{"name":"a","name":"b"}`, 400, "duplicate_field", "name"},
			{"not an object", "PATCH", cpath, `["name"]`, 400, "invalid_json", ""},
			{"trailing data", "PATCH", cpath, `{"name":"a"} {"name":"b"}`, 400, "invalid_json", ""},
			{"truncated", "PATCH", cpath, `{"name":"a"`, 400, "invalid_json", ""},
			{"empty", "POST", "/customers", ``, 400, "invalid_json", ""},
			{"null", "POST", "/customers", `null`, 400, "invalid_json", ""},
			{"control characters", "PATCH", cpath, `{"name":"Evil\u0000Corp"}`, 400, "invalid_characters", "name"},
			{"RTL override", "PATCH", cpath, `{"name":"Evil\u202eproC"}`, 400, "invalid_characters", "name"},
			{"newline in a name", "POST", "/customers", `{"name":"a\nb"}`, 400, "invalid_characters", "name"},
			{"blank name", "POST", "/customers", `{"name":"   "}`, 400, "field_required", "name"},
			{"too long", "PATCH", cpath, `{"name":"` + strings.Repeat("x", 201) + `"}`, 400, "too_long", "name"},
			{"invalid utf-8", "PATCH", cpath, "{\"name\":\"\xff\xfe\"}", 400, "", ""},
			{"bad enum", "PATCH", cpath, `{"level":"Z"}`, 400, "invalid_value", "level"},
			{"bad email", "PATCH", cpath, `{"email":"not-an-email"}`, 400, "invalid_email", "email"},
			{"bad phone", "PATCH", cpath, `{"phone":"call me"}`, 400, "invalid_phone", "phone"},
			{"bad money", "POST", cpath + "/deals", `{"name":"d","amount":"1e9"}`, 400, "invalid_amount", "amount"},
			{"float money", "POST", cpath + "/deals", `{"name":"d","amount":12.5}`, 400, "invalid_type", "amount"},
			{"bad time", "POST", cpath + "/activities", `{"type":"call","occurred_at":"yesterday"}`, 400, "invalid_value", "occurred_at"},
			{"huge number", "POST", "/departments", `{"name":"d","parent_id":1e400}`, 400, "", "parent_id"},
			{"bad role scope", "POST", "/roles", `{"key":"hax","name":"Hax","permissions":[{"object":"customer","action":"view","scope":"universe"}]}`, 400, "invalid_value", "permissions[0].scope"},
			{"SQL in role key", "POST", "/roles", `{"key":"x'; DROP TABLE customers;--","name":"Hax"}`, 400, "invalid_key", "key"},
		}
		for _, b := range bodies {
			r := admin.do(b.method, b.path, b.body)
			if r.status != b.status || (b.code != "" && r.errCode() != b.code) || (b.field != "" && r.errField() != b.field) || r.errCode() == "" {
				t.Errorf("%s: got %d %s, want %d %s (field %q)", b.name, r.status, r.body, b.status, b.code, b.field)
			}
		}

		// A 10 MB body is refused before it is read whole.
		big := `{"name":"` + strings.Repeat("A", 10<<20) + `"}`
		if r := admin.do("PATCH", cpath, big); r.status != 413 || r.errCode() != "body_too_large" {
			t.Errorf("10 MB body: got %d %.200s", r.status, r.body)
		}
		if r := admin.raw("PATCH", cpath, "text/plain", strings.NewReader(`{"name":"x"}`)); r.status != 400 {
			t.Errorf("wrong content type: got %d", r.status)
		}

		queries := []struct{ query, field string }{
			{"sort=name;DROP TABLE customers", ""},
			{"sort=" + url.QueryEscape("name; DROP TABLE customers"), "sort"},
			{"sort=" + url.QueryEscape("(SELECT 1)"), "sort"},
			{"sort=phone", "sort"},
			{"industry=" + url.QueryEscape("x' OR '1'='1"), ""},
			{"owner_id=" + url.QueryEscape("1 OR 1=1"), "owner_id"},
			{"tenant_id=2", "tenant_id"},
			{"password_hash=x", "password_hash"},
			{"limit=0", "limit"},
			{"limit=100000", "limit"},
			{"limit=abc", "limit"},
			{"cursor=" + url.QueryEscape("'; DROP TABLE x"), "cursor"},
			{"q=a&q=b", "q"},
			{"q=" + url.QueryEscape("\u202e"), "q"},
		}
		for _, q := range queries {
			r := admin.do("GET", "/customers?"+q.query, nil)
			ok := r.status == 400 && (q.field == "" || r.errField() == q.field)
			if q.query == "industry="+url.QueryEscape("x' OR '1'='1") {
				// A quote in a filter value is just a value: no match, no error.
				var l struct{ Items []idOnly }
				ok = r.status == 200 && r.json(&l) == nil && len(l.Items) == 0
			}
			if !ok {
				t.Errorf("GET /customers?%s: got %d %s", q.query, r.status, r.body)
			}
		}
		for _, path := range []string{"/customers/abc", "/customers/-1", "/customers/0", "/customers/99999999999999999999", "/contacts/1.5"} {
			if r := admin.do("GET", path, nil); r.status != 400 || r.errCode() != "invalid_id" {
				t.Errorf("GET %s: got %d %s", path, r.status, r.body)
			}
		}
		if r := admin.do("GET", "/no-such-thing", nil); r.status != 404 {
			t.Errorf("unknown route: got %d", r.status)
		}

		// Nothing changed.
		after := admin.must("GET", cpath, nil, 200, nil).body
		if !bytes.Equal(before, after) {
			t.Errorf("customer changed:\nbefore %s\nafter  %s", before, after)
		}
		var cnt struct{ Count int64 }
		admin.must("GET", "/customers/count", nil, 200, &cnt)
		if cnt.Count != 1 {
			t.Errorf("%d customers after hostile requests, want 1", cnt.Count)
		}
		var roles struct{ Items []idOnly }
		admin.must("GET", "/roles", nil, 200, &roles)
		if len(roles.Items) != 11 {
			t.Errorf("%d roles after hostile requests, want the 11 presets", len(roles.Items))
		}
	})
}
