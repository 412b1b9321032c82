package access_test

import (
	"slices"
	"testing"

	"pgregory.net/rapid"

	"steward/internal/access"
)

// world is a random tenant: a department tree, users with managers, roles.
type world struct {
	deptPath map[int64][]int64 // department → path from the root
	userDept map[int64]int64
	manager  map[int64]int64
	roles    []access.Role
}

func genWorld(t *rapid.T) world {
	w := world{deptPath: map[int64][]int64{1: {1}}, userDept: map[int64]int64{}, manager: map[int64]int64{}}
	nd := rapid.IntRange(1, 12).Draw(t, "departments")
	for d := int64(2); d <= int64(nd)+1; d++ {
		parent := rapid.Int64Range(1, d-1).Draw(t, "parent")
		if len(w.deptPath[parent]) >= 8 {
			parent = 1
		}
		w.deptPath[d] = append(slices.Clone(w.deptPath[parent]), d)
	}
	nu := rapid.IntRange(1, 10).Draw(t, "users")
	for u := int64(100); u < int64(100+nu); u++ {
		w.userDept[u] = rapid.Int64Range(1, int64(nd)+1).Draw(t, "dept")
		if u > 100 && rapid.Bool().Draw(t, "hasManager") {
			w.manager[u] = rapid.Int64Range(100, u-1).Draw(t, "manager")
		}
	}
	nr := rapid.IntRange(0, 3).Draw(t, "roles")
	for i := 0; i < nr; i++ {
		w.roles = append(w.roles, genRole(t))
	}
	return w
}

func genRole(t *rapid.T) access.Role {
	var perms []access.Permission
	for _, o := range access.Objects {
		for _, a := range access.Actions {
			if rapid.IntRange(0, 3).Draw(t, "cellSet") == 0 {
				perms = append(perms, access.Permission{Object: o, Action: a, Scope: rapid.SampledFrom(access.Scopes).Draw(t, "scope")})
			}
		}
	}
	return access.Role{Key: "r" + rapid.StringMatching(`[a-z]{3}`).Draw(t, "key"), Permissions: perms}
}

func (w world) subordinates(u int64) []int64 {
	var out []int64
	for v := range w.userDept {
		for m, ok := w.manager[v]; ok; m, ok = w.manager[m] {
			if m == u {
				out = append(out, v)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func (w world) subject(u int64, roles []access.Role) *access.Subject {
	d := w.userDept[u]
	return access.NewSubject(1, u, d, w.deptPath[d], w.subordinates(u), roles)
}

func (w world) genRecord(t *rapid.T) access.Record {
	if rapid.IntRange(0, 5).Draw(t, "pool") == 0 {
		return access.Record{ID: 1}
	}
	users := make([]int64, 0, len(w.userDept))
	for u := range w.userDept {
		users = append(users, u)
	}
	slices.Sort(users)
	owner := rapid.SampledFrom(users).Draw(t, "owner")
	d := w.userDept[owner]
	return access.Record{ID: 1, OwnerID: owner, OwnerDeptID: d, DeptPath: w.deptPath[d]}
}

func (w world) genUser(t *rapid.T) int64 {
	return rapid.Int64Range(100, int64(99+len(w.userDept))).Draw(t, "user")
}

// A record passes the filter exactly when the check allows the action:
// lists and single checks can never disagree.
func TestFilterAgreesWithCheck(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		s := w.subject(w.genUser(t), w.roles)
		r := w.genRecord(t)
		for _, o := range access.Objects {
			for _, a := range access.Actions {
				got := s.Filter(o, a).Match(r)
				want := s.Check(o, a, r).Allowed
				if got != want {
					t.Fatalf("%s.%s on %+v: filter says %v, check says %v", o, a, r, got, want)
				}
			}
		}
	})
}

// Adding a role never removes access; removing one never adds access.
func TestAddingRoleNeverRemovesAccess(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		u := w.genUser(t)
		r := w.genRecord(t)
		before := w.subject(u, w.roles)
		after := w.subject(u, append(slices.Clone(w.roles), genRole(t)))
		for _, o := range access.Objects {
			for _, a := range access.Actions {
				if before.Check(o, a, r).Allowed && !after.Check(o, a, r).Allowed {
					t.Fatalf("%s.%s: allowed before a role was added, denied after", o, a)
				}
			}
		}
	})
}

// A child object is never allowed where its customer is not visible.
func TestChildNeverLeaksAroundCustomer(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		s := w.subject(w.genUser(t), w.roles)
		r := w.genRecord(t)
		if s.Check(access.Customer, access.View, r).Allowed {
			return
		}
		for _, o := range access.Objects[1:] {
			for _, a := range access.Actions {
				if s.Check(o, a, r).Allowed {
					t.Fatalf("%s.%s allowed on a customer the subject cannot view", o, a)
				}
			}
		}
	})
}

