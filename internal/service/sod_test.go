package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
)

var exportApprove = service.SoDRuleInput{Name: "four eyes on exports", Mode: access.SoDRefuse,
	Holdings: []access.Holding{"customer.export", "function:approve_exports"}}

// A rule is saved even though users break it already, and counts them;
// creating a user with a conflicting pair of roles is refused naming the
// role, and a justify rule sends such a creation to the grant route, which
// can carry a justification.
func TestSoDCreateUser(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		rule := must[service.SoDRuleView](t)(f.svc.SaveSoDRule(ctx, f.admin, 0, exportApprove))
		if rule.Violations != 1 {
			t.Fatalf("violations of a new rule the administrator breaks: %d, want 1", rule.Violations)
		}
		email, name, pw, dept := "both@req.example", "Both", "a-long-enough-password-both", f.sales
		roles := []string{"sales_manager", "sales_director"}
		in := org.UserInput{Email: &email, Name: &name, Password: &pw, DepartmentID: &dept, Roles: &roles}
		_, err := f.svc.CreateUser(ctx, f.admin, in)
		wantCode(t, err, errs.Conflict, "sod_conflict")
		if e := errs.As(err); e.Field != "roles[1]" || !strings.Contains(e.Message, exportApprove.Name) {
			t.Errorf("refusal: field %q message %q; want roles[1] and the rule's name", e.Field, e.Message)
		}
		justify := exportApprove
		justify.Mode = access.SoDJustify
		must[service.SoDRuleView](t)(f.svc.SaveSoDRule(ctx, f.admin, rule.ID, justify))
		_, err = f.svc.CreateUser(ctx, f.admin, in)
		wantCode(t, err, errs.Conflict, "sod_justification_required")
		if e := errs.As(err); e.Field != "roles[1]" {
			t.Errorf("justification required: field %q, want roles[1]", e.Field)
		}
		roles = roles[:1]
		u := must[org.User](t)(f.svc.CreateUser(ctx, f.admin, in))
		err = f.svc.GrantRole(ctx, f.admin, u.ID, service.RoleGrant{Role: "sales_director", Justification: "too short"})
		wantCode(t, err, errs.Invalid, "justification_too_short")
		if err := f.svc.GrantRole(ctx, f.admin, u.ID, service.RoleGrant{Role: "sales_director", Justification: "covering the director in May"}); err != nil {
			t.Fatal(err)
		}
		vs := must[[]service.SoDViolation](t)(f.svc.SoDConflicts(ctx, f.admin))
		var got *service.SoDViolation
		for i := range vs {
			if vs[i].UserID == u.ID {
				got = &vs[i]
			}
		}
		if len(vs) != 2 || got == nil || got.Justification == nil || got.Justification.Justification != "covering the director in May" ||
			got.Justification.GrantKind != "role_assignment" || *got.Justification.JustifiedBy != f.admin.UserID {
			t.Fatalf("conflicts: %+v", vs)
		}
	})
}

// Two grants sent at once, each harmless alone, cannot together put a
// user in breach of a rule: one of them is refused.
func TestSoDConcurrentGrants(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		rule := service.SoDRuleInput{Name: "audit or approve", Mode: access.SoDRefuse,
			Holdings: []access.Holding{"function:view_audit", "function:approve_exports"}}
		must[service.SoDRuleView](t)(f.svc.SaveSoDRule(ctx, f.admin, 0, rule))
		for round := range 10 {
			var wg sync.WaitGroup
			errsOut := make([]error, 2)
			for i, role := range []string{"auditor", "sales_director"} {
				wg.Go(func() { errsOut[i] = f.svc.GrantRole(ctx, f.admin, f.repA, service.RoleGrant{Role: role}) })
			}
			wg.Wait()
			ok := 0
			for _, err := range errsOut {
				if err == nil {
					ok++
				} else if errs.As(err).Code != "sod_conflict" {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d of two conflicting grants went through, want 1", round, ok)
			}
			for _, role := range []string{"auditor", "sales_director"} {
				if err := f.svc.RevokeRole(ctx, f.admin, f.repA, role); err != nil && errs.KindOf(err) != errs.NotFound {
					t.Fatal(err)
				}
			}
		}
	})
}

