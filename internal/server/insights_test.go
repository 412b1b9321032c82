package server_test

import (
	"slices"
	"testing"
	"time"

	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// Least-privilege insights over HTTP: a role nobody used is proposed for
// removal, the proposal previews and applies in one call each (the
// preview changing nothing), and bad input answers 400 naming the field,
// never 500.
func TestInsightsEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		o.admin.must("POST", p("/users/%d/roles", o.ids["w"]), map[string]any{"role": "marketing", "reason": "campaign"}, 201, nil)
		e.advance(100 * 24 * time.Hour)
		o.relogin(e)
		o.w.mkCustomer("West's new")

		var rep service.UnusedReport
		o.admin.must("GET", p("/insights/unused-permissions?days=90&user_id=%d", o.ids["w"]), nil, 200, &rep)
		var prop *service.Proposal
		for i, pr := range rep.Proposals {
			if pr.Apply.Role == "marketing" {
				prop = &rep.Proposals[i]
			}
		}
		if len(rep.Items) != 1 || prop == nil || prop.Apply.UserID != o.ids["w"] {
			t.Fatalf("report for w: %d items, proposals %+v", len(rep.Items), rep.Proposals)
		}

		var preview, applied service.ProposalResult
		o.admin.must("POST", "/insights/proposals/apply?preview=true", prop.Apply, 200, &preview)
		var roles struct{ Items []map[string]any }
		o.admin.must("GET", p("/users/%d/roles", o.ids["w"]), nil, 200, &roles)
		if len(roles.Items) != 2 {
			t.Fatalf("after the preview w holds %d roles, want 2 still", len(roles.Items))
		}
		if !preview.Preview || len(preview.Grants) != 1 || !preview.VisibilityMeasured {
			t.Fatalf("preview: %+v", preview)
		}
		o.admin.must("POST", "/insights/proposals/apply", prop.Apply, 200, &applied)
		o.admin.must("GET", p("/users/%d/roles", o.ids["w"]), nil, 200, &roles)
		if len(roles.Items) != 1 || roles.Items[0]["role"] != "sales_rep" {
			t.Fatalf("after applying w holds %v", roles.Items)
		}
		preview.Preview = false
		if a, b := p("%+v", preview), p("%+v", applied); a != b {
			t.Fatalf("preview and result differ:\n%s\n%s", a, b)
		}
		var trail struct{ Items []struct{ Action string } }
		o.admin.must("GET", "/audit/events?action=insights.apply", nil, 200, &trail)
		if len(trail.Items) != 1 {
			t.Errorf("insights.apply entries: %d, want 1", len(trail.Items))
		}

		for _, path := range []string{"/insights/unused-permissions", "/insights/dormant-accounts", "/insights/stale-grants", "/insights/roles"} {
			o.admin.must("GET", path, nil, 200, nil)
			if r := o.a.do("GET", path, nil); r.status != 403 {
				t.Errorf("a sales rep reads %s: %d, want 403", path, r.status)
			}
		}
		if r := o.a.do("POST", "/insights/proposals/apply?preview=true", prop.Apply); r.status != 403 {
			t.Errorf("a sales rep previews a proposal: %d, want 403", r.status)
		}

		for _, c := range []struct{ path, field string }{
			{"/insights/unused-permissions?days=0", "days"},
			{"/insights/unused-permissions?days=3651", "days"},
			{"/insights/unused-permissions?days=ninety", "days"},
			{"/insights/unused-permissions?days=90&days=30", "days"},
			{"/insights/unused-permissions?limit=0", "limit"},
			{"/insights/unused-permissions?cursor=-3", "cursor"},
			{"/insights/unused-permissions?user_id=x", "user_id"},
			{"/insights/unused-permissions?sort=name", "sort"},
			{"/insights/dormant-accounts?days=-1", "days"},
			{"/insights/dormant-accounts?cursor=abc", "cursor"},
			{"/insights/stale-grants?kind=pool", "kind"},
			{"/insights/stale-grants?cursor=role", "cursor"},
			{"/insights/stale-grants?cursor=team.x", "cursor"},
			{"/insights/roles?days=1e3", "days"},
			{"/insights/roles?limit=5", "limit"},
		} {
			if r := o.admin.do("GET", c.path, nil); r.status != 400 || r.errField() != c.field {
				t.Errorf("GET %s: %d %s, want 400 naming %s", c.path, r.status, r.body, c.field)
			}
		}
		for _, c := range []struct {
			body        any
			status      int
			field, code string
		}{
			{map[string]any{"kind": "shrink", "role": "sales_rep"}, 400, "kind", "invalid_value"},
			{map[string]any{"kind": "remove_role", "role": "sales_rep"}, 400, "user_id", "field_required"},
			{map[string]any{"kind": "remove_role", "user_id": o.ids["a"]}, 400, "role", "field_required"},
			{map[string]any{"kind": "remove_role", "user_id": o.ids["a"], "role": "nope"}, 400, "role", "invalid_reference"},
			{map[string]any{"kind": "remove_role", "user_id": 999999, "role": "sales_rep"}, 404, "", "not_found"},
			{map[string]any{"kind": "remove_role", "user_id": o.ids["a"], "role": "auditor"}, 404, "", "not_found"},
			{map[string]any{"kind": "narrow_role", "role": "sales_rep", "user_id": o.ids["a"], "cells": []any{}}, 400, "user_id", "invalid_parameter"},
			{map[string]any{"kind": "narrow_role", "role": "sales_rep", "cells": []any{map[string]any{"object": "customer", "action": "view", "scope": "all"}}}, 400, "cells[0].scope", "not_narrower"},
			{map[string]any{"kind": "narrow_role", "role": "sales_rep", "cells": []any{map[string]any{"object": "customer", "action": "export", "scope": "none"}}}, 400, "cells[0]", "not_granted"},
			{map[string]any{"kind": "narrow_role", "role": "sales_rep", "cells": []any{map[string]any{"object": "tenant", "action": "view", "scope": "none"}}}, 400, "cells[0].object", "invalid_value"},
			{map[string]any{"kind": "narrow_role", "role": "sales_rep", "functions": []string{"view_audit"}}, 400, "functions[0]", "not_granted"},
			{map[string]any{"kind": "remove_role", "user_id": o.ids["a"], "role": "sales_rep", "preview": true}, 400, "preview", "unknown_field"},
			{`{"kind":"remove_role","kind":"narrow_role"}`, 400, "kind", "duplicate_field"},
		} {
			r := o.admin.do("POST", "/insights/proposals/apply?preview=true", c.body)
			if r.status != c.status || r.errField() != c.field || r.errCode() != c.code {
				t.Errorf("apply %v: %d %s, want %d %s on %q", c.body, r.status, r.body, c.status, c.code, c.field)
			}
		}
	})
}