// Every allowed decision names at least one reason; every denial says what is missing.
func TestDecisionsExplainThemselves(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		s := w.subject(w.genUser(t), w.roles)
		r := w.genRecord(t)
		for _, o := range access.Objects {
			for _, a := range access.Actions {
				d := s.Check(o, a, r)
				if d.Allowed && len(d.Reasons) == 0 {
					t.Fatalf("%s.%s allowed without a reason", o, a)
				}
				if !d.Allowed && d.Missing == "" {
					t.Fatalf("%s.%s denied without saying what is missing", o, a)
				}
			}
		}
	})
}

func TestScopes(t *testing.T) {
	// Company(1) → Sales(2) → East(3); Service(4). Ann (10) manages Bob (11).
	paths := map[int64][]int64{1: {1}, 2: {1, 2}, 3: {1, 2, 3}, 4: {1, 4}}
	role := func(s access.Scope) []access.Role {
		return []access.Role{{Key: "x", Permissions: []access.Permission{{Object: access.Customer, Action: access.View, Scope: s}}}}
	}
	rec := func(owner, dept int64) access.Record {
		return access.Record{OwnerID: owner, OwnerDeptID: dept, DeptPath: paths[dept]}
	}
	cases := []struct {
		scope access.Scope
		rec   access.Record
		want  bool
	}{
		{access.Own, rec(10, 2), true},
		{access.Own, rec(11, 3), false},
		{access.Subordinates, rec(11, 3), true},
		{access.Subordinates, rec(12, 2), false},
		{access.Department, rec(12, 2), true},
		{access.Department, rec(11, 3), false},
		{access.DepartmentTree, rec(11, 3), true},
		{access.DepartmentTree, rec(13, 4), false},
		{access.All, rec(13, 4), true},
		{access.All, access.Record{}, true},
		{access.DepartmentTree, access.Record{}, false},
		{access.None, rec(10, 2), false},
	}
	for _, c := range cases {
		s := access.NewSubject(1, 10, 2, paths[2], []int64{11}, role(c.scope))
		if got := s.Check(access.Customer, access.View, c.rec).Allowed; got != c.want {
			t.Errorf("scope %s on owner %d dept %d: got %v, want %v", c.scope, c.rec.OwnerID, c.rec.OwnerDeptID, got, c.want)
		}
	}
}

func TestRoleValidate(t *testing.T) {
	r := access.Role{Key: "ok_role", Permissions: []access.Permission{
		{Object: access.Customer, Action: access.View, Scope: access.Own},
		{Object: access.Customer, Action: access.Edit, Scope: access.None},
	}, Functions: []access.Function{access.ViewAudit, access.ViewAudit}}
	if err := r.Validate(); err != nil {
		t.Fatalf("valid role refused: %v", err)
	}
	if len(r.Permissions) != 1 || len(r.Functions) != 1 {
		t.Fatalf("got %d cells and %d functions, want none-scoped cells and duplicate functions dropped", len(r.Permissions), len(r.Functions))
	}
	bad := []access.Role{
		{Key: "X"},
		{Key: "ok", Permissions: []access.Permission{{Object: "planet", Action: access.View, Scope: access.All}}},
		{Key: "ok", Permissions: []access.Permission{{Object: access.Customer, Action: "fly", Scope: access.All}}},
		{Key: "ok", Permissions: []access.Permission{{Object: access.Customer, Action: access.View, Scope: "galaxy"}}},
		{Key: "ok", Functions: []access.Function{"rule_the_world"}},
		{Key: "ok", Permissions: []access.Permission{{Object: access.Customer, Action: access.View, Scope: access.All}, {Object: access.Customer, Action: access.View, Scope: access.Own}}},
	}
	for i, r := range bad {
		if err := r.Validate(); err == nil {
			t.Errorf("bad role %d accepted", i)
		}
	}
}

func TestPresetsAreValid(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range access.Presets() {
		if err := r.Validate(); err != nil {
			t.Errorf("preset %s: %v", r.Key, err)
		}
		if seen[r.Key] {
			t.Errorf("preset %s given twice", r.Key)
		}
		seen[r.Key] = true
	}
	for _, k := range []string{"administrator", "sales_director", "sales_manager", "sales_rep", "marketing", "customer_service", "auditor", "read_only"} {
		if !seen[k] {
			t.Errorf("preset %s missing", k)
		}
	}
}
