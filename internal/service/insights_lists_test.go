package service_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// Dormant accounts are the active users, older than the period, with no
// sign-in, request or recorded action in it; those who never signed in say
// so. Each page carries its user ids for an access review.
func TestDormantAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newRequestFixture(t, db)
		f.advance(100 * 24 * time.Hour)
		must[service.LoginResult](t)(f.svc.Login(ctx, "req", "repa@req.example", "a-long-enough-password-repa"))
		newcomer := f.user(t, "new", f.sales, nil, "sales_rep")
		status := org.StatusDeactivated
		must[org.User](t)(f.svc.UpdateUser(ctx, f.admin, f.repB, org.UserInput{Status: &status}))
		f.advance(time.Hour)

		rep := must[service.DormantReport](t)(f.svc.DormantAccounts(ctx, f.admin, 90, 0, 50))
		got := map[int64]service.DormantAccount{}
		for _, d := range rep.Items {
			got[d.UserID] = d
		}
		for _, id := range []int64{f.mgr, f.outsider, f.hr} {
			d, ok := got[id]
			if !ok || !d.NeverSignedIn || d.LastLoginAt != nil || d.AgeDays != 100 || len(d.Roles) != 1 {
				t.Errorf("user %s: %+v (listed %v), want dormant, never signed in, 100 days old, one role", f.users[id], d, ok)
			}
		}
		// The outsider created a customer on the first day: active then,
		// never signed in, dormant now.
		if d := got[f.outsider]; d.LastActiveAt == nil || !d.LastActiveAt.Equal(rep.Since.Add(-10*24*time.Hour-time.Hour)) {
			t.Errorf("the outsider's last activity: %v, want the first day", d.LastActiveAt)
		}
		// The administrator acted in the period (without signing in: an
		// actor made in the test has no session), so is not dormant.
		for _, id := range []int64{f.admin.UserID, f.repA, f.repB, newcomer} {
			if _, ok := got[id]; ok {
				t.Errorf("user %d is listed dormant: signed in, deactivated or newer than the period", id)
			}
		}
		if len(rep.UserIDs) != len(rep.Items) || rep.NextCursor != nil {
			t.Errorf("user_ids %v for %d items, cursor %v", rep.UserIDs, len(rep.Items), rep.NextCursor)
		}
		page := must[service.DormantReport](t)(f.svc.DormantAccounts(ctx, f.admin, 90, 0, 1))
		next := must[service.DormantReport](t)(f.svc.DormantAccounts(ctx, f.admin, 90, page.Items[0].UserID, 50))
		if page.NextCursor == nil || len(next.Items) != len(rep.Items)-1 {
			t.Errorf("paging: cursor %v, then %d items of %d", page.NextCursor, len(next.Items), len(rep.Items))
		}
		if none := must[service.DormantReport](t)(f.svc.DormantAccounts(ctx, f.admin, 200, 0, 50)); len(none.Items) != 0 {
			t.Errorf("a 200-day period lists accounts 100 days old: %+v", none.Items)
		}
	})
}

