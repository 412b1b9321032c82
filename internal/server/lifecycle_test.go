package server_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// A move made on one node counts on the very next request on another, and
// the preview told beforehand exactly who would lose what.
func TestMoveAcrossNodes(t *testing.T) {
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
			o := newSalesOrg(node1)
			for _, name := range []string{"A1", "A2"} {
				o.a.mkCustomer(name)
			}
			m := node2.login("acme", "m@acme.example", pw)
			var before, after struct{ Count int64 }
			m.must("GET", "/customers/count", nil, 200, &before)

			move := map[string]any{"department_id": o.west, "manager_id": 0, "records": "follow"}
			var preview service.LifecycleReport
			o.admin.must("POST", p("/users/%d/move?preview=true", o.ids["a"]), move, 200, &preview)
			if !preview.Preview {
				t.Fatalf("a preview says it is not one")
			}
			m.must("GET", "/customers/count", nil, 200, &after)
			if after.Count != before.Count {
				t.Fatalf("the preview changed what the manager sees: %d, then %d", before.Count, after.Count)
			}
			mChange := changeOf(preview, o.ids["m"])
			if mChange.Lost.Customers != 2 || !slices.Contains(mChange.Relations, "old_manager_chain") {
				t.Fatalf("preview for the old manager: %+v, want 2 customers lost as old manager", mChange)
			}

			var applied service.LifecycleReport
			o.admin.must("POST", p("/users/%d/move", o.ids["a"]), move, 200, &applied)
			m.must("GET", "/customers/count", nil, 200, &after)
			if after.Count != before.Count-2 {
				t.Fatalf("the old manager on node 2 sees %d after the move on node 1, want %d", after.Count, before.Count-2)
			}
			if applied.ID == 0 || applied.Preview {
				t.Fatalf("applied report: id %d preview %v", applied.ID, applied.Preview)
			}
			if a, b := sameReport(preview), sameReport(applied); a != b {
				t.Fatalf("preview and result differ:\n%s\n%s", a, b)
			}
			var u struct {
				DepartmentID int64  `json:"department_id"`
				ManagerID    *int64 `json:"manager_id"`
			}
			o.admin.must("GET", p("/users/%d", o.ids["a"]), nil, 200, &u)
			if u.DepartmentID != o.west || u.ManagerID != nil {
				t.Fatalf("the user after the move: %+v", u)
			}

			// Bad input changes nothing and says which field is wrong.
			for _, c := range []struct {
				body        map[string]any
				code, field string
			}{
				{map[string]any{}, "nothing_to_change", "department_id"},
				{map[string]any{"department_id": o.west}, "nothing_to_change", "department_id"},
				{map[string]any{"department_id": o.east, "records": "stay"}, "field_required", "successor_id"},
				{map[string]any{"department_id": o.east, "records": "sideways"}, "invalid_value", "records"},
				{map[string]any{"manager_id": o.ids["a"]}, "manager_cycle", "manager_id"},
				{map[string]any{"department_id": 999999}, "invalid_reference", "department_id"},
			} {
				r := o.admin.do("POST", p("/users/%d/move", o.ids["a"]), c.body)
				if r.status != 400 || r.errCode() != c.code || r.errField() != c.field {
					t.Errorf("move %v: got %d %s, want 400 %s on %s", c.body, r.status, r.body, c.code, c.field)
				}
			}
			if r := o.a.do("POST", p("/users/%d/move?preview=true", o.ids["b"]), move); r.status != 403 {
				t.Errorf("a sales rep previews a move: got %d, want 403", r.status)
			}
		})
	}
}

