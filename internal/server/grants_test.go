package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"steward/internal/store"
	"steward/internal/store/storetest"
)

// salesOrg builds: company → East (rep a, rep b, manager m); West (rep w).
type salesOrg struct {
	admin, a, b, m, w *client
	east, west        int64
	ids               map[string]int64
}

func newSalesOrg(e *env) salesOrg {
	admin := e.tenant("acme")
	root := admin.rootDept()
	o := salesOrg{admin: admin, ids: map[string]int64{}}
	o.east, o.west = admin.mkDept("East", root), admin.mkDept("West", root)
	o.ids["m"] = admin.mkUser("m@acme.example", o.east, 0, "sales_manager")
	o.ids["a"] = admin.mkUser("a@acme.example", o.east, o.ids["m"], "sales_rep")
	o.ids["b"] = admin.mkUser("b@acme.example", o.east, o.ids["m"], "sales_rep")
	o.ids["w"] = admin.mkUser("w@acme.example", o.west, 0, "sales_rep")
	o.a, o.b = e.login("acme", "a@acme.example", pw), e.login("acme", "b@acme.example", pw)
	o.m, o.w = e.login("acme", "m@acme.example", pw), e.login("acme", "w@acme.example", pw)
	return o
}

// relogin signs everyone in again, after the clock jumped past the idle
// limit of their sessions.
func (o *salesOrg) relogin(e *env) {
	o.admin = e.login("acme", "admin@acme.example", pw)
	o.a, o.b = e.login("acme", "a@acme.example", pw), e.login("acme", "b@acme.example", pw)
	o.m, o.w = e.login("acme", "m@acme.example", pw), e.login("acme", "w@acme.example", pw)
}

func TestSharesAndTeams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		cust := o.a.mkCustomer("Globex")
		cpath := p("/customers/%d", cust)

		if r := o.w.do("GET", cpath, nil); r.status != 404 {
			t.Fatalf("w before any share: %d", r.status)
		}
		// A shares read access with W, with a reason and an expiry.
		var share idOnly
		o.a.must("POST", cpath+"/shares", map[string]any{"principal": map[string]any{"type": "user", "id": o.ids["w"]},
			"level": "read", "reason": "joint bid", "expires_at": e.clock.Add(time.Hour).Format(time.RFC3339)}, 201, &share)
		o.w.must("GET", cpath, nil, 200, nil)
		o.w.must("GET", cpath+"/contacts", nil, 200, nil)
		if r := o.w.do("PATCH", cpath, map[string]any{"name": "x"}); r.status != 403 {
			t.Errorf("w edits with a read share: %d", r.status)
		}
		// Sharing comes only from role scope: W cannot pass it on.
		if r := o.w.do("POST", cpath+"/shares", map[string]any{"principal": map[string]any{"type": "user", "id": o.ids["b"]}, "level": "read"}); r.status != 403 {
			t.Errorf("w re-shares: %d %s", r.status, r.body)
		}
		// The share expires: W loses access on the next request, though the row is still there.
		e.advance(2 * time.Hour)
		o.relogin(e) // sessions end after 30 idle minutes
		if r := o.w.do("GET", cpath, nil); r.status != 404 {
			t.Errorf("w after the share expired: %d", r.status)
		}
		var shares struct{ Items []idOnly }
		o.a.must("GET", cpath+"/shares", nil, 200, &shares)
		if len(shares.Items) != 1 {
			t.Errorf("expired share not listed for review: %d", len(shares.Items))
		}
		o.a.must("DELETE", p("%s/shares/%d", cpath, share.ID), nil, 204, nil)

		// Team membership at edit: B may edit and add contacts, never delete or transfer.
		o.a.must("POST", cpath+"/team", map[string]any{"user_id": o.ids["b"], "level": "edit", "reason": "covering holidays"}, 201, nil)
		o.b.must("PATCH", cpath, map[string]any{"region": "East"}, 200, nil)
		o.b.must("POST", cpath+"/contacts", map[string]any{"name": "Hank"}, 201, nil)
		for _, req := range []struct{ method, path string }{{"DELETE", cpath}, {"POST", cpath + "/transfer"}} {
			if r := o.b.do(req.method, req.path, map[string]any{"owner_id": o.ids["b"]}); r.status != 403 {
				t.Errorf("team member %s %s: %d", req.method, req.path, r.status)
			}
		}
		// Department share with sub-departments: everyone in West sees it.
		o.a.must("POST", cpath+"/shares", map[string]any{"principal": map[string]any{"type": "department", "id": o.west}, "level": "read"}, 201, nil)
		o.w.must("GET", cpath, nil, 200, nil)
		// Nobody shares more than they hold: W (read via the share) cannot grant edit, and shares to another tenant's ids fail.
		if r := o.a.do("POST", cpath+"/shares", map[string]any{"principal": map[string]any{"type": "group", "id": 999999}, "level": "read"}); r.status != 400 {
			t.Errorf("share to a missing group: %d", r.status)
		}
		o.a.must("DELETE", p("%s/team/%d", cpath, o.ids["b"]), nil, 204, nil)
		if r := o.b.do("GET", cpath, nil); r.status != 404 {
			t.Errorf("b after leaving the team: %d", r.status)
		}
	})
}