// Stale grants are the role assignments, team places and shares without
// expiry given before the period, roles first, paged by kind and id;
// grants with an expiry, newer ones and those of deactivated users are not.
func TestStaleGrants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newRequestFixture(t, db)
		later := f.now.Add(400 * 24 * time.Hour)
		must[store.Grant](t)(f.svc.AddTeamMember(ctx, f.admin, f.custB, service.TeamInput{UserID: f.repA, Level: access.Read}))
		must[store.Grant](t)(f.svc.AddTeamMember(ctx, f.admin, f.custOut, service.TeamInput{UserID: f.repB, Level: access.Read, ExpiresAt: &later}))
		dept := must[store.Grant](t)(f.svc.AddShare(ctx, f.admin, f.custA, service.ShareInput{Principal: access.Principal{Type: "department", ID: f.support}, Level: access.Read}))
		must[store.Grant](t)(f.svc.AddShare(ctx, f.admin, f.custA, service.ShareInput{Principal: access.Principal{Type: "user", ID: f.outsider}, Level: access.Read}))
		if err := f.svc.GrantRole(ctx, f.admin, f.repB, service.RoleGrant{Role: "auditor", ExpiresAt: &later}); err != nil {
			t.Fatal(err)
		}
		status := org.StatusDeactivated
		must[org.User](t)(f.svc.UpdateUser(ctx, f.admin, f.hr, org.UserInput{Status: &status}))
		f.advance(100 * 24 * time.Hour)
		f.user(t, "new", f.sales, nil, "sales_rep")

		all := must[service.StaleReport](t)(f.svc.StaleGrants(ctx, f.admin, service.StaleQuery{Days: 90}))
		var got []string
		for _, g := range all.Items {
			who := "-"
			if g.UserID != nil {
				who = f.users[*g.UserID]
			}
			if g.UserID != nil && *g.UserID == f.admin.UserID {
				who = "admin"
			}
			got = append(got, fmt.Sprintf("%s %s %s", g.Kind, who, g.Role))
			if g.AgeDays != 100 {
				t.Errorf("%s %d: %d days old, want 100", g.Kind, g.ID, g.AgeDays)
			}
		}
		want := []string{"role admin administrator", "role mgr@req.example sales_manager", "role repa@req.example sales_rep",
			"role repb@req.example sales_rep", "role out@req.example sales_rep", "team repa@req.example ", "share - ", "share out@req.example "}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("stale grants:\n got %q\nwant %q", got, want)
		}
		if s := all.Items[6]; s.Principal == nil || s.Principal.Type != "department" || s.ID != dept.ID {
			t.Errorf("the department share: %+v", s)
		}
		if len(all.UserIDs) != 5 {
			t.Errorf("user ids %v, want the 5 users named", all.UserIDs)
		}

		var paged []int64
		q := service.StaleQuery{Days: 90, Limit: 3}
		for {
			p := must[service.StaleReport](t)(f.svc.StaleGrants(ctx, f.admin, q))
			for _, g := range p.Items {
				paged = append(paged, g.ID)
			}
			if p.NextCursor == nil {
				break
			}
			q.Cursor = *p.NextCursor
		}
		if len(paged) != len(all.Items) {
			t.Errorf("pages of 3 gave %d grants, want %d", len(paged), len(all.Items))
		}
		shares := must[service.StaleReport](t)(f.svc.StaleGrants(ctx, f.admin, service.StaleQuery{Days: 90, Kind: "share"}))
		if len(shares.Items) != 2 {
			t.Errorf("kind=share: %d items", len(shares.Items))
		}
		for _, bad := range []service.StaleQuery{{Days: 90, Kind: "pool"}, {Days: 90, Cursor: "role"}, {Days: 90, Cursor: "x.1"}, {Days: 90, Cursor: "team.-1"}} {
			_, err := f.svc.StaleGrants(ctx, f.admin, bad)
			if e := errs.As(err); err == nil || e.Kind != errs.Invalid || (e.Field != "kind" && e.Field != "cursor") {
				t.Errorf("%+v: %v, want 400 naming the field", bad, err)
			}
		}
	})
}