// Offboarding through the API: the leaver's session and API key stop
// working at once, the successor sees every handed-over customer with its
// children, and the stored report is the one the call answered.
func TestOffboardEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		var ids []int64
		for _, name := range []string{"Leaver 1", "Leaver 2", "Leaver 3"} {
			id := o.a.mkCustomer(name)
			ids = append(ids, id)
			o.a.must("POST", p("/customers/%d/contacts", id), map[string]any{"name": "Contact of " + name}, 201, nil)
		}
		o.a.must("POST", p("/customers/%d/deals", ids[0]), map[string]any{"name": "Deal", "amount": "1000.00", "currency": "CNY", "stage": "lead"}, 201, nil)
		wCustomer := o.w.mkCustomer("West's")
		o.w.must("POST", p("/customers/%d/team", wCustomer), map[string]any{"user_id": o.ids["a"], "level": "read", "reason": "help"}, 201, nil)
		var key struct{ Secret string }
		o.a.must("POST", "/api-keys", map[string]any{"name": "ci", "roles": []string{"sales_rep"}, "expires_at": e.clock.Add(24 * time.Hour).Format(time.RFC3339)}, 201, &key)
		apiKey := &client{e: e, token: key.Secret}
		apiKey.must("GET", "/me", nil, 200, nil)

		adminCustomer := o.admin.mkCustomer("Admin's")
		var req struct{ ID int64 }
		o.a.must("POST", "/access-requests", map[string]any{"kind": "customer", "customer_id": adminCustomer, "level": "read", "reason": "cover", "duration": "72h"}, 201, &req)

		body := map[string]any{"successor_id": o.ids["b"], "successors": []map[string]any{{"successor_id": o.ids["w"], "customer_ids": []int64{ids[2]}}},
			"reason": "left the company"}
		var preview service.LifecycleReport
		o.admin.must("POST", p("/users/%d/offboard?preview=true", o.ids["a"]), body, 200, &preview)
		o.a.must("GET", "/me", nil, 200, nil) // a preview changes nothing

		var rep service.LifecycleReport
		o.admin.must("POST", p("/users/%d/offboard", o.ids["a"]), body, 200, &rep)
		if a, b := sameReport(preview), sameReport(rep); a != b {
			t.Fatalf("preview and result differ:\n%s\n%s", a, b)
		}
		for what, c := range map[string]*client{"session": o.a, "API key": apiKey} {
			if r := c.do("GET", "/me", nil); r.status != 401 {
				t.Errorf("the leaver's %s after offboarding: got %d, want 401", what, r.status)
			}
		}
		if r := o.a.do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": "a@acme.example", "password": pw}); r.status == 200 {
			t.Errorf("the leaver signs in again")
		}

		// b got the first two with their contacts and deal; w the third.
		b := o.b
		for _, id := range ids[:2] {
			var page struct{ Items []json.RawMessage }
			b.must("GET", p("/customers/%d", id), nil, 200, nil)
			b.must("GET", p("/customers/%d/contacts", id), nil, 200, &page)
			if len(page.Items) != 1 {
				t.Errorf("successor sees %d contacts of customer %d, want 1", len(page.Items), id)
			}
		}
		var deals struct{ Items []json.RawMessage }
		b.must("GET", p("/customers/%d/deals", ids[0]), nil, 200, &deals)
		if len(deals.Items) != 1 {
			t.Errorf("successor sees %d deals, want 1", len(deals.Items))
		}
		o.w.must("GET", p("/customers/%d", ids[2]), nil, 200, nil)
		if r := b.do("GET", p("/customers/%d", ids[2]), nil); r.status != 404 {
			t.Errorf("b sees the customer that went to w: %d", r.status)
		}

		// The report: who got what, the team membership removed.
		got := map[int64][]int64{}
		for _, h := range rep.Handovers {
			got[*h.SuccessorID] = h.CustomerIDs
		}
		if !slices.Equal(got[o.ids["b"]], ids[:2]) || !slices.Equal(got[o.ids["w"]], ids[2:]) {
			t.Errorf("handovers %v, want b %v and w %v", got, ids[:2], ids[2:])
		}
		if rep.Offboarding == nil || len(rep.Offboarding.RemovedTeam) != 1 || rep.Offboarding.RemovedTeam[0].CustomerID != wCustomer {
			t.Errorf("removed team memberships: %+v", rep.Offboarding)
		}
		if bc := changeOf(rep, o.ids["b"]); bc.Gained.Customers != 2 || bc.Gained.Contacts != 2 || bc.Gained.Deals != 1 {
			t.Errorf("b's access change: %+v, want 2 customers, 2 contacts, 1 deal gained", bc)
		}
		var ar struct{ Status string }
		o.admin.must("GET", p("/access-requests/%d", req.ID), nil, 200, &ar)
		if ar.Status != "cancelled" || !slices.Equal(rep.Offboarding.CancelledRequests, []int64{req.ID}) {
			t.Errorf("the leaver's pending request: %s, report %v", ar.Status, rep.Offboarding.CancelledRequests)
		}
		var stored service.LifecycleReport
		o.admin.must("GET", p("/lifecycle-reports/%d", rep.ID), nil, 200, &stored)
		if a, b := sameReport(stored), sameReport(rep); a != b {
			t.Errorf("stored report differs from the answer:\n%s\n%s", a, b)
		}
		csv := o.admin.do("GET", p("/lifecycle-reports/%d?format=csv", rep.ID), nil)
		if csv.status != 200 || strings.Count(string(csv.body), "\nhandover,") != 3 || !strings.Contains(string(csv.body), "Leaver 1") {
			t.Errorf("CSV report: %d\n%s", csv.status, csv.body)
		}
		var list struct{ Items []store.LifecycleReport }
		o.admin.must("GET", p("/users/%d/lifecycle-reports", o.ids["a"]), nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].ID != rep.ID || list.Items[0].Kind != "offboard" {
			t.Errorf("report list: %+v", list.Items)
		}
		if r := o.admin.do("POST", p("/users/%d/offboard", o.ids["a"]), body); r.status != 409 || r.errCode() != "already_offboarded" {
			t.Errorf("offboarding twice: got %d %s, want 409 already_offboarded", r.status, r.body)
		}
	})
}

