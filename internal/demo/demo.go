// Package demo seeds the demo company a newcomer explores: a small sales
// organisation with one user per preset role and a few hundred customers,
// all created through the service layer exactly as the API would.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
)

// Tenant is the demo tenant's slug.
const Tenant = "demo"

// Password is every demo user's password (documented in README.md).
const Password = "steward-demo-pass"

// Login is one demo user, for the README and tests.
type Login struct {
	Email, Name, Role, Department string
}

// Seed creates the demo company unless the tenant exists already. It reports
// whether it created anything.
func Seed(ctx context.Context, svc *service.Service) (bool, error) {
	_, _, err := svc.CreateTenant(ctx, service.NewTenant{Slug: Tenant, Name: "Demo Trading Co.",
		AdminEmail: "admin@demo.example", AdminName: "Ada Admin", AdminPassword: Password, Security: Security()})
	if errs.As(err).Code == "tenant_exists" {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	admin, err := signIn(ctx, svc, "admin@demo.example")
	if err != nil {
		return false, err
	}
	s := &seeder{svc: svc, admin: admin, rng: rand.New(rand.NewPCG(7, 11)), depts: map[string]int64{}, users: map[string]int64{}}
	if err := s.org(ctx); err != nil {
		return false, err
	}
	if err := s.customers(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// Security is the demo tenant's security settings: the defaults, except
// that no role requires a second factor, so that every demo user signs in
// with the documented password alone and the README's walk-through works.
// A real tenant (steward init) requires one of administrators, auditors,
// anyone who may export and anyone who manages users, roles or security
// or reads the audit trail; the demo says so on its README page.
func Security() *service.SecuritySettings {
	st := service.DefaultSecurity()
	st.MFARoles, st.MFAForExport, st.MFAForAdmin = []string{}, false, false
	return &st
}

func signIn(ctx context.Context, svc *service.Service, email string) (*service.Actor, error) {
	res, err := svc.Login(ctx, Tenant, email, Password)
	if err != nil {
		return nil, err
	}
	return svc.Authenticate(ctx, res.Token)
}

type seeder struct {
	svc   *service.Service
	admin *service.Actor
	rng   *rand.Rand
	depts map[string]int64
	users map[string]int64
	reps  []string
}

// Departments: company → Sales → East/West/North teams, Marketing, Service.
var departments = []struct{ name, parent string }{
	{"Sales", ""}, {"East Team", "Sales"}, {"West Team", "Sales"}, {"North Team", "Sales"},
	{"Marketing", ""}, {"Customer Service", ""},
}

// Logins lists the demo users and their roles.
var Logins = []Login{
	{"admin@demo.example", "Ada Admin", "administrator", "(company)"},
	{"director@demo.example", "Dong Director", "sales_director", "Sales"},
	{"east.manager@demo.example", "Emma East", "sales_manager", "East Team"},
	{"east.rep1@demo.example", "Eric Chen", "sales_rep", "East Team"},
	{"east.rep2@demo.example", "Elena Wang", "sales_rep", "East Team"},
	{"west.manager@demo.example", "Will West", "sales_manager", "West Team"},
	{"west.rep1@demo.example", "Wang Fang", "sales_rep", "West Team"},
	{"west.rep2@demo.example", "Walter Li", "sales_rep", "West Team"},
	{"north.manager@demo.example", "Nina North", "sales_manager", "North Team"},
	{"north.rep1@demo.example", "Niu Qiang", "sales_rep", "North Team"},
	{"marketing@demo.example", "Mia Marketing", "marketing", "Marketing"},
	{"service@demo.example", "Sam Service", "customer_service", "Customer Service"},
	{"auditor@demo.example", "Aud Itor", "auditor", "(company)"},
	{"readonly@demo.example", "Rita Reader", "read_only", "Sales"},
}

func (s *seeder) org(ctx context.Context) error {
	root := s.admin.User.DepartmentID
	s.depts["(company)"] = root
	for _, d := range departments {
		parent := root
		if d.parent != "" {
			parent = s.depts[d.parent]
		}
		name := d.name
		dep, err := s.svc.CreateDepartment(ctx, s.admin, org.DepartmentInput{Name: &name, ParentID: &parent})
		if err != nil {
			return err
		}
		s.depts[d.name] = dep.ID
	}
	s.users["admin@demo.example"] = s.admin.UserID
	for _, l := range Logins[1:] {
		email, name, pw, dept := l.Email, l.Name, Password, s.depts[l.Department]
		roles := []string{l.Role}
		in := org.UserInput{Email: &email, Name: &name, Password: &pw, DepartmentID: &dept, Roles: &roles}
		if mgr := managerOf(l); mgr != "" {
			id := s.users[mgr]
			in.ManagerID = &id
		}
		u, err := s.svc.CreateUser(ctx, s.admin, in)
		if err != nil {
			return fmt.Errorf("demo user %s: %w", email, err)
		}
		s.users[email] = u.ID
		if l.Role == "sales_rep" || l.Role == "sales_manager" {
			s.reps = append(s.reps, email)
		}
	}
	return nil
}

func managerOf(l Login) string {
	switch l.Role {
	case "sales_manager":
		return "director@demo.example"
	case "sales_rep":
		return l.Email[:len(l.Email)-len(".rep1@demo.example")] + ".manager@demo.example"
	}
	return ""
}

var (
	companyWords = []string{"Huaxia", "Jinghong", "Blue River", "Golden Gate", "Pacific", "Tianyi", "Everbright", "Northwind",
		"Sunrise", "Greenfield", "Silverline", "Dragon", "Harbor", "Summit", "Lotus", "Orient"}
	companyKinds = []string{"Trading", "Logistics", "Software", "Foods", "Machinery", "Textiles", "Pharma", "Energy"}
	industries   = []string{"Manufacturing", "Retail", "Technology", "Healthcare", "Logistics", "Energy", "Finance"}
	regions      = []string{"East", "West", "North", "South", "Central"}
	givenNames   = []string{"Li Wei", "Zhang Min", "Wang Jing", "Liu Yang", "Chen Jie", "Anna Schmidt", "Tom Baker", "Sara Kim"}
)

// customers gives each sales user about 30 customers with contacts, deals
// and follow-ups, created as that user.
func (s *seeder) customers(ctx context.Context) error {
	for _, email := range s.reps {
		a, err := signIn(ctx, s.svc, email)
		if err != nil {
			return err
		}
		for i := 0; i < 30; i++ {
			if err := s.customer(ctx, a); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *seeder) customer(ctx context.Context, a *service.Actor) error {
	r := s.rng
	name := fmt.Sprintf("%s %s %s", pick(r, companyWords), pick(r, companyKinds), pick(r, []string{"Co.", "Ltd.", "Group", "Inc."}))
	phone := fmt.Sprintf("138%08d", r.IntN(100000000))
	email := fmt.Sprintf("info%d@%s.example", r.IntN(10000), "client")
	in := crm.CustomerInput{Name: &name, Industry: ptr(pick(r, industries)), Level: ptr(pick(r, crm.Levels)),
		Region: ptr(pick(r, regions)), Source: ptr(pick(r, crm.Sources)), Phone: &phone, Email: &email,
		Address: ptr(fmt.Sprintf("%d Renmin Road, Pudong District, Shanghai", 1+r.IntN(999)))}
	c, err := s.svc.CreateCustomer(ctx, a, in)
	if err != nil {
		return err
	}
	for j := 0; j < 1+r.IntN(2); j++ {
		cn := pick(r, givenNames)
		cp := fmt.Sprintf("139%08d", r.IntN(100000000))
		if _, err := s.svc.SaveContact(ctx, a, c.ID, 0, crm.ContactInput{Name: &cn, Phone: &cp, Title: ptr(pick(r, []string{"CEO", "Buyer", "CTO", "Procurement"}))}); err != nil {
			return err
		}
	}
	amount := fmt.Sprintf("%d.00", 1000*(1+r.IntN(500)))
	if _, err := s.svc.SaveDeal(ctx, a, c.ID, 0, crm.DealInput{Name: ptr(name + " renewal"), Amount: &amount, Stage: ptr(pick(r, crm.Stages))}); err != nil {
		return err
	}
	at := time.Now().UTC().Add(-time.Duration(r.IntN(90*24)) * time.Hour)
	_, err = s.svc.SaveActivity(ctx, a, c.ID, 0, crm.ActivityInput{Type: ptr(pick(r, crm.ActivityTypes)), Note: ptr("Follow-up call"), OccurredAt: &at})
	return err
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func ptr[T any](v T) *T { return &v }
