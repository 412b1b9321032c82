package access_test

import (
	"slices"
	"testing"

	"pgregory.net/rapid"

	"steward/internal/access"
)

func presetRole(t testing.TB, key string) access.Role {
	t.Helper()
	for _, r := range access.Presets() {
		if r.Key == key {
			if err := r.Validate(); err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("no preset %s", key)
	return access.Role{}
}

func TestConflictsExamples(t *testing.T) {
	exportApprove := access.SoDRule{ID: 1, Name: "export and approve", Mode: access.SoDRefuse,
		Holdings: []access.Holding{"customer.export", access.FunctionHolding(access.ApproveExports)}}
	rolesAudit := access.SoDRule{ID: 2, Name: "roles and audit", Mode: access.SoDJustify,
		Holdings: []access.Holding{"function:manage_roles", "function:view_audit"}}
	rules := []access.SoDRule{exportApprove, rolesAudit}
	manager, director := presetRole(t, "sales_manager"), presetRole(t, "sales_director")
	auditor, admin := presetRole(t, "auditor"), presetRole(t, "administrator")

	if got := access.Conflicts(rules, []access.Role{manager}); len(got) != 0 {
		t.Errorf("a sales manager alone: got %v, want no conflict", got)
	}
	// The director's role both exports and approves: one role can break a rule.
	got := access.Conflicts(rules, []access.Role{manager}, director)
	if len(got) != 1 || got[0].Rule.ID != 1 {
		t.Fatalf("manager + director: got %+v, want the export rule", got)
	}
	want := []access.HoldingSource{{Holding: "customer.export", Roles: []string{"sales_manager", "sales_director"}},
		{Holding: "function:approve_exports", Roles: []string{"sales_director"}}}
	if !slices.EqualFunc(got[0].Holdings, want, func(a, b access.HoldingSource) bool {
		return a.Holding == b.Holding && slices.Equal(a.Roles, b.Roles)
	}) {
		t.Errorf("sources: got %+v, want %+v", got[0].Holdings, want)
	}
	if got := access.Conflicts(rules, []access.Role{auditor, manager}); len(got) != 0 {
		t.Errorf("auditor + manager: got %v, want none", got)
	}
	if got := access.Conflicts(rules, []access.Role{admin}); len(got) != 2 {
		t.Errorf("administrator: got %d conflicts, want both rules", len(got))
	}
	// A rule already broken is not new.
	if got := access.NewConflicts(rules, []access.Role{admin}, []access.Role{admin, auditor}); len(got) != 0 {
		t.Errorf("auditor on top of administrator: got %v new, want none", got)
	}
	if got := access.NewConflicts(rules, []access.Role{manager}, []access.Role{manager, director}); len(got) != 1 {
		t.Errorf("director on top of manager: got %v new, want the export rule", got)
	}
}

// The three duty presets are each within one duty; the administrator
// preset spans all three, so the profile's rules all catch it.
func TestProfileRules(t *testing.T) {
	rules := access.ProfileRules()
	sys, sec, aud := presetRole(t, "system_admin"), presetRole(t, "security_admin"), presetRole(t, "audit_admin")
	for _, r := range []access.Role{sys, sec, aud} {
		if got := access.Conflicts(rules, []access.Role{r}); len(got) != 0 {
			t.Errorf("%s alone: got %v, want no conflict", r.Key, got)
		}
		if d := access.DutiesOf(r); len(d) != 1 {
			t.Errorf("%s: duties %v, want one", r.Key, d)
		}
	}
	if got := access.Conflicts(rules, []access.Role{sys}, aud); len(got) != 1 || got[0].Rule.Name != "三员分立: system / audit" {
		t.Errorf("system + audit: got %+v", got)
	}
	if got := access.Conflicts(rules, []access.Role{presetRole(t, "administrator")}); len(got) != 3 {
		t.Errorf("administrator: got %d conflicts, want 3", len(got))
	}
	if got := access.Conflicts(rules, []access.Role{presetRole(t, "auditor"), aud, presetRole(t, "sales_director")}); len(got) != 0 {
		t.Errorf("auditor + audit admin + sales director: got %v, want none (business functions have no duty)", got)
	}
	for _, f := range access.Functions {
		d, ok := access.DutyOf(f)
		if ok != slices.ContainsFunc(access.Duties, func(x access.Duty) bool { return slices.Contains(x.Functions(), f) }) || ok && !slices.Contains(d.Functions(), f) {
			t.Errorf("DutyOf(%s) = %s, %v disagrees with Duty.Functions", f, d, ok)
		}
	}
}

func TestSoDRuleValidate(t *testing.T) {
	bad := []access.SoDRule{
		{Mode: "warn", Holdings: []access.Holding{"customer.export", "function:view_audit"}},
		{Mode: access.SoDRefuse, Holdings: []access.Holding{"customer.export"}},
		{Mode: access.SoDRefuse, Holdings: []access.Holding{"customer.export", "customer.export"}},
		{Mode: access.SoDRefuse, Holdings: []access.Holding{"customer.export", "function:root"}},
		{Mode: access.SoDRefuse, Holdings: []access.Holding{"customer.export", "duty:janitor"}},
		{Mode: access.SoDRefuse, Holdings: []access.Holding{"customer.export", "tenant.view"}},
		{Mode: access.SoDRefuse, Holdings: []access.Holding{"customer.export", "customer"}},
		{Mode: access.SoDRefuse, Holdings: []access.Holding{"customer.export", ""}},
	}
	for i, r := range bad {
		if err := r.Validate(); err == nil {
			t.Errorf("bad rule %d %+v accepted", i, r)
		}
	}
	good := access.SoDRule{Mode: access.SoDJustify, Holdings: []access.Holding{"function:view_audit", "duty:security", "deal.delete"}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(good.Holdings) {
		t.Errorf("holdings not sorted: %v", good.Holdings)
	}
}

// genHolding draws any valid holding.
func genHolding(t *rapid.T) access.Holding {
	switch rapid.IntRange(0, 2).Draw(t, "kind") {
	case 0:
		return access.FunctionHolding(rapid.SampledFrom(access.Functions).Draw(t, "function"))
	case 1:
		return access.DutyHolding(rapid.SampledFrom(access.Duties).Draw(t, "duty"))
	}
	return access.ActionHolding(rapid.SampledFrom(access.Objects).Draw(t, "object"), rapid.SampledFrom(access.Actions).Draw(t, "action"))
}

func genSoDRules(t *rapid.T) []access.SoDRule {
	n := rapid.IntRange(0, 6).Draw(t, "rules")
	var out []access.SoDRule
	for i := range n {
		hs := rapid.SliceOfNDistinct(rapid.Custom(genHolding), 2, 4, func(h access.Holding) access.Holding { return h }).Draw(t, "holdings")
		r := access.SoDRule{ID: int64(i + 1), Name: "r", Mode: rapid.SampledFrom([]access.SoDMode{access.SoDRefuse, access.SoDJustify}).Draw(t, "mode"), Holdings: hs}
		if err := r.Validate(); err != nil {
			t.Fatalf("generated rule invalid: %v", err)
		}
		out = append(out, r)
	}
	return out
}

// genSoDRole draws a role with a few functions and cells.
func genSoDRole(t *rapid.T, key string) access.Role {
	r := access.Role{Key: key}
	r.Functions = rapid.SliceOfDistinct(rapid.SampledFrom(access.Functions), func(f access.Function) access.Function { return f }).Draw(t, key+".functions")
	if len(r.Functions) > 3 {
		r.Functions = r.Functions[:3]
	}
	for range rapid.IntRange(0, 3).Draw(t, key+".cells") {
		r.Permissions = append(r.Permissions, access.Permission{Object: rapid.SampledFrom(access.Objects).Draw(t, "o"),
			Action: rapid.SampledFrom(access.Actions).Draw(t, "a"), Scope: rapid.SampledFrom(access.Scopes).Draw(t, "s")})
	}
	return r
}

func genSoDRoles(t *rapid.T, prefix string) []access.Role {
	var out []access.Role
	for i := range rapid.IntRange(0, 4).Draw(t, prefix) {
		out = append(out, genSoDRole(t, prefix+string(rune('a'+i))))
	}
	return out
}

// covers is the definition, stated directly: some role gives each holding.
func covers(rule access.SoDRule, roles []access.Role) bool {
	for _, h := range rule.Holdings {
		if !slices.ContainsFunc(roles, h.GivenBy) {
			return false
		}
	}
	return true
}

func ruleIDs(cs []access.Conflict) []int64 {
	var out []int64
	for _, c := range cs {
		out = append(out, c.Rule.ID)
	}
	return out
}

// A rule is reported if and only if the roles together cover all its
// holdings, and each holding lists exactly the roles that give it.
func TestConflictsIffCovered(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rules, roles := genSoDRules(t), genSoDRoles(t, "r")
		got := access.Conflicts(rules, roles)
		for _, rule := range rules {
			reported := slices.Contains(ruleIDs(got), rule.ID)
			if reported != covers(rule, roles) {
				t.Fatalf("rule %v: reported %v, covered %v", rule.Holdings, reported, covers(rule, roles))
			}
		}
		for _, c := range got {
			if len(c.Holdings) != len(c.Rule.Holdings) {
				t.Fatalf("conflict %+v: %d sources for %d holdings", c, len(c.Holdings), len(c.Rule.Holdings))
			}
			for _, src := range c.Holdings {
				var want []string
				for _, r := range roles {
					if src.Holding.GivenBy(r) {
						want = append(want, r.Key)
					}
				}
				if !slices.Equal(src.Roles, want) {
					t.Fatalf("holding %s: roles %v, want %v", src.Holding, src.Roles, want)
				}
			}
		}
	})
}

// Adding a role never removes a violation, and the order of the roles
// does not matter.
func TestConflictsMonotone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rules, roles := genSoDRules(t), genSoDRoles(t, "r")
		extra := genSoDRole(t, "x")
		before, after := ruleIDs(access.Conflicts(rules, roles)), ruleIDs(access.Conflicts(rules, roles, extra))
		for _, id := range before {
			if !slices.Contains(after, id) {
				t.Fatalf("adding %+v removed the violation of rule %d", extra, id)
			}
		}
		shuffled := rapid.Permutation(roles).Draw(t, "shuffled")
		if got := ruleIDs(access.Conflicts(rules, shuffled)); !slices.Equal(got, before) {
			t.Fatalf("shuffled roles: %v, want %v", got, before)
		}
	})
}

// NewConflicts is exactly the conflicts of after that before lacks.
func TestNewConflicts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rules := genSoDRules(t)
		before, after := genSoDRoles(t, "b"), genSoDRoles(t, "a")
		old, now := ruleIDs(access.Conflicts(rules, before)), ruleIDs(access.Conflicts(rules, after))
		var want []int64
		for _, id := range now {
			if !slices.Contains(old, id) {
				want = append(want, id)
			}
		}
		if got := ruleIDs(access.NewConflicts(rules, before, after)); !slices.Equal(got, want) {
			t.Fatalf("new conflicts %v, want %v", got, want)
		}
	})
}