func TestRulesAndRestrictions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		vip := o.a.mkCustomer("VIP Bank")
		plain := o.a.mkCustomer("Corner Shop")
		o.a.must("PATCH", p("/customers/%d", vip), map[string]any{"region": "East"}, 200, nil)

		var cnt struct{ Count int64 }
		o.w.must("GET", "/customers/count", nil, 200, &cnt)
		if cnt.Count != 0 {
			t.Fatalf("w sees %d before the rule", cnt.Count)
		}
		var rule idOnly
		o.admin.must("POST", "/sharing-rules", map[string]any{"name": "East A to West", "level": "read",
			"principal": map[string]any{"type": "department", "id": o.west},
			"criteria":  map[string]any{"all": []any{map[string]any{"field": "region", "op": "equals", "value": "East"}, map[string]any{"field": "level", "op": "equals", "value": "A"}}}}, 201, &rule)
		o.w.must("GET", "/customers/count", nil, 200, &cnt)
		if cnt.Count != 2-1 {
			t.Fatalf("w sees %d with the rule, want 1", cnt.Count)
		}
		// The record stops matching: it stops being shared.
		o.a.must("PATCH", p("/customers/%d", vip), map[string]any{"level": "B"}, 200, nil)
		if r := o.w.do("GET", p("/customers/%d", vip), nil); r.status != 404 {
			t.Errorf("w after the record stopped matching: %d", r.status)
		}
		o.a.must("PATCH", p("/customers/%d", vip), map[string]any{"level": "A"}, 200, nil)

		// A restriction wins over role scope and the rule, for the manager too.
		o.m.must("GET", p("/customers/%d", vip), nil, 200, nil)
		var deny idOnly
		o.admin.must("POST", "/restriction-rules", map[string]any{"name": "VIP accounts", "reason": "regulator request",
			"criteria":   map[string]any{"field": "name", "op": "prefix", "value": "VIP"},
			"principals": []any{map[string]any{"type": "user", "id": o.ids["m"]}, map[string]any{"type": "department", "id": o.west}}}, 201, &deny)
		for _, c := range []*client{o.m, o.w} {
			if r := c.do("GET", p("/customers/%d", vip), nil); r.status != 404 {
				t.Errorf("restricted user sees the VIP: %d", r.status)
			}
		}
		o.m.must("GET", p("/customers/%d", plain), nil, 200, nil)
		o.m.must("GET", "/customers/count", nil, 200, &cnt)
		if cnt.Count != 1 {
			t.Errorf("manager counts %d with the restriction, want 1", cnt.Count)
		}
		// The explanation shows the restriction.
		var ex struct {
			Decisions []struct {
				Object, Action string
				Allowed        bool
				Restrictions   []struct{ Fact string }
				Reasons        []struct{ Source string }
			}
		}
		o.admin.must("GET", p("/customers/%d/access?user_id=", vip)+p("%d", o.ids["m"]), nil, 200, &ex)
		if len(ex.Decisions) != 32 {
			t.Fatalf("%d decisions, want 4 objects × 8 actions", len(ex.Decisions))
		}
		view := ex.Decisions[0]
		if view.Object != "customer" || view.Action != "view" || view.Allowed || len(view.Restrictions) != 1 || len(view.Reasons) == 0 ||
			!strings.Contains(view.Restrictions[0].Fact, "VIP accounts") {
			t.Errorf("explanation of the restricted view: %+v", view)
		}
		// Reps may explain only themselves.
		if r := o.a.do("GET", p("/customers/%d/access?user_id=", vip)+p("%d", o.ids["m"]), nil); r.status != 403 {
			t.Errorf("rep explains another user: %d", r.status)
		}
		o.a.must("GET", p("/customers/%d/access", vip), nil, 200, &ex)
		if !ex.Decisions[0].Allowed || ex.Decisions[0].Reasons[0].Source != "role" {
			t.Errorf("a's own explanation: %+v", ex.Decisions[0])
		}
		if r := o.w.do("GET", p("/customers/%d/access", vip), nil); r.status != 404 {
			t.Errorf("w explains a customer it cannot see: %d", r.status)
		}
		var ep struct {
			Matrix       map[string][]string
			Restrictions []int64
		}
		o.admin.must("GET", p("/users/%d/effective-permissions", o.ids["m"]), nil, 200, &ep)
		if len(ep.Restrictions) != 1 || len(ep.Matrix["customer.view"]) == 0 {
			t.Errorf("effective permissions: %+v", ep)
		}
		o.admin.must("DELETE", p("/restriction-rules/%d", deny.ID), nil, 204, nil)
		o.m.must("GET", p("/customers/%d", vip), nil, 200, nil)
	})
}

