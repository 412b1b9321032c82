package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/policy"
	"steward/internal/service"
	"steward/internal/store"
)

// policyOf exports the fixture's policy and parses its YAML, as a file
// edited by hand would be.
func policyOf(t *testing.T, f *requestFixture, edit func(string) string) policy.Document {
	t.Helper()
	d := must[policy.Document](t)(f.svc.ExportPolicy(context.Background(), f.admin))
	doc, err := policy.Parse([]byte(edit(string(d.YAML()))))
	if err != nil {
		t.Fatalf("parse the edited export: %v", err)
	}
	return doc
}

// TestPolicyApplyChangesAccess: widening the sales rep's customer view to
// their department shows each rep the other's customer, the report says
// so per user, and the trail has the role's own entry and a summary.
func TestPolicyApplyChangesAccess(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		doc := policyOf(t, f, func(y string) string { return y })
		for i, r := range *doc.Roles {
			if r.Key == "sales_rep" {
				(*doc.Roles)[i].Permissions[access.Customer][access.View] = access.Department
				(*doc.Roles)[i].Functions = append((*doc.Roles)[i].Functions, access.ViewAudit)
			}
		}
		dry := must[service.PolicyReport](t)(f.svc.ApplyPolicy(ctx, f.admin, doc, true))
		if f.sees(t, f.repA, f.custB) {
			t.Fatal("a dry run changed access")
		}
		if len(dry.Plan.Roles) != 1 || dry.Plan.Roles[0].Name != "sales_rep" || dry.Plan.Roles[0].Change != policy.Update {
			t.Fatalf("plan: got %+v, want sales_rep updated", dry.Plan.Roles)
		}
		applied := must[service.PolicyReport](t)(f.svc.ApplyPolicy(ctx, f.admin, doc, false))
		if !f.sees(t, f.repA, f.custB) || !f.sees(t, f.repB, f.custA) {
			t.Fatal("after the apply the reps do not see each other's customers")
		}
		byUser := map[int64]service.PolicyUserChange{}
		for _, u := range applied.Users {
			byUser[u.UserID] = u
		}
		a := byUser[f.repA]
		if a.Gained.Customers != 1 || len(a.GainedSample) != 1 || a.GainedSample[0].ID != f.custB {
			t.Errorf("rep A: got gained %+v %+v, want customer %d", a.Gained, a.GainedSample, f.custB)
		}
		if !slices.Equal(a.FunctionsGained, []access.Function{access.ViewAudit}) || !slices.Equal(a.Relations, []string{"role:sales_rep"}) {
			t.Errorf("rep A: got functions +%v through %v, want +view_audit through role:sales_rep", a.FunctionsGained, a.Relations)
		}
		if !slices.ContainsFunc(a.Cells, func(c service.CellChange) bool {
			return c.Object == access.Customer && c.Action == access.View && slices.Equal(c.After, []access.Scope{access.Department})
		}) {
			t.Errorf("rep A: cells %+v lack customer.view → department", a.Cells)
		}
		if _, ok := byUser[f.mgr]; ok {
			t.Errorf("the manager, who holds no changed role, is reported: %+v", byUser[f.mgr])
		}
		entries := must[[]auditEntry](t)(policyAudit(ctx, f))
		if !slices.Contains(entries, "role.update") || !slices.Contains(entries, "policy.apply") {
			t.Errorf("audit: got %v, want role.update and policy.apply", entries)
		}
		if n := countOfString(entries, "policy.apply"); n != 1 {
			t.Errorf("audit: %d policy.apply entries, want 1 (the dry run writes none)", n)
		}
		again := must[service.PolicyReport](t)(f.svc.ApplyPolicy(ctx, f.admin, doc, false))
		if !again.Plan.Empty() || len(again.Users) != 0 {
			t.Errorf("applying the same document again: got %+v, want no change", again)
		}
	})
}

type auditEntry = string

func policyAudit(ctx context.Context, f *requestFixture) ([]auditEntry, error) {
	es, err := f.svc.AuditEvents(ctx, f.admin, store.AuditQuery{Limit: 200})
	var out []auditEntry
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out, err
}

