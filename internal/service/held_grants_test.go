package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
)

// GET /me/grants lists every unexpired grant that reaches the user (the
// team, shares to them, their department, a department above with its
// sub-departments, their group, their role, their role assignments),
// soonest expiry first and those without last, says through what, and
// leaves out expired grants, grants that do not reach them, and customers a
// restriction hides from them.
func TestMyGrants(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		in := func(h int) *time.Time { x := f.now.Add(time.Duration(h) * time.Hour); return &x }
		cust := func(name string) int64 { return f.customer(t, f.outsider, name) }
		root := f.as(t, f.admin.UserID).Subject.DeptID
		group := must[org.Group](t)(f.svc.SaveGroup(ctx, f.admin, 0, org.GroupInput{Name: ptr("Key accounts"), Members: &[]int64{f.repA}})).ID
		repRole := roleID(t, f, "sales_rep")
		share := func(c int64, p access.Principal, exp *time.Time) {
			must[store.Grant](t)(f.svc.AddShare(ctx, f.admin, c, service.ShareInput{Principal: p, Level: access.Read, ExpiresAt: exp, Reason: "test"}))
		}
		byRole, direct, subtree, team, byGroup, byDept := cust("By role"), cust("Direct"), cust("Subtree"), cust("Team"), cust("By group"), cust("By dept")
		share(byRole, access.Principal{Type: "role", ID: repRole}, in(24))
		share(direct, access.Principal{Type: "user", ID: f.repA}, in(48))
		share(subtree, access.Principal{Type: "department", ID: root, IncludeSubDept: true}, in(120))
		must[store.Grant](t)(f.svc.AddTeamMember(ctx, f.admin, team, service.TeamInput{UserID: f.repA, Level: access.EditLevel, ExpiresAt: in(240)}))
		share(byGroup, access.Principal{Type: "group", ID: group}, nil)
		share(byDept, access.Principal{Type: "department", ID: f.sales}, in(300))
		share(cust("Not mine"), access.Principal{Type: "department", ID: root}, in(24)) // root only, no sub-departments
		share(cust("Someone else"), access.Principal{Type: "user", ID: f.repB}, in(24))
		share(cust("Soon gone"), access.Principal{Type: "user", ID: f.repA}, in(1))
		hidden := cust("Hidden Co")
		share(hidden, access.Principal{Type: "user", ID: f.repA}, in(24))
		must[store.StoredRestriction](t)(f.svc.SaveRestriction(ctx, f.admin, 0, service.RestrictionInput{Name: "hide",
			Criteria: access.Criteria{Field: "name", Op: "prefix", Value: "Hidden"}, Principals: []access.Principal{{Type: "user", ID: f.repA}}}))
		if err := f.svc.GrantRole(ctx, f.admin, f.repA, service.RoleGrant{Role: "auditor", ExpiresAt: in(72), Reason: "audit"}); err != nil {
			t.Fatal(err)
		}
		f.advance(2 * time.Hour)

		g := must[service.MyGrants](t)(f.svc.MyGrants(ctx, f.as(t, f.repA), service.MyGrantsQuery{}))
		got := []string{}
		for _, c := range g.Customers {
			got = append(got, fmt.Sprintf("%s via %s %s", c.CustomerName, c.Source, c.Through.Type))
		}
		want := []string{"By role via share role", "Direct via share user", "Subtree via share department", "Team via team user",
			"By dept via share department", "By group via share group"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("customer grants:\n got %q\nwant %q", got, want)
		}
		if c := g.Customers[0]; c.Through.Name != "Sales Representative" || c.Through.ID != repRole {
			t.Errorf("a role share names %q (%d), want the role", c.Through.Name, c.Through.ID)
		}
		if c := g.Customers[2]; !c.Through.IncludeSubDept || c.Through.ID != root {
			t.Errorf("the subtree share reads %+v", c.Through)
		}
		if len(g.Roles) != 2 || g.Roles[0].Role != "auditor" || g.Roles[1].Role != "sales_rep" || g.Roles[1].ExpiresAt != nil {
			t.Fatalf("roles: %+v", g.Roles)
		}
		if g.Truncated {
			t.Error("truncated without a limit reached")
		}

		soon := must[service.MyGrants](t)(f.svc.MyGrants(ctx, f.as(t, f.repA), service.MyGrantsQuery{ExpiringWithin: 3 * 24 * time.Hour}))
		if len(soon.Customers) != 2 || len(soon.Roles) != 1 || soon.Roles[0].Role != "auditor" {
			t.Fatalf("expiring within 3d: %d customers, roles %+v", len(soon.Customers), soon.Roles)
		}
		capped := must[service.MyGrants](t)(f.svc.MyGrants(ctx, f.as(t, f.repA), service.MyGrantsQuery{Limit: 2}))
		if len(capped.Customers) != 2 || !capped.Truncated {
			t.Fatalf("limit 2: %d customers, truncated %v", len(capped.Customers), capped.Truncated)
		}
		_, err := f.svc.MyGrants(ctx, f.as(t, f.repA), service.MyGrantsQuery{Limit: 501})
		wantCode(t, err, errs.Invalid, "invalid_parameter")
	})
}

func ptr[T any](v T) *T { return &v }

func roleID(t *testing.T, f *requestFixture, key string) int64 {
	t.Helper()
	for _, r := range must[[]access.Role](t)(f.svc.Roles(context.Background(), f.admin)) {
		if r.Key == key {
			return r.ID
		}
	}
	t.Fatalf("no role %s", key)
	return 0
}

// The span parser takes whole hours and days within its bounds, nothing else.
func TestParseSpan(t *testing.T) {
	for s, want := range map[string]time.Duration{"1h": time.Hour, "72h": 72 * time.Hour, "7d": 7 * 24 * time.Hour, "90d": 90 * 24 * time.Hour} {
		if got, err := service.ParseSpan("d", s, time.Hour, 90*24*time.Hour); err != nil || got != want {
			t.Errorf("%q: got %v, %v, want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0h", "07d", "91d", "2161h", "1.5d", "-1d", "+1d", "1w", "d", "1 d", "1D", "１d", "9999999d"} {
		if _, err := service.ParseSpan("d", s, time.Hour, 90*24*time.Hour); err == nil {
			t.Errorf("%q: accepted", s)
		}
	}
}

// FuzzParseSpan: the parser never panics, accepts only spans within the
// bounds, and reads back what FormatSpan writes.
func FuzzParseSpan(f *testing.F) {
	for _, s := range []string{"1h", "72h", "7d", "90d", "0d", "1.5d", "999999d", "", "h", "١d"} {
		f.Add(s)
	}
	lo, hi := time.Hour, 90*24*time.Hour
	f.Fuzz(func(t *testing.T, s string) {
		d, err := service.ParseSpan("duration", s, lo, hi)
		if err != nil {
			if e := errs.As(err); e.Field != "duration" || e.Kind != errs.Invalid {
				t.Fatalf("%q: error %v does not name the field", s, err)
			}
			return
		}
		if d < lo || d > hi || d%time.Hour != 0 {
			t.Fatalf("%q: accepted %v", s, d)
		}
		if back, err := service.ParseSpan("duration", service.FormatSpan(d), lo, hi); err != nil || back != d {
			t.Fatalf("%q: %v formats as %q, which reads %v, %v", s, d, service.FormatSpan(d), back, err)
		}
	})
}
