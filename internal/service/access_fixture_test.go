package service_test

import (
	"context"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// requestFixture is a tenant for access requests: a sales team (a manager
// above two reps), an outsider in Support, and an HR user who holds
// manage_users and nothing else; each rep and the outsider own a customer.
type requestFixture struct {
	svc                           *service.Service
	now                           *time.Time
	tenant                        int64
	admin                         *service.Actor
	mgr, repA, repB, outsider, hr int64
	custA, custB, custOut         int64
	sales, support                int64
	users                         map[int64]string // id → e-mail, for messages
	customerOwner                 map[int64]int64  // customer → owner
}

func newRequestFixture(t *testing.T, db *store.DB) *requestFixture {
	t.Helper()
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	return buildRequestFixture(t, newService(db, &now), &now, "req")
}

// buildRequestFixture makes the fixture's tenant, named slug, with svc,
// whose clock reads now.
func buildRequestFixture(t *testing.T, svc *service.Service, now *time.Time, slug string) *requestFixture {
	t.Helper()
	ctx := context.Background()
	f := &requestFixture{svc: svc, now: now, users: map[int64]string{}}
	relaxed := service.DefaultSecurity()
	relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
	tn, admin, err := f.svc.CreateTenant(ctx, service.NewTenant{Slug: slug, Name: "Request Test Co", AdminEmail: "admin@req.example",
		AdminPassword: "correct-horse-battery-staple", Security: &relaxed})
	if err != nil {
		t.Fatal(err)
	}
	f.tenant = tn.ID
	f.admin = must[*service.Actor](t)(f.svc.ActorFor(ctx, tn.ID, admin.ID))
	dept := func(name string) int64 {
		return must[org.Department](t)(f.svc.CreateDepartment(ctx, f.admin, org.DepartmentInput{Name: &name, ParentID: &admin.DepartmentID})).ID
	}
	f.sales, f.support = dept("Sales"), dept("Support")
	key, name, fns, perms := "hr", "HR", []access.Function{access.ManageUsers}, []access.Permission{}
	must[access.Role](t)(f.svc.SaveRole(ctx, f.admin, "", service.RoleInput{Key: &key, Name: &name, Functions: &fns, Permissions: &perms}))
	f.mgr = f.user(t, "mgr", f.sales, nil, "sales_manager")
	f.repA = f.user(t, "repa", f.sales, &f.mgr, "sales_rep")
	f.repB = f.user(t, "repb", f.sales, &f.mgr, "sales_rep")
	f.outsider = f.user(t, "out", f.support, nil, "sales_rep")
	f.hr = f.user(t, "hr", f.support, nil, "hr")
	f.customerOwner = map[int64]int64{}
	f.custA = f.customer(t, f.repA, "Alpha Ltd")
	f.custB = f.customer(t, f.repB, "Beta Ltd")
	f.custOut = f.customer(t, f.outsider, "Outer Ltd")
	return f
}

func (f *requestFixture) user(t *testing.T, name string, dept int64, mgr *int64, role string) int64 {
	t.Helper()
	email, pw, roles := name+"@req.example", "a-long-enough-password-"+name, []string{role}
	u := must[org.User](t)(f.svc.CreateUser(context.Background(), f.admin, org.UserInput{Email: &email, Name: &name, Password: &pw,
		DepartmentID: &dept, ManagerID: mgr, Roles: &roles}))
	f.users[u.ID] = email
	return u.ID
}

func (f *requestFixture) customer(t *testing.T, owner int64, name string) int64 {
	t.Helper()
	c := must[crm.Customer](t)(f.svc.CreateCustomer(context.Background(), f.as(t, owner), crm.CustomerInput{Name: &name}))
	f.customerOwner[c.ID] = owner
	return c.ID
}

// as is the user as of now: their subject is built from current data, so
// a grant made a moment ago counts.
func (f *requestFixture) as(t *testing.T, userID int64) *service.Actor {
	t.Helper()
	return must[*service.Actor](t)(f.svc.ActorFor(context.Background(), f.tenant, userID))
}

// sees reports whether the user can open the customer, by the service.
func (f *requestFixture) sees(t *testing.T, userID, customerID int64) bool {
	t.Helper()
	return f.seesAs(t, f.as(t, userID), customerID)
}

// seesAs is sees for an actor already built.
func (f *requestFixture) seesAs(t *testing.T, a *service.Actor, customerID int64) bool {
	t.Helper()
	_, err := f.svc.Customer(context.Background(), a, customerID)
	if err != nil && errs.KindOf(err) != errs.NotFound {
		t.Fatal(err)
	}
	return err == nil
}

// advance moves the service's clock.
func (f *requestFixture) advance(d time.Duration) { *f.now = f.now.Add(d) }

// wantCode fails unless err is an *errs.Error of the kind and code.
func wantCode(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if e := errs.As(err); e.Kind != kind || e.Code != code {
		t.Fatalf("got %v (kind %d), want %s (kind %d)", err, e.Kind, code, kind)
	}
}

// eachRequestFixture runs fn on a fresh fixture per engine.
func eachRequestFixture(t *testing.T, fn func(t *testing.T, f *requestFixture)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fn(t, newRequestFixture(t, db))
	})
}