func countOfString(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

// TestPolicyApplyRefusals: what the tenant's data refuses names the path in
// the document, and changes nothing.
func TestPolicyApplyRefusals(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		before := string(must[policy.Document](t)(f.svc.ExportPolicy(ctx, f.admin)).YAML())
		cases := []struct {
			name  string
			edit  func(string) string
			kind  errs.Kind
			code  string
			field string
		}{
			{"unknown field", func(y string) string {
				return strings.Replace(y, "key: marketing", "key: marketing\n    fields:\n      customer: {shoe_size: hidden}", 1)
			}, errs.Invalid, "unknown_field", "roles[%d].fields.customer.shoe_size"},
			{"unknown user", func(y string) string {
				return strings.Replace(y, "sharing_rules: []", "sharing_rules:\n  - {name: s, criteria: {field: level, op: equals, value: A}, principal: {user: 99999}, level: read}", 1)
			}, errs.Invalid, "invalid_reference", "sharing_rules[0].principal"},
			{"unknown role", func(y string) string {
				return strings.Replace(y, "restriction_rules: []", "restriction_rules:\n  - {name: r, criteria: {field: level, op: equals, value: A}, principals: [{role: nobody}]}", 1)
			}, errs.Invalid, "invalid_reference", "restriction_rules[0].principals[0].role"},
			{"unknown department", func(y string) string {
				return strings.Replace(y, "pools: []", "pools:\n  - {name: p, departments: [99999], holding_cap: 1}", 1)
			}, errs.Invalid, "invalid_reference", "pools[0].departments[0]"},
			{"held role left out", func(y string) string {
				i := strings.Index(y, "  - key: hr\n")
				j := strings.Index(y[i+1:], "  - key: ") + i + 1
				return y[:i] + y[j:]
			}, errs.Conflict, "role_in_use", "roles"},
			{"another tenant", func(y string) string { return strings.Replace(y, "tenant: req", "tenant: other", 1) },
				errs.Invalid, "tenant_mismatch", "tenant"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				doc := policyOf(t, f, c.edit)
				field := c.field
				if strings.Contains(field, "%d") {
					i := slices.IndexFunc(*doc.Roles, func(r policy.Role) bool { return r.Key == "marketing" })
					field = fmt.Sprintf(field, i)
				}
				for _, dry := range []bool{true, false} {
					_, err := f.svc.ApplyPolicy(ctx, f.admin, doc, dry)
					wantCode(t, err, c.kind, c.code)
					if got := errs.As(err).Field; got != field {
						t.Errorf("dry run %v: field %q, want %q (%v)", dry, got, field, err)
					}
				}
				if after := string(must[policy.Document](t)(f.svc.ExportPolicy(ctx, f.admin)).YAML()); after != before {
					t.Fatalf("a refused document changed the policy:\n%s", after)
				}
			})
		}
		_, err := f.svc.ApplyPolicy(ctx, f.admin, policyOf(t, f, func(y string) string {
			i := strings.Index(y, "  - key: hr\n")
			j := strings.Index(y[i+1:], "  - key: ") + i + 1
			return y[:i] + y[j:]
		}), false)
		if msg := errs.As(err).Message; !strings.Contains(msg, fmt.Sprint(f.hr)) {
			t.Errorf("refusing to remove a held role: %q does not name its holder %d", msg, f.hr)
		}
	})
}

// TestPolicyApplySoD: a document whose separation-of-duties rule its own
// role change breaks is refused, dry run and apply alike.
func TestPolicyApplySoD(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		doc := policyOf(t, f, func(y string) string {
			y = strings.Replace(y, "sod_rules: []", "sod_rules:\n  - {name: no auditing exporters, holdings: [customer.export, 'function:view_audit'], mode: refuse}", 1)
			return y
		})
		for i, r := range *doc.Roles {
			if r.Key == "sales_rep" {
				(*doc.Roles)[i].Permissions[access.Customer][access.Export] = access.Own
				(*doc.Roles)[i].Functions = append((*doc.Roles)[i].Functions, access.ViewAudit)
			}
		}
		for _, dry := range []bool{true, false} {
			_, err := f.svc.ApplyPolicy(ctx, f.admin, doc, dry)
			wantCode(t, err, errs.Conflict, "sod_conflict")
			if e := errs.As(err); e.Field != "roles" {
				t.Errorf("the refusal names %q, want roles (the whole change is judged at once): %v", e.Field, err)
			}
		}
		(*doc.SoDRules)[0].Mode = "justify"
		_, err := f.svc.ApplyPolicy(ctx, f.admin, doc, true)
		wantCode(t, err, errs.Conflict, "sod_justification_required")
		if msg := errs.As(err).Message; !strings.Contains(msg, "PATCH /roles/{key}") {
			t.Errorf("a justify rule's refusal does not say where a justification goes: %q", msg)
		}
		if rules := must[[]service.SoDRuleView](t)(f.svc.SoDRules(ctx, f.admin)); len(rules) != 0 {
			t.Errorf("a refused document left %d rules", len(rules))
		}
	})
}

// TestPolicyApplyWho: reading the policy needs manage_roles or view_audit;
// changing a section needs its editor's function; applying needs a recent
// sign-in, a dry run does not.
func TestPolicyApplyWho(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		doc := policyOf(t, f, func(y string) string {
			return strings.Replace(y, "pools: []", fmt.Sprintf("pools:\n  - {name: p, departments: [%d], holding_cap: 1}", f.sales), 1)
		})
		_, err := f.svc.ExportPolicy(ctx, f.as(t, f.repA))
		wantCode(t, err, errs.Forbidden, "forbidden")
		_, err = f.svc.ApplyPolicy(ctx, f.as(t, f.hr), doc, true)
		wantCode(t, err, errs.Forbidden, "forbidden")

		login := must[service.LoginResult](t)(f.svc.Login(ctx, "req", "admin@req.example", "correct-horse-battery-staple"))
		f.advance(11 * time.Minute) // past the step-up window, within the session's idle limit
		stale := must[*service.Actor](t)(f.svc.Authenticate(ctx, login.Token))
		must[service.PolicyReport](t)(f.svc.ApplyPolicy(ctx, stale, doc, true))
		_, err = f.svc.ApplyPolicy(ctx, stale, doc, false)
		wantCode(t, err, errs.Unauthorized, "step_up_required")
	})
}
