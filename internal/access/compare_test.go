package access_test

import (
	"slices"
	"testing"

	"pgregory.net/rapid"

	"steward/internal/access"
)

var compareCatalogue = []access.FieldRef{{Object: access.Customer, Key: "name"}, {Object: access.Customer, Key: "phone", Sensitive: true},
	{Object: access.Contact, Key: "email", Sensitive: true}, {Object: access.Deal, Key: "amount"}}

func genFieldRules(t *rapid.T) []access.FieldRule {
	var out []access.FieldRule
	for _, f := range compareCatalogue {
		if rapid.IntRange(0, 2).Draw(t, "fieldRule") == 0 {
			a := rapid.SampledFrom(access.FieldAccesses).Draw(t, "fieldAccess")
			out = append(out, access.FieldRule{Object: f.Object, Field: f.Key, Access: a, Reveal: a == access.FieldMasked && rapid.Bool().Draw(t, "reveal")})
		}
	}
	return out
}

// A role that covers another allows every action on every record the
// other allows, whoever holds it: scope inclusion as ScopeCovers has it is
// sound for every org, and subordinates really are not within department.
func TestCoversMeansNoLessAccess(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		a, b := genRole(t), genRole(t)
		b.ID = a.ID // a share naming the role reaches both alike
		if !access.Covers(b, a, nil) {
			return
		}
		u, r := w.genUser(t), w.genRecord(t)
		sa, sb := w.subject(u, []access.Role{a}), w.subject(u, []access.Role{b})
		for _, o := range access.Objects {
			for _, act := range access.Actions {
				if sa.Check(o, act, r).Allowed && !sb.Check(o, act, r).Allowed {
					t.Fatalf("%s covers %s, yet only the latter allows %s.%s on %+v", b.Key, a.Key, o, act, r)
				}
			}
		}
	})
}

func TestScopeCovers(t *testing.T) {
	for _, c := range []struct {
		wide, narrow access.Scope
		want         bool
	}{
		{access.All, access.Subordinates, true}, {access.DepartmentTree, access.Department, true}, {access.Department, access.Own, true},
		{access.Subordinates, access.Own, true}, {access.Own, access.None, true}, {access.Own, access.Own, true},
		{access.Department, access.Subordinates, false}, {access.DepartmentTree, access.Subordinates, false},
		{access.Subordinates, access.Department, false}, {access.Department, access.DepartmentTree, false},
		{access.None, access.Own, false}, {access.Own, access.All, false},
	} {
		if got := access.ScopeCovers(c.wide, c.narrow); got != c.want {
			t.Errorf("ScopeCovers(%s, %s) = %v, want %v", c.wide, c.narrow, got, c.want)
		}
	}
}

// ExtraOf names everything a role adds: without it, access to a record is
// lost only on cells it names (or under a customer whose view it names), a
// function only if it names it, and field access falls exactly on the
// fields it names.
func TestExtraOfIsWhatIsLost(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		var roles []access.Role
		for i := range rapid.IntRange(1, 3).Draw(t, "roles") {
			r := genRole(t)
			r.ID, r.Key = int64(2000+i), string(rune('a'+i))+"role"
			r.Fields = genFieldRules(t)
			if rapid.Bool().Draw(t, "function") {
				r.Functions = []access.Function{rapid.SampledFrom(access.Functions).Draw(t, "fn")}
			}
			roles = append(roles, r)
		}
		k := rapid.IntRange(0, len(roles)-1).Draw(t, "removed")
		others := slices.Delete(slices.Clone(roles), k, k+1)
		e := access.ExtraOf(roles[k], others, compareCatalogue)
		u, r := w.genUser(t), w.genRecord(t)
		all := access.NewSubject(access.SubjectFacts{TenantID: 1, UserID: u, DeptID: w.userDept[u], DeptPath: w.deptPath[w.userDept[u]],
			Subordinates: w.subordinates(u), Roles: roles, Fields: compareCatalogue, Now: now})
		less := access.NewSubject(access.SubjectFacts{TenantID: 1, UserID: u, DeptID: w.userDept[u], DeptPath: w.deptPath[w.userDept[u]],
			Subordinates: w.subordinates(u), Roles: others, Fields: compareCatalogue, Now: now})
		names := func(o access.Object, act access.Action) bool {
			return slices.ContainsFunc(e.Permissions, func(p access.Permission) bool { return p.Object == o && p.Action == act })
		}
		for _, o := range access.Objects {
			for _, act := range access.Actions {
				// Anything under a customer also needs the customer visible.
				named := names(o, act) || (o != access.Customer && names(access.Customer, access.View))
				if all.Check(o, act, r).Allowed && !less.Check(o, act, r).Allowed && !named {
					t.Fatalf("without %s, %s.%s on %+v is lost, but ExtraOf does not name it: %+v", roles[k].Key, o, act, r, e)
				}
			}
		}
		for _, f := range access.Functions {
			if all.Can(f) && !less.Can(f) && !slices.Contains(e.Functions, f) {
				t.Fatalf("function %s is lost, but ExtraOf does not name it", f)
			}
		}
		for _, f := range compareCatalogue {
			with, without := all.Field(f.Object, f.Key), less.Field(f.Object, f.Key)
			falls := with.Access != without.Access || with.Reveal != without.Reveal
			named := slices.ContainsFunc(e.Fields, func(l access.FieldLevel) bool { return l.Object == f.Object && l.Field == f.Key })
			// With no other role, the catalogue's defaults apply, which may
			// even be more than the role gave: only the other case is a loss.
			if len(others) > 0 && named != falls {
				t.Fatalf("field %s.%s: %+v with, %+v without, ExtraOf names it: %v", f.Object, f.Key, with, without, named)
			}
		}
	})
}
