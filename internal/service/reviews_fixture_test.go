package service_test

import (
	"context"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// reviewFixture is a small company for access reviews:
//
//	root:    admin (administrator; owns the campaigns)
//	Sales:   head (sales_director, no manager)
//	  East:  mgr (sales_manager, reports to head), repa and repb (sales_rep, report to mgr)
//	Support: sup (customer_service, no manager), 王芳 (customer_service, reports to sup)
//
// repa owns Alpha Ltd, repb owns Beta Ltd. repb sits on Alpha's team (edit,
// given by repa) and has added a contact to it since; Beta is shared with
// repa until a month from now; repa holds the auditor role for a month; a
// share of Alpha with sup ran out yesterday. repa edited Alpha after being
// made a sales rep.
type reviewFixture struct {
	svc                         *service.Service
	now                         *time.Time
	tenant                      int64
	admin                       *service.Actor
	adminID, head, mgr, sup, wf int64
	repA, repB                  int64
	sales, east, support        int64
	custA, custB                int64
}

func eachReviewFixture(t *testing.T, fn func(t *testing.T, f *reviewFixture)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fn(t, newReviewFixture(t, db))
	})
}

func newReviewFixture(t *testing.T, db *store.DB) *reviewFixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f := &reviewFixture{svc: newService(db, &now), now: &now}
	relaxed := service.DefaultSecurity()
	relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
	tn, admin, err := f.svc.CreateTenant(ctx, service.NewTenant{Slug: "rev", Name: "Review Co", AdminEmail: "admin@rev.example",
		AdminPassword: "correct-horse-battery-staple", Security: &relaxed})
	if err != nil {
		t.Fatal(err)
	}
	f.tenant, f.adminID = tn.ID, admin.ID
	f.admin = f.as(t, admin.ID)
	dept := func(name string, parent int64) int64 {
		return must[org.Department](t)(f.svc.CreateDepartment(ctx, f.admin, org.DepartmentInput{Name: &name, ParentID: &parent})).ID
	}
	f.sales = dept("Sales", admin.DepartmentID)
	f.east = dept("East", f.sales)
	f.support = dept("Support", admin.DepartmentID)
	f.head = f.user(t, "head", f.sales, nil, "sales_director")
	f.mgr = f.user(t, "mgr", f.east, &f.head, "sales_manager")
	f.repA = f.user(t, "repa", f.east, &f.mgr, "sales_rep")
	f.repB = f.user(t, "repb", f.east, &f.mgr, "sales_rep")
	f.sup = f.user(t, "sup", f.support, nil, "customer_service")
	f.wf = f.user(t, "王芳", f.support, &f.sup, "customer_service")

	f.advance(time.Hour)
	f.custA = f.customer(t, f.repA, "Alpha Ltd")
	f.custB = f.customer(t, f.repB, "Beta Ltd")
	must[store.Grant](t)(f.svc.AddTeamMember(ctx, f.as(t, f.repA), f.custA, service.TeamInput{UserID: f.repB, Level: access.EditLevel, Reason: "covering holidays"}))
	month := f.now.Add(30 * 24 * time.Hour)
	must[store.Grant](t)(f.svc.AddShare(ctx, f.as(t, f.repB), f.custB, service.ShareInput{
		Principal: access.Principal{Type: access.PrincipalUser, ID: f.repA}, Level: access.Read, ExpiresAt: &month, Reason: "joint bid"}))
	if err := f.svc.GrantRole(ctx, f.admin, f.repA, service.RoleGrant{Role: "auditor", ExpiresAt: &month, Reason: "year-end audit"}); err != nil {
		t.Fatal(err)
	}
	tomorrow := f.now.Add(24 * time.Hour)
	must[store.Grant](t)(f.svc.AddShare(ctx, f.admin, f.custA, service.ShareInput{
		Principal: access.Principal{Type: access.PrincipalUser, ID: f.sup}, Level: access.Read, ExpiresAt: &tomorrow}))
	f.advance(2 * time.Hour)
	name, region := "Li Wei", "North"
	must[crm.Contact](t)(f.svc.SaveContact(ctx, f.as(t, f.repB), f.custA, 0, crm.ContactInput{Name: &name}))
	must[crm.Customer](t)(f.svc.UpdateCustomer(ctx, f.as(t, f.repA), f.custA, crm.CustomerInput{Region: &region}))
	f.advance(2 * 24 * time.Hour) // sup's share has run out
	return f
}

func (f *reviewFixture) user(t *testing.T, name string, dept int64, mgr *int64, role string) int64 {
	t.Helper()
	email, pw, roles := name+"@rev.example", "a-long-enough-password-1", []string{role}
	if name == "王芳" {
		email = "wang.fang@rev.example"
	}
	u := must[org.User](t)(f.svc.CreateUser(context.Background(), f.admin, org.UserInput{Email: &email, Name: &name, Password: &pw,
		DepartmentID: &dept, ManagerID: mgr, Roles: &roles}))
	return u.ID
}

func (f *reviewFixture) customer(t *testing.T, owner int64, name string) int64 {
	t.Helper()
	return must[crm.Customer](t)(f.svc.CreateCustomer(context.Background(), f.as(t, owner), crm.CustomerInput{Name: &name})).ID
}

func (f *reviewFixture) as(t *testing.T, userID int64) *service.Actor {
	t.Helper()
	return must[*service.Actor](t)(f.svc.ActorFor(context.Background(), f.tenant, userID))
}

func (f *reviewFixture) advance(d time.Duration) { *f.now = f.now.Add(d) }

// campaign creates and starts a campaign owned by the administrator.
func (f *reviewFixture) campaign(t *testing.T, in service.ReviewInput) service.Review {
	t.Helper()
	ctx := context.Background()
	if in.Name == "" {
		in.Name = "Quarterly review"
	}
	if in.Deadline.IsZero() {
		in.Deadline = f.now.Add(14 * 24 * time.Hour)
	}
	if in.Undecided == "" {
		in.Undecided = "keep"
	}
	if in.Reviewers.Rule == "" {
		in.Reviewers.Rule = service.RuleManager
	}
	r := must[service.Review](t)(f.svc.CreateReview(ctx, f.admin, in))
	return must[service.Review](t)(f.svc.StartReview(ctx, f.as(t, f.adminID), r.ID))
}

// items lists every item of a campaign, as its owner sees them.
func (f *reviewFixture) items(t *testing.T, id int64) []service.ReviewItem {
	t.Helper()
	p := must[service.Page[service.ReviewItem]](t)(f.svc.ReviewItems(context.Background(), f.as(t, f.adminID), id, service.ReviewItemList{Limit: 500}))
	return p.Items
}

// find returns the item of a user's grant: a role by key, or a team place
// or share by customer.
func find(t *testing.T, items []service.ReviewItem, user int64, kind, role string, customer int64) service.ReviewItem {
	t.Helper()
	for _, it := range items {
		if it.UserID == user && it.Kind == kind && it.Role == role && (customer == 0 || (it.CustomerID != nil && *it.CustomerID == customer)) {
			return it
		}
	}
	t.Fatalf("no %s item %q/%d for user %d among %d items", kind, role, customer, user, len(items))
	return service.ReviewItem{}
}
