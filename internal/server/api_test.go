package server_test

import (
	"bytes"
	"testing"

	"steward/internal/store"
	"steward/internal/store/storetest"
)

func TestSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		anon := &client{e: e}

		// Every failed sign-in looks the same, whatever was wrong.
		var bodies [][]byte
		for _, in := range []map[string]string{
			{"tenant": "acme", "email": "admin@acme.example", "password": "wrong-password-but-long"},
			{"tenant": "acme", "email": "nobody@acme.example", "password": pw},
			{"tenant": "nope", "email": "admin@acme.example", "password": pw},
		} {
			r := anon.do("POST", "/auth/login", in)
			if r.status != 401 || r.errCode() != "invalid_credentials" {
				t.Fatalf("login %v: got %d %s, want 401 invalid_credentials", in, r.status, r.body)
			}
			bodies = append(bodies, r.body)
		}
		if !bytes.Equal(bodies[0], bodies[1]) || !bytes.Equal(bodies[1], bodies[2]) {
			t.Errorf("failed sign-ins differ: %s / %s / %s", bodies[0], bodies[1], bodies[2])
		}

		var me struct {
			User struct {
				Email string   `json:"email"`
				Roles []string `json:"roles"`
			} `json:"user"`
			Functions []string `json:"functions"`
		}
		admin.must("GET", "/me", nil, 200, &me)
		if me.User.Email != "admin@acme.example" || len(me.User.Roles) != 1 || me.User.Roles[0] != "administrator" || len(me.Functions) == 0 {
			t.Errorf("me: got %+v", me)
		}
		if r := anon.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("me without a token: got %d, want 401", r.status)
		}
		admin.must("POST", "/auth/logout", nil, 204, nil)
		if r := admin.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("me after logout: got %d, want 401", r.status)
		}
	})
}

func TestOrgAndCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		root := admin.rootDept()
		sales := admin.mkDept("Sales", root)
		east := admin.mkDept("East", sales)

		// A move under its own subtree is refused and changes nothing.
		if r := admin.do("PATCH", p("/departments/%d", sales), map[string]any{"parent_id": east}); r.status != 400 || r.errCode() != "department_cycle" {
			t.Fatalf("cycle move: got %d %s", r.status, r.body)
		}
		var d struct {
			ParentID int64   `json:"parent_id"`
			Path     []int64 `json:"path"`
		}
		admin.must("GET", p("/departments/%d", east), nil, 200, &d)
		if d.ParentID != sales || len(d.Path) != 3 {
			t.Fatalf("east after refused move: %+v", d)
		}

		mgr := admin.mkUser("mgr@acme.example", sales, 0, "sales_manager")
		rep := admin.mkUser("rep@acme.example", east, mgr, "sales_rep")
		// A manager cycle is refused.
		if r := admin.do("PATCH", p("/users/%d", mgr), map[string]any{"manager_id": rep}); r.status != 400 || r.errCode() != "manager_cycle" {
			t.Fatalf("manager cycle: got %d %s", r.status, r.body)
		}
		// E-mail is unique per tenant.
		if r := admin.do("POST", "/users", map[string]any{"email": "REP@acme.example", "name": "Dup", "password": pw, "department_id": east}); r.status != 409 || r.errCode() != "email_taken" {
			t.Fatalf("duplicate e-mail: got %d %s", r.status, r.body)
		}

		rc := e.login("acme", "rep@acme.example", pw)
		cust := rc.mkCustomer("Globex")
		var c struct {
			ID             int64  `json:"id"`
			Name           string `json:"name"`
			OwnerID        int64  `json:"owner_id"`
			OwnerDeptID    int64  `json:"owner_department_id"`
			LastActivityAt string `json:"last_activity_at"`
		}
		rc.must("GET", p("/customers/%d", cust), nil, 200, &c)
		if c.OwnerID != rep || c.OwnerDeptID != east {
			t.Fatalf("new customer: owner %d dept %d, want %d %d", c.OwnerID, c.OwnerDeptID, rep, east)
		}
		rc.must("PATCH", p("/customers/%d", cust), map[string]any{"name": "Globex Corp", "region": "East"}, 200, &c)
		if c.Name != "Globex Corp" {
			t.Fatalf("patched name: %q", c.Name)
		}

		var ct idOnly
		rc.must("POST", p("/customers/%d/contacts", cust), map[string]any{"name": "Hank", "email": "hank@globex.example"}, 201, &ct)
		var dl struct {
			ID     int64  `json:"id"`
			Amount string `json:"amount"`
			Stage  string `json:"stage"`
		}
		rc.must("POST", p("/customers/%d/deals", cust), map[string]any{"name": "Renewal", "amount": "12345.5", "currency": "CNY"}, 201, &dl)
		if dl.Amount != "12345.50" || dl.Stage != "lead" {
			t.Fatalf("deal: %+v", dl)
		}
		var ac idOnly
		rc.must("POST", p("/customers/%d/activities", cust), map[string]any{"type": "call", "note": "Intro call", "occurred_at": "2030-01-01T00:00:00Z"}, 400, nil)
		rc.must("POST", p("/customers/%d/activities", cust), map[string]any{"type": "call", "note": "Intro call"}, 201, &ac)
		rc.must("GET", p("/contacts/%d", ct.ID), nil, 200, nil)
		rc.must("PATCH", p("/deals/%d", dl.ID), map[string]any{"stage": "won"}, 200, nil)
		var lists struct {
			Items []idOnly `json:"items"`
		}
		for _, kind := range []string{"contacts", "deals", "activities"} {
			rc.must("GET", p("/customers/%d/%s", cust, kind), nil, 200, &lists)
			if len(lists.Items) != 1 {
				t.Errorf("%s: got %d items, want 1", kind, len(lists.Items))
			}
		}

		// The manager sees the rep's customer through the department tree; the rep cannot delete it.
		mc := e.login("acme", "mgr@acme.example", pw)
		mc.must("GET", p("/customers/%d", cust), nil, 200, nil)
		if r := rc.do("DELETE", p("/customers/%d", cust), nil); r.status != 403 {
			t.Fatalf("rep deletes customer: got %d, want 403", r.status)
		}
		// Moving the rep to another department takes the rep's customers along.
		west := admin.mkDept("West", root)
		admin.must("PATCH", p("/users/%d", rep), map[string]any{"department_id": west}, 200, nil)
		rc.must("GET", p("/customers/%d", cust), nil, 200, &c)
		if c.OwnerDeptID != west {
			t.Fatalf("owner department after move: %d, want %d", c.OwnerDeptID, west)
		}
		if r := mc.do("GET", p("/customers/%d", cust), nil); r.status != 404 {
			t.Fatalf("manager after rep moved out: got %d, want 404", r.status)
		}
		// Transfer to the manager: owner department follows the new owner.
		admin.must("POST", p("/customers/%d/transfer", cust), map[string]any{"owner_id": mgr}, 200, &c)
		if c.OwnerID != mgr || c.OwnerDeptID != sales {
			t.Fatalf("after transfer: owner %d dept %d", c.OwnerID, c.OwnerDeptID)
		}
		admin.must("DELETE", p("/contacts/%d", ct.ID), nil, 204, nil)
		admin.must("DELETE", p("/customers/%d", cust), nil, 204, nil)
		if r := admin.do("GET", p("/deals/%d", dl.ID), nil); r.status != 404 {
			t.Fatalf("deal after its customer was deleted: got %d", r.status)
		}
	})
}

func TestPagingAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		for i := 0; i < 25; i++ {
			admin.mkCustomer(p("Company %02d", i))
		}
		seen := map[int64]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			var page struct {
				Items []struct {
					ID   int64  `json:"id"`
					Name string `json:"name"`
				} `json:"items"`
				NextCursor *string `json:"next_cursor"`
			}
			path := "/customers?limit=10&sort=name"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			admin.must("GET", path, nil, 200, &page)
			for i, it := range page.Items {
				if seen[it.ID] {
					t.Fatalf("customer %d on two pages", it.ID)
				}
				seen[it.ID] = true
				if want := p("Company %02d", pages*10+i); it.Name != want {
					t.Fatalf("page %d item %d: %q, want %q", pages, i, it.Name, want)
				}
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		if len(seen) != 25 {
			t.Fatalf("paged through %d customers, want 25", len(seen))
		}
		var cnt struct{ Count int64 }
		admin.must("GET", "/customers/count?q=company%201", nil, 200, &cnt)
		if cnt.Count != 10 {
			t.Fatalf("count q=company 1: %d, want 10", cnt.Count)
		}
		// A cursor from another sort order is refused.
		if r := admin.do("GET", "/customers?sort=-created_at&cursor="+cursor, nil); r.status != 400 && cursor != "" {
			t.Fatalf("foreign cursor: got %d", r.status)
		}
		// LIKE wildcards in q are literal.
		admin.must("GET", "/customers/count?q=%25", nil, 200, &cnt)
		if cnt.Count != 0 {
			t.Fatalf("q=%%: %d matches, want 0", cnt.Count)
		}
	})
}

// A role change takes effect on the very next request.
func TestRoleChangesApplyOnNextRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		root := admin.rootDept()
		admin.mkCustomer("Admin's own")
		admin.mkUser("rep@acme.example", root, 0, "sales_rep")
		rc := e.login("acme", "rep@acme.example", pw)
		var cnt struct{ Count int64 }
		rc.must("GET", "/customers/count", nil, 200, &cnt)
		if cnt.Count != 0 {
			t.Fatalf("rep sees %d customers before, want 0", cnt.Count)
		}
		admin.must("PATCH", "/roles/sales_rep", map[string]any{"permissions": []map[string]string{
			{"object": "customer", "action": "view", "scope": "all"},
		}}, 200, nil)
		rc.must("GET", "/customers/count", nil, 200, &cnt)
		if cnt.Count != 1 {
			t.Fatalf("rep sees %d customers after the role change, want 1", cnt.Count)
		}
		// An expired role assignment never counts.
		var users struct {
			Items []struct {
				ID    int64  `json:"id"`
				Email string `json:"email"`
			} `json:"items"`
		}
		admin.must("GET", "/users?q=rep", nil, 200, &users)
		rid := users.Items[0].ID
		admin.must("DELETE", p("/users/%d/roles/sales_rep", rid), nil, 204, nil)
		rc.must("GET", "/customers/count", nil, 200, &cnt)
		if cnt.Count != 0 {
			t.Fatalf("rep sees %d customers after losing the role, want 0", cnt.Count)
		}
		if r := admin.do("POST", p("/users/%d/roles", rid), map[string]any{"role": "auditor", "expires_at": "2001-01-01T00:00:00Z"}); r.status != 400 {
			t.Fatalf("grant expiring in the past: got %d", r.status)
		}
		admin.must("POST", p("/users/%d/roles", rid), map[string]any{"role": "auditor", "expires_at": "2999-01-01T00:00:00Z", "reason": "quarter-end audit"}, 201, nil)
		rc.must("GET", "/customers/count", nil, 200, &cnt)
		if cnt.Count != 1 {
			t.Fatalf("rep with a temporary auditor role sees %d, want 1", cnt.Count)
		}
	})
}
