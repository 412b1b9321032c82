package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// insightsFixture is the access-request tenant with two extra roles held
// since the first day: "exporter" (customer export, own) by both reps, and
// "editor_plus" (customer edit, department) by rep A. Then 100 days pass,
// and in the last ten of them rep A creates a customer and edits B's
// customer through a team place, rep B exports, the manager only signs in,
// and the outsider does nothing.
type insightsFixture struct {
	*requestFixture
	start, created time.Time
}

func newInsightsFixture(t *testing.T, db *store.DB) *insightsFixture {
	t.Helper()
	ctx := context.Background()
	f := &insightsFixture{requestFixture: newRequestFixture(t, db)}
	f.start = *f.now
	role := func(key string, perms ...access.Permission) {
		fns := []access.Function{}
		must[access.Role](t)(f.svc.SaveRole(ctx, f.admin, "", service.RoleInput{Key: &key, Name: &key, Permissions: &perms, Functions: &fns}))
	}
	role("exporter", access.Permission{Object: access.Customer, Action: access.Export, Scope: access.Own})
	role("editor_plus", access.Permission{Object: access.Customer, Action: access.Edit, Scope: access.Department})
	for _, g := range []struct {
		user int64
		role string
	}{{f.repA, "exporter"}, {f.repB, "exporter"}, {f.repA, "editor_plus"}} {
		if err := f.svc.GrantRole(ctx, f.admin, g.user, service.RoleGrant{Role: g.role, Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	must[store.Grant](t)(f.svc.AddTeamMember(ctx, f.admin, f.custB, service.TeamInput{UserID: f.repA, Level: access.EditLevel}))
	must[store.Grant](t)(f.svc.AddShare(ctx, f.admin, f.custOut, service.ShareInput{Principal: access.Principal{Type: "user", ID: f.repA}, Level: access.Read}))
	must[store.Grant](t)(f.svc.AddShare(ctx, f.admin, f.custA, service.ShareInput{Principal: access.Principal{Type: "user", ID: f.outsider}, Level: access.Read}))

	f.advance(95 * 24 * time.Hour)
	f.created = *f.now
	f.customer(t, f.repA, "Gamma Ltd")
	region := "North"
	must[crm.Customer](t)(f.svc.UpdateCustomer(ctx, f.as(t, f.repA), f.custB, crm.CustomerInput{Region: &region}))
	must[store.Export](t)(f.svc.RequestExport(ctx, f.as(t, f.repB), service.ExportRequest{Object: "customer", Format: "csv", Reason: "calls"}))
	f.svc.Wait() // the export runs in the background and reads the clock, which moves next
	f.advance(24 * time.Hour)
	must[service.LoginResult](t)(f.svc.Login(ctx, "req", "mgr@req.example", "a-long-enough-password-mgr"))
	f.advance(4 * 24 * time.Hour)
	return f
}

func (f *insightsFixture) report(t *testing.T, days int) service.UnusedReport {
	t.Helper()
	return must[service.UnusedReport](t)(f.svc.UnusedPermissions(context.Background(), f.admin, service.UnusedQuery{Days: days, Limit: 200}))
}

func userUse(t *testing.T, rep service.UnusedReport, id int64) service.UserUse {
	t.Helper()
	for _, u := range rep.Items {
		if u.UserID == id {
			return u
		}
	}
	t.Fatalf("user %d is not in the report", id)
	return service.UserUse{}
}

func roleUse(t *testing.T, u service.UserUse, key string) service.RoleUse {
	t.Helper()
	for _, r := range u.Roles {
		if r.Role == key {
			return r
		}
	}
	t.Fatalf("user %d holds no %s in the report", u.UserID, key)
	return service.RoleUse{}
}

func cellUse(t *testing.T, r service.RoleUse, o access.Object, a access.Action) service.CellUse {
	t.Helper()
	for _, c := range r.Cells {
		if c.Object == o && c.Action == a {
			return c
		}
	}
	t.Fatalf("role %s has no %s.%s", r.Role, o, a)
	return service.CellUse{}
}

func proposalFor(rep []service.Proposal, userID int64, role string) *service.Proposal {
	for i, p := range rep {
		if p.Apply.UserID == userID && p.Apply.Role == role {
			return &rep[i]
		}
	}
	return nil
}

// The report judges each cell from the entries that show its use, placed
// in time by the service's clock: used in the period, unused (with the
// last use before it), unknown where uses are reads; it proposes removing
// exactly the roles nothing unique of which was used.
func TestUnusedPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newInsightsFixture(t, db)
		rep := f.report(t, 90)
		if !rep.Complete || rep.Days != 90 || !rep.Since.Equal(f.now.Add(-90*24*time.Hour)) {
			t.Fatalf("period: %+v", rep.Period)
		}

		a := userUse(t, rep, f.repA)
		if a.Idle || a.LastActiveAt == nil {
			t.Fatalf("rep A is active: %+v", a)
		}
		create := cellUse(t, roleUse(t, a, "sales_rep"), access.Customer, access.Create)
		if create.Status != service.UseUsed || create.Evidence != "customer.create" || !create.LastUsedAt.Equal(f.created) {
			t.Errorf("rep A customer.create: %+v, want used at %s", create, f.created)
		}
		exp := cellUse(t, roleUse(t, a, "exporter"), access.Customer, access.Export)
		if exp.Status != service.UseUnused || !exp.OnlyThisRole || exp.LastUsedAt != nil {
			t.Errorf("rep A customer.export: %+v, want unused, only this role", exp)
		}
		edit := cellUse(t, roleUse(t, a, "editor_plus"), access.Customer, access.Edit)
		if edit.Status != service.UseUsed || !edit.OnlyThisRole {
			t.Errorf("rep A customer.edit (department): %+v, want used (any edit counts), only this role", edit)
		}
		if v := cellUse(t, roleUse(t, a, "sales_rep"), access.Contact, access.Share); v.Status != service.UseInert {
			t.Errorf("contact.share: %+v, want inert", v)
		}
		if p := proposalFor(rep.Proposals, f.repA, "exporter"); p == nil || !p.Certain || p.Apply.Kind != service.ProposeRemoveRole {
			t.Errorf("removing exporter from rep A: %+v", p)
		}
		if p := proposalFor(rep.Proposals, f.repA, "editor_plus"); p != nil {
			t.Errorf("editor_plus was used, yet proposed: %+v", p)
		}
		grants := map[int64]string{}
		for _, g := range a.Grants {
			grants[g.CustomerID] = g.Status
		}
		if grants[f.custB] != service.UseUsed || grants[f.custOut] != service.UseUnknown || a.GrantsTotal != 2 {
			t.Errorf("rep A's grants: %v (%d), want the team place used and the share unknown", grants, a.GrantsTotal)
		}

		b := userUse(t, rep, f.repB)
		if c := cellUse(t, roleUse(t, b, "exporter"), access.Customer, access.Export); c.Status != service.UseUsed || c.Evidence != "export.request" {
			t.Errorf("rep B customer.export: %+v", c)
		}
		if c := cellUse(t, roleUse(t, b, "sales_rep"), access.Customer, access.Create); c.Status != service.UseUnused || !c.LastUsedAt.Equal(f.start) {
			t.Errorf("rep B customer.create: %+v, want unused, last used %s", c, f.start)
		}
		if p := proposalFor(rep.Proposals, f.repB, "exporter"); p != nil {
			t.Errorf("rep B exported, yet removing exporter is proposed")
		}

		m := userUse(t, rep, f.mgr)
		if m.Idle || m.LastLoginAt == nil {
			t.Fatalf("the manager signed in: %+v", m)
		}
		view := cellUse(t, roleUse(t, m, "sales_manager"), access.Customer, access.View)
		if view.Status != service.UseUnknown {
			t.Errorf("manager's customer.view: %s, want unknown (reads are not recorded)", view.Status)
		}
		p := proposalFor(rep.Proposals, f.mgr, "sales_manager")
		if p == nil || p.Certain || !slices.Contains(p.Unknown, "customer.view: department_tree") {
			t.Errorf("removing sales_manager from the active manager: %+v, want proposed, uncertain, view unknown", p)
		}

		out := userUse(t, rep, f.outsider)
		if !out.Idle || out.Grants[0].Status != service.UseUnused {
			t.Errorf("the outsider did nothing: %+v", out)
		}
		if c := cellUse(t, roleUse(t, out, "sales_rep"), access.Customer, access.View); c.Status != service.UseUnused {
			t.Errorf("an idle user's view: %s, want unused", c.Status)
		}
		if p := proposalFor(rep.Proposals, f.outsider, "sales_rep"); p == nil || !p.Certain || !strings.Contains(p.Why, "did nothing") {
			t.Errorf("removing sales_rep from the idle outsider: %+v", p)
		}

		// A period that starts before the roles were given proposes nothing
		// for them: nobody held them the whole time.
		long := f.report(t, 120)
		if p := proposalFor(long.Proposals, f.repA, "exporter"); p != nil || roleUse(t, userUse(t, long, f.repA), "exporter").WholePeriod {
			t.Errorf("a role held 100 days is proposed on a 120-day period: %+v", p)
		}

		// Paging and one user.
		page := must[service.UnusedReport](t)(f.svc.UnusedPermissions(context.Background(), f.admin, service.UnusedQuery{Days: 90, Limit: 2}))
		if len(page.Items) != 2 || page.NextCursor == nil {
			t.Fatalf("page of 2: %d items, cursor %v", len(page.Items), page.NextCursor)
		}
		one := must[service.UnusedReport](t)(f.svc.UnusedPermissions(context.Background(), f.admin, service.UnusedQuery{Days: 90, UserID: f.repB}))
		if len(one.Items) != 1 || one.Items[0].UserID != f.repB {
			t.Fatalf("one user: %+v", one.Items)
		}
		_, err := f.svc.UnusedPermissions(context.Background(), f.admin, service.UnusedQuery{Days: 90, UserID: 999999})
		wantCode(t, err, errs.NotFound, "not_found")
		_, err = f.svc.UnusedPermissions(context.Background(), f.as(t, f.repA), service.UnusedQuery{Days: 90})
		wantCode(t, err, errs.Forbidden, "forbidden")
	})
}

func TestParseDays(t *testing.T) {
	for _, s := range []string{"0", "3651", "-1", "x", "1.5", " 9"} {
		_, err := service.ParseDays(s)
		if e := errs.As(err); err == nil || e.Field != "days" || e.Kind != errs.Invalid {
			t.Errorf("days=%q: %v, want 400 naming days", s, err)
		}
	}
	for s, want := range map[string]int{"": 90, "1": 1, "3650": 3650} {
		if got, err := service.ParseDays(s); err != nil || got != want {
			t.Errorf("days=%q: %d %v, want %d", s, got, err, want)
		}
	}
}
