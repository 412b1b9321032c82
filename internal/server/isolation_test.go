package server_test

import (
	"bytes"
	"testing"

	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestOtherUsersRecordsAreInvisible replays every operation on a rep's
// records as a colleague without access and as a user of another tenant:
// each must answer exactly like a record that does not exist, and change
// nothing.
func TestOtherUsersRecordsAreInvisible(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		root := admin.rootDept()
		admin.mkUser("a@acme.example", root, 0, "sales_rep")
		admin.mkUser("b@acme.example", root, 0, "sales_rep")
		other := e.tenant("globex")
		other.mkUser("c@globex.example", other.rootDept(), 0, "administrator")

		a := e.login("acme", "a@acme.example", pw)
		b := e.login("acme", "b@acme.example", pw)
		c := e.login("globex", "c@globex.example", pw)

		cust := a.mkCustomer("A's secret account")
		var ct, dl, ac idOnly
		a.must("POST", p("/customers/%d/contacts", cust), map[string]any{"name": "Ann"}, 201, &ct)
		a.must("POST", p("/customers/%d/deals", cust), map[string]any{"name": "Big deal", "amount": "1.00"}, 201, &dl)
		a.must("POST", p("/customers/%d/activities", cust), map[string]any{"type": "note", "note": "private"}, 201, &ac)

		const missing = 999999999
		ops := []struct{ method, path, missingPath string }{
			{"GET", "/customers/%d", ""},
			{"PATCH", "/customers/%d", ""},
			{"DELETE", "/customers/%d", ""},
			{"POST", "/customers/%d/transfer", ""},
			{"GET", "/customers/%d/contacts", ""},
			{"POST", "/customers/%d/contacts", ""},
			{"GET", "/customers/%d/deals", ""},
			{"POST", "/customers/%d/deals", ""},
			{"GET", "/customers/%d/activities", ""},
			{"POST", "/customers/%d/activities", ""},
			{"GET", "/customers/%d/team", ""},
			{"POST", "/customers/%d/team", ""},
			{"GET", "/customers/%d/shares", ""},
			{"POST", "/customers/%d/shares", ""},
			{"GET", "/customers/%d/access", ""},
			{"GET", "/customers/%d/access-history", ""},
			{"POST", "/customers/%d/return", ""},
		}
		bodies := map[string]any{
			"PATCH /customers/%d": map[string]any{"name": "pwned"}, "POST /customers/%d/transfer": map[string]any{"owner_id": 1},
			"POST /customers/%d/contacts": map[string]any{"name": "x"}, "POST /customers/%d/deals": map[string]any{"name": "x"},
			"POST /customers/%d/activities": map[string]any{"type": "note"},
			"POST /customers/%d/team":       map[string]any{"user_id": 1, "level": "read"},
			"POST /customers/%d/shares":     map[string]any{"principal": map[string]any{"type": "user", "id": 1}, "level": "read"},
			"POST /customers/%d/return":     map[string]any{"reason": "x"},
		}
		children := []struct {
			path string
			id   int64
			body any
		}{{"/contacts/%d", ct.ID, map[string]any{"name": "pwned"}}, {"/deals/%d", dl.ID, map[string]any{"name": "pwned"}}, {"/activities/%d", ac.ID, map[string]any{"note": "pwned"}}}

		for _, who := range []struct {
			name string
			c    *client
		}{{"colleague", b}, {"other tenant", c}} {
			for _, op := range ops {
				body := bodies[op.method+" "+op.path]
				got := who.c.do(op.method, p(op.path, cust), body)
				want := who.c.do(op.method, p(op.path, missing), body)
				if got.status != 404 || !bytes.Equal(got.body, want.body) {
					t.Errorf("%s: %s %s: got %d %s, want 404 %s", who.name, op.method, op.path, got.status, got.body, want.body)
				}
			}
			for _, ch := range children {
				for _, m := range []string{"GET", "PATCH", "DELETE"} {
					var body any
					if m == "PATCH" {
						body = ch.body
					}
					got := who.c.do(m, p(ch.path, ch.id), body)
					want := who.c.do(m, p(ch.path, missing), body)
					if got.status != 404 || !bytes.Equal(got.body, want.body) {
						t.Errorf("%s: %s %s: got %d %s, want 404 %s", who.name, m, ch.path, got.status, got.body, want.body)
					}
				}
			}
			var list struct {
				Items []idOnly `json:"items"`
			}
			who.c.must("GET", "/customers", nil, 200, &list)
			for _, it := range list.Items {
				if it.ID == cust {
					t.Errorf("%s lists A's customer", who.name)
				}
			}
		}

		// Nothing changed: A still has the customer and its children as they were.
		var got struct {
			Name string `json:"name"`
		}
		a.must("GET", p("/customers/%d", cust), nil, 200, &got)
		if got.Name != "A's secret account" {
			t.Fatalf("customer renamed to %q", got.Name)
		}
		for _, kind := range []string{"contacts", "deals", "activities"} {
			var l struct {
				Items []struct {
					Name string `json:"name"`
					Note string `json:"note"`
				} `json:"items"`
			}
			a.must("GET", p("/customers/%d/%s", cust, kind), nil, 200, &l)
			if len(l.Items) != 1 || l.Items[0].Name == "pwned" || l.Items[0].Note == "pwned" {
				t.Errorf("%s changed: %+v", kind, l.Items)
			}
		}
	})
}

// TestForeignIDsInBodies refuses ids of another tenant inside request bodies.
func TestForeignIDsInBodies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		other := e.tenant("globex")
		foreignDept := other.rootDept()
		foreignUser := other.mkUser("x@globex.example", foreignDept, 0)
		root := admin.rootDept()
		cust := admin.mkCustomer("Acme customer")

		cases := []struct {
			method, path string
			body         map[string]any
			field        string
		}{
			{"POST", "/departments", map[string]any{"name": "Spy", "parent_id": foreignDept}, "parent_id"},
			{"POST", "/users", map[string]any{"email": "s@acme.example", "name": "S", "password": pw, "department_id": foreignDept}, "department_id"},
			{"POST", "/users", map[string]any{"email": "s@acme.example", "name": "S", "password": pw, "department_id": root, "manager_id": foreignUser}, "manager_id"},
			{"POST", "/groups", map[string]any{"name": "G", "members": []int64{foreignUser}}, "members[0]"},
			{"POST", p("/customers/%d/transfer", cust), map[string]any{"owner_id": foreignUser}, "owner_id"},
		}
		for _, c := range cases {
			r := admin.do(c.method, c.path, c.body)
			if r.status != 400 || r.errField() != c.field {
				t.Errorf("%s %s with a foreign id: got %d %s, want 400 naming %s", c.method, c.path, r.status, r.body, c.field)
			}
		}
		var users struct {
			Items []idOnly `json:"items"`
		}
		admin.must("GET", "/users", nil, 200, &users)
		if len(users.Items) != 1 {
			t.Errorf("acme has %d users after refused creations, want 1", len(users.Items))
		}
		for _, u := range users.Items {
			if u.ID == foreignUser {
				t.Errorf("acme's user list shows globex's user")
			}
		}
	})
}
