package server_test

import (
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