// Offboarding refuses, changing nothing, when a customer has nowhere to go.
func TestOffboardRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		c := o.a.mkCustomer("Orphan")
		for _, tc := range []struct {
			body        map[string]any
			code, field string
		}{
			{map[string]any{}, "field_required", "successor_id"},
			{map[string]any{"successor_id": o.ids["a"]}, "invalid_reference", "successor_id"},
			{map[string]any{"successor_id": 999999}, "invalid_reference", "successor_id"},
			{map[string]any{"pool_id": 1}, "invalid_parameter", "pool_id"},
			{map[string]any{"successors": []map[string]any{{"successor_id": o.ids["b"], "customer_ids": []int64{c + 1000}}}}, "invalid_reference", "successors[0].customer_ids[0]"},
			{map[string]any{"successor_id": o.ids["b"], "reports_to": o.ids["a"]}, "invalid_reference", "reports_to"},
		} {
			r := o.admin.do("POST", p("/users/%d/offboard", o.ids["a"]), tc.body)
			if r.status != 400 || r.errCode() != tc.code || r.errField() != tc.field {
				t.Errorf("offboard %v: got %d %s, want 400 %s on %s", tc.body, r.status, r.body, tc.code, tc.field)
			}
		}
		o.a.must("GET", p("/customers/%d", c), nil, 200, nil)
		if r := o.m.do("POST", p("/users/%d/offboard", o.ids["a"]), map[string]any{"successor_id": o.ids["b"]}); r.status != 403 {
			t.Errorf("a manager without manage_users offboards: %d", r.status)
		}

		// Someone who manages users but holds fewer functions than the
		// target may neither move nor offboard them, and nobody moves
		// themselves.
		o.admin.must("POST", "/roles", map[string]any{"key": "hr", "name": "HR", "permissions": []any{}, "functions": []string{"manage_users"}}, 201, nil)
		o.admin.mkUser("hr@acme.example", o.east, 0, "hr")
		hr := e.login("acme", "hr@acme.example", pw)
		var me struct{ User idOnly }
		o.admin.must("GET", "/me", nil, 200, &me)
		if r := hr.do("POST", p("/users/%d/offboard?preview=true", me.User.ID), map[string]any{"successor_id": o.ids["b"]}); r.status != 403 || r.errCode() != "target_exceeds_own" {
			t.Errorf("HR offboards the administrator: %d %s", r.status, r.body)
		}
		if r := hr.do("POST", p("/users/%d/move?preview=true", me.User.ID), map[string]any{"department_id": o.west}); r.status != 403 || r.errCode() != "target_exceeds_own" {
			t.Errorf("HR moves the administrator: %d %s", r.status, r.body)
		}
		if r := o.admin.do("POST", p("/users/%d/move?preview=true", me.User.ID), map[string]any{"department_id": o.west}); r.status != 403 || r.errCode() != "cannot_move_self" {
			t.Errorf("the administrator moves themselves: %d %s", r.status, r.body)
		}
		hr.must("POST", p("/users/%d/offboard?preview=true", o.ids["a"]), map[string]any{"successor_id": o.ids["b"]}, 200, nil)
	})
}

func changeOf(r service.LifecycleReport, userID int64) service.AccessChange {
	for _, c := range r.AccessChanges {
		if c.UserID == userID {
			return c
		}
	}
	return service.AccessChange{}
}

// sameReport renders a report without its preview flag and stored id.
func sameReport(r service.LifecycleReport) string {
	r.Preview, r.ID = false, 0
	b, _ := json.Marshal(r)
	return string(b)
}

// Where the tenant keeps customers behind on a move, a move hands them to
// a successor in the old department, and a plain PATCH of the department
// is refused, since it names no successor.
func TestMoveRecordsStay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		c := o.a.mkCustomer("Stays in East")
		var set service.LifecycleSettings
		o.admin.must("PUT", "/lifecycle-settings", map[string]any{"move_records": "stay"}, 200, &set)
		o.admin.must("GET", "/lifecycle-settings", nil, 200, &set)
		if set.MoveRecords != "stay" {
			t.Fatalf("settings: %+v", set)
		}
		if r := o.admin.do("PUT", "/lifecycle-settings", map[string]any{"move_records": "maybe"}); r.status != 400 || r.errField() != "move_records" {
			t.Errorf("bad setting: %d %s", r.status, r.body)
		}
		if r := o.admin.do("PATCH", p("/users/%d", o.ids["a"]), map[string]any{"department_id": o.west}); r.status != 400 || r.errCode() != "move_needs_successor" {
			t.Errorf("PATCH of the department under the stay policy: %d %s", r.status, r.body)
		}
		var rep service.LifecycleReport
		o.admin.must("POST", p("/users/%d/move", o.ids["a"]), map[string]any{"department_id": o.west, "successor_id": o.ids["b"]}, 200, &rep)
		if rep.Records != "stay" || len(rep.Handovers) != 1 || !slices.Equal(rep.Handovers[0].CustomerIDs, []int64{c}) {
			t.Fatalf("report: %+v", rep)
		}
		o.b.must("GET", p("/customers/%d", c), nil, 200, nil)
		if r := o.a.do("GET", p("/customers/%d", c), nil); r.status != 404 {
			t.Errorf("the mover still sees the customer that stayed: %d", r.status)
		}
		if ch := changeOf(rep, o.ids["b"]); ch.Gained.Customers != 1 || !slices.Contains(ch.Relations, "successor") {
			t.Errorf("successor's change: %+v", ch)
		}
	})
}