// Role analysis finds identical roles, roles within others (by scope
// inclusion, functions and field access, where subordinates and
// department do not include each other), roles nobody holds, and proposes
// narrowing a role to what its holders used; the narrowing applies.
func TestRoleAnalysis(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newInsightsFixture(t, db)
		role := func(key string, fields []access.FieldRule, perms ...access.Permission) {
			fns := []access.Function{}
			must[access.Role](t)(f.svc.SaveRole(ctx, f.admin, "", service.RoleInput{Key: &key, Name: &key, Permissions: &perms, Functions: &fns, Fields: &fields}))
		}
		cell := func(a access.Action, s access.Scope) access.Permission {
			return access.Permission{Object: access.Customer, Action: a, Scope: s}
		}
		role("viewer_a", nil, cell(access.View, access.Own))
		role("viewer_b", nil, cell(access.View, access.Own))
		role("viewer_c", nil, cell(access.View, access.Department), cell(access.Edit, access.Own))
		role("viewer_hidden", []access.FieldRule{{Object: access.Customer, Field: "phone", Access: access.FieldHidden}}, cell(access.View, access.Own))
		role("subs", nil, cell(access.View, access.Subordinates))
		role("dept", nil, cell(access.View, access.Department))

		an := must[service.RoleAnalysis](t)(f.svc.AnalyseRoles(ctx, f.admin, 90))
		if !slices.ContainsFunc(an.Identical, func(g []string) bool { return slices.Equal(g, []string{"viewer_a", "viewer_b"}) }) {
			t.Errorf("identical: %v, want viewer_a with viewer_b", an.Identical)
		}
		within := map[string][]string{}
		for _, s := range an.Subsets {
			within[s.Role] = s.Within
		}
		if w := within["viewer_hidden"]; !slices.Contains(w, "viewer_a") || !slices.Contains(w, "viewer_c") {
			t.Errorf("viewer_hidden within %v, want viewer_a and viewer_c", w)
		}
		if w := within["viewer_a"]; !slices.Contains(w, "viewer_c") || !slices.Contains(w, "dept") || slices.Contains(w, "viewer_b") {
			t.Errorf("viewer_a within %v, want viewer_c and dept, not its twin", w)
		}
		if slices.Contains(within["subs"], "dept") || slices.Contains(within["dept"], "subs") {
			t.Errorf("subordinates and department compared as nested: %v / %v", within["subs"], within["dept"])
		}
		for _, k := range []string{"viewer_a", "subs", "marketing"} {
			if !slices.Contains(an.Empty, k) {
				t.Errorf("empty roles %v lack %s", an.Empty, k)
			}
		}
		if slices.Contains(an.Empty, "exporter") {
			t.Errorf("exporter has holders, yet is listed empty")
		}

		// sales_rep: the outsider and the reps hold it since day one; rep A
		// created a customer, nobody deleted one.
		var rep *service.Proposal
		for i, p := range an.Proposals {
			if p.Apply.Role == "sales_rep" {
				rep = &an.Proposals[i]
			}
			if p.Apply.Role == "exporter" || p.Apply.Role == "viewer_a" {
				t.Errorf("proposed narrowing %s: used by a holder, or held too shortly", p.Apply.Role)
			}
		}
		if rep == nil || rep.Holders != 3 || rep.Apply.Kind != service.ProposeNarrowRole {
			t.Fatalf("narrowing sales_rep: %+v", rep)
		}
		has := func(o access.Object, a access.Action) bool {
			return slices.Contains(rep.Apply.Cells, access.Permission{Object: o, Action: a, Scope: access.None})
		}
		if !has(access.Contact, access.Delete) || has(access.Customer, access.Create) || has(access.Customer, access.View) || has(access.Contact, access.Share) {
			t.Errorf("cells to narrow: %+v, want contact.delete, not the used create, the unknown view or the inert share", rep.Apply.Cells)
		}

		res := must[service.ProposalResult](t)(f.svc.ApplyProposal(ctx, f.admin, rep.Apply, true))
		if res.VisibilityMeasured || len(res.Grants) != 3 {
			t.Fatalf("preview: measured %v, %d users", res.VisibilityMeasured, len(res.Grants))
		}
		applied := must[service.ProposalResult](t)(f.svc.ApplyProposal(ctx, f.admin, rep.Apply, false))
		res.Preview = false
		if fmt.Sprintf("%+v", res) != fmt.Sprintf("%+v", applied) {
			t.Fatalf("preview and result differ:\n%+v\n%+v", res, applied)
		}
		after := must[access.Role](t)(f.svc.Role(ctx, f.admin, "sales_rep"))
		if after.Scope(access.Contact, access.Delete) != access.None || after.Scope(access.Customer, access.Create) != access.Own {
			t.Errorf("sales_rep after narrowing: %+v", after.Permissions)
		}
	})
}