// A campaign starts from the insights lists: the dormant accounts' user
// ids as its scope, or the lists' own criteria (dormant_days, stale_days)
// judged when it starts. Either way it reviews exactly the listed users or
// grants.
func TestReviewFromInsightsLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		cust := o.a.mkCustomer("Globex")
		o.a.must("POST", p("/customers/%d/team", cust), map[string]any{"user_id": o.ids["b"], "level": "read", "reason": "backup"}, 201, nil)
		e.advance(100 * 24 * time.Hour)
		o.admin = e.login("acme", "admin@acme.example", pw)
		o.a = e.login("acme", "a@acme.example", pw) // a and the administrator signed in; b, m and w did nothing

		var dormant service.DormantReport
		o.admin.must("GET", "/insights/dormant-accounts?days=90", nil, 200, &dormant)
		want := []int64{o.ids["m"], o.ids["b"], o.ids["w"]}
		slices.Sort(want)
		if !slices.Equal(dormant.UserIDs, want) {
			t.Fatalf("dormant user ids %v, want %v", dormant.UserIDs, want)
		}
		deadline := e.clock.Add(14 * 24 * time.Hour).Format(time.RFC3339)
		campaign := func(scope map[string]any) []reviewItem {
			var r idOnly
			o.admin.must("POST", "/reviews", map[string]any{"name": "From the list", "scope": scope, "reviewers": map[string]any{"rule": "manager"},
				"deadline": deadline, "undecided": "keep"}, 201, &r)
			o.admin.must("POST", p("/reviews/%d/start", r.ID), nil, 200, nil)
			var items struct{ Items []reviewItem }
			o.admin.must("GET", p("/reviews/%d/items?limit=500", r.ID), nil, 200, &items)
			return items.Items
		}
		users := func(items []reviewItem) []int64 {
			var out []int64
			for _, it := range items {
				if !slices.Contains(out, it.UserID) {
					out = append(out, it.UserID)
				}
			}
			slices.Sort(out)
			return out
		}
		if got := users(campaign(map[string]any{"users": dormant.UserIDs})); !slices.Equal(got, want) {
			t.Errorf("campaign over the listed users reviews %v, want %v", got, want)
		}
		if got := users(campaign(map[string]any{"dormant_days": 90})); !slices.Equal(got, want) {
			t.Errorf("campaign over dormant_days reviews %v, want %v", got, want)
		}

		var stale service.StaleReport
		o.admin.must("GET", "/insights/stale-grants?days=90&limit=200", nil, 200, &stale)
		items := campaign(map[string]any{"all": true, "stale_days": 90})
		if len(items) != len(stale.Items) {
			t.Errorf("campaign over stale grants has %d items, the list %d", len(items), len(stale.Items))
		}
		team := 0
		for _, it := range items {
			if it.Kind == "team" && it.UserID == o.ids["b"] {
				team++
			}
		}
		if team != 1 {
			t.Errorf("b's team place on Globex: %d items, want 1", team)
		}
		if r := o.admin.do("POST", "/reviews", map[string]any{"name": "x", "scope": map[string]any{"users": []int64{999999}},
			"reviewers": map[string]any{"rule": "manager"}, "deadline": deadline, "undecided": "keep"}); r.status != 400 || r.errField() != "scope.users[0]" {
			t.Errorf("a campaign over an unknown user: %d %s", r.status, r.body)
		}
	})
}