func TestPools(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		var pool idOnly
		o.admin.must("POST", "/pools", map[string]any{"name": "East pool", "departments": []int64{o.east}, "holding_cap": 1, "cooldown_days": 3, "auto_return_days": 30}, 201, &pool)
		c1, c2 := o.a.mkCustomer("Lead One"), o.a.mkCustomer("Lead Two")
		o.a.must("POST", p("/customers/%d/contacts", c1), map[string]any{"name": "Ann", "phone": "13912345678", "email": "ann@lead.example"}, 201, nil)
		if r := o.a.do("POST", p("/customers/%d/return", c1), map[string]any{"pool_id": pool.ID}); r.status != 400 || r.errField() != "reason" {
			t.Fatalf("return without a reason: %d %s", r.status, r.body)
		}
		for _, c := range []int64{c1, c2} {
			o.a.must("POST", p("/customers/%d/return", c), map[string]any{"reason": "no budget", "pool_id": pool.ID}, 200, nil)
		}
		// B (East) sees the pool with contact details masked; W (West) does not.
		var got struct {
			Phone   string `json:"phone"`
			OwnerID *int64 `json:"owner_id"`
			Items   []struct{ Phone, Email string }
		}
		o.a.must("PATCH", p("/customers/%d", c1), map[string]any{"phone": "13812345678"}, 403, nil) // a pool viewer now, not the owner
		o.b.must("GET", p("/customers/%d", c1), nil, 200, &got)
		var contacts struct {
			Items []struct{ Phone, Email string }
		}
		o.b.must("GET", p("/customers/%d/contacts", c1), nil, 200, &contacts)
		if len(contacts.Items) != 1 || contacts.Items[0].Phone != "139****5678" || contacts.Items[0].Email != "a***@lead.example" {
			t.Errorf("pool viewer sees contacts %+v, want masked", contacts.Items)
		}
		if r := o.w.do("GET", p("/pools/%d/customers", pool.ID), nil); r.status != 404 {
			t.Errorf("w lists another department's pool: %d", r.status)
		}
		o.b.must("GET", p("/pools/%d/customers", pool.ID), nil, 200, &got)
		if len(got.Items) != 2 {
			t.Errorf("pool lists %d customers, want 2", len(got.Items))
		}
		// B claims one; the holding cap (1) stops a second claim.
		var claimed struct {
			OwnerID int64 `json:"owner_id"`
		}
		o.b.must("POST", p("/pools/%d/claim", pool.ID), map[string]any{"customer_id": c1}, 200, &claimed)
		if claimed.OwnerID != o.ids["b"] {
			t.Errorf("claimed customer owner %d", claimed.OwnerID)
		}
		o.b.must("GET", p("/customers/%d/contacts", c1), nil, 200, &contacts)
		if contacts.Items[0].Phone != "13912345678" {
			t.Errorf("owner sees phone %q, want it unmasked", contacts.Items[0].Phone)
		}
		if r := o.b.do("POST", p("/pools/%d/claim", pool.ID), map[string]any{"customer_id": c2}); r.status != 409 || r.errCode() != "holding_cap_reached" {
			t.Errorf("claim over the cap: %d %s", r.status, r.body)
		}
		if r := o.m.do("POST", p("/pools/%d/claim", pool.ID), map[string]any{"customer_id": c1}); r.status != 409 || r.errCode() != "already_claimed" {
			t.Errorf("claim of a claimed customer: %d %s", r.status, r.body)
		}
		// A returned c2 and must wait out the cool-down before claiming it back.
		if r := o.a.do("POST", p("/pools/%d/claim", pool.ID), map[string]any{"customer_id": c2}); r.status != 409 || r.errCode() != "claim_cooldown" {
			t.Errorf("re-claim inside the cool-down: %d %s", r.status, r.body)
		}
		e.advance(4 * 24 * time.Hour)
		o.relogin(e) // sessions last 12 hours, 30 minutes idle
		o.a.must("POST", p("/pools/%d/claim", pool.ID), map[string]any{"customer_id": c2}, 200, nil)

		// Without a follow-up for 30 days, claimed customers go back by themselves.
		e.advance(31 * 24 * time.Hour)
		n, err := e.svc.ReturnIdleCustomers(context.Background())
		if err != nil || n != 2 {
			t.Fatalf("auto-return moved %d (%v), want 2", n, err)
		}
		o.b = e.login("acme", "b@acme.example", pw)
		got.OwnerID = nil
		o.b.must("GET", p("/customers/%d", c1), nil, 200, &got)
		if got.OwnerID != nil || got.Phone != "138****5678" && got.Phone != "" {
			t.Errorf("after auto-return: owner %v phone %q", got.OwnerID, got.Phone)
		}
	})
}

// Two server processes on one database: a change through one is in force
// on the very next request to the other.
func TestFreshnessAcrossNodes(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			open := func() *store.DB {
				db, err := store.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				return db
			}
			node1, node2 := start(t, open()), start(t, open())
			admin := node1.tenant("acme")
			admin.mkCustomer("Only admin's")
			admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
			rep := node2.login("acme", "rep@acme.example", pw)
			var cnt struct{ Count int64 }
			rep.must("GET", "/customers/count", nil, 200, &cnt)
			if cnt.Count != 0 {
				t.Fatalf("rep sees %d before", cnt.Count)
			}
			admin.must("PATCH", "/roles/sales_rep", map[string]any{"permissions": []map[string]string{{"object": "customer", "action": "view", "scope": "all"}}}, 200, nil)
			rep.must("GET", "/customers/count", nil, 200, &cnt)
			if cnt.Count != 1 {
				t.Fatalf("rep on node 2 sees %d after the change on node 1, want 1", cnt.Count)
			}
		})
	}
}