// The 三员分立 profile: refused while the administrator holds every duty;
// once the administrators are split and the administrator role is taken
// away, on; then nobody is given a second duty, no role combines duties,
// and the system administrator can give the other duties' roles although
// he holds none of their functions.
func TestSoDProfile(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		on, off := true, false
		_, err := f.svc.SetSoDProfile(ctx, f.admin, service.SoDProfileInput{SeparationOfDuties: &on})
		wantCode(t, err, errs.Conflict, "sod_profile_blocked")
		if !strings.Contains(errs.As(err).Message, "administrator (system+security+audit)") {
			t.Errorf("the refusal does not say what must change: %s", errs.As(err).Message)
		}
		sys := f.user(t, "sys", f.support, nil, "system_admin")
		sec := f.user(t, "sec", f.support, nil, "security_admin")
		aud := f.user(t, "aud", f.support, nil, "audit_admin")
		p := must[service.SoDProfile](t)(f.svc.SoDProfileOf(ctx, f.as(t, aud)))
		if len(p.Blockers) != 1 || p.Blockers[0].UserID != f.admin.UserID || len(p.Blockers[0].Duties) != 3 {
			t.Fatalf("blockers: %+v", p.Blockers)
		}
		if err := f.svc.RevokeRole(ctx, f.as(t, sys), f.admin.UserID, "administrator"); err != nil {
			t.Fatal(err)
		}
		p = must[service.SoDProfile](t)(f.svc.SetSoDProfile(ctx, f.as(t, sec), service.SoDProfileInput{SeparationOfDuties: &on}))
		if !p.SeparationOfDuties || len(p.Blockers) != 0 {
			t.Fatalf("profile after switching on: %+v", p)
		}

		// The system administrator gives the audit role (he lacks view_audit)...
		if err := f.svc.GrantRole(ctx, f.as(t, sys), f.outsider, service.RoleGrant{Role: "audit_admin"}); err != nil {
			t.Fatalf("the system administrator gives the audit role: %v", err)
		}
		// ...but nobody takes a second duty, whether through one role or two.
		for _, c := range []struct {
			user int64
			role string
		}{{sys, "audit_admin"}, {aud, "security_admin"}, {f.outsider, "system_admin"}} {
			err := f.svc.GrantRole(ctx, f.as(t, sys), c.user, service.RoleGrant{Role: c.role, Justification: "please let this through"})
			wantCode(t, err, errs.Conflict, "sod_conflict")
		}
		// The administrator role also carries business functions, which
		// nobody is exempt from holding before giving them.
		err = f.svc.GrantRole(ctx, f.as(t, sys), f.repA, service.RoleGrant{Role: "administrator"})
		wantCode(t, err, errs.Forbidden, "grant_exceeds_own")
		// Roles stay within one duty.
		key, name := "watcher", "Watcher"
		fns := []access.Function{access.ViewAudit, access.ManageUsers}
		_, err = f.svc.SaveRole(ctx, f.as(t, sec), "", service.RoleInput{Key: &key, Name: &name, Functions: &fns})
		wantCode(t, err, errs.Conflict, "sod_conflict")
		fns = []access.Function{access.ManageUsers, access.ManageOrg, access.ManageSecurity, access.ViewAudit}
		_, err = f.svc.SaveRole(ctx, f.as(t, sec), "system_admin", service.RoleInput{Functions: &fns})
		wantCode(t, err, errs.Conflict, "sod_conflict")
		fns = fns[:2]
		if _, err := f.svc.SaveRole(ctx, f.as(t, sec), "", service.RoleInput{Key: &key, Name: &name, Functions: &fns}); err != nil {
			t.Fatalf("the security administrator defines a system role: %v", err)
		}
		// Off again, the rule that nobody gives what they lack is back.
		must[service.SoDProfile](t)(f.svc.SetSoDProfile(ctx, f.as(t, sec), service.SoDProfileInput{SeparationOfDuties: &off}))
		err = f.svc.GrantRole(ctx, f.as(t, sys), f.repB, service.RoleGrant{Role: "audit_admin"})
		wantCode(t, err, errs.Forbidden, "grant_exceeds_own")
	})
}
