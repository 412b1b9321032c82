package access_test

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"steward/internal/access"
)

// world is a random tenant: a department tree, users with managers and
// groups, roles, sharing and restriction rules, pools.
type world struct {
	deptPath     map[int64][]int64 // department → path from the root
	userDept     map[int64]int64
	manager      map[int64]int64
	groups       map[int64][]int64
	roles        []access.Role
	rules        []access.SharingRule
	restrictions []access.RestrictionRule
	pools        []access.Pool
}

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func genWorld(t *rapid.T) world {
	w := world{deptPath: map[int64][]int64{1: {1}}, userDept: map[int64]int64{}, manager: map[int64]int64{}, groups: map[int64][]int64{}}
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
		if rapid.Bool().Draw(t, "inGroup") {
			w.groups[u] = []int64{rapid.Int64Range(1, 2).Draw(t, "group")}
		}
	}
	nr := rapid.IntRange(0, 3).Draw(t, "roles")
	for i := 0; i < nr; i++ {
		w.roles = append(w.roles, genRole(t))
	}
	for i := 0; i < rapid.IntRange(0, 2).Draw(t, "rules"); i++ {
		w.rules = append(w.rules, access.SharingRule{ID: int64(i + 1), Name: "rule", Criteria: genCriteria(t, 0), Principal: w.genPrincipal(t), Level: genLevel(t)})
	}
	for i := 0; i < rapid.IntRange(0, 1).Draw(t, "restrictions"); i++ {
		w.restrictions = append(w.restrictions, access.RestrictionRule{ID: int64(i + 1), Name: "deny", Criteria: genCriteria(t, 0), Principals: []access.Principal{w.genPrincipal(t)}})
	}
	for i := 0; i < rapid.IntRange(0, 2).Draw(t, "pools"); i++ {
		w.pools = append(w.pools, access.Pool{ID: int64(i + 1), Departments: []int64{rapid.Int64Range(1, int64(nd)+1).Draw(t, "poolDept")}})
	}
	return w
}

func genLevel(t *rapid.T) access.Level {
	return rapid.SampledFrom([]access.Level{access.Read, access.EditLevel}).Draw(t, "level")
}

func (w world) genPrincipal(t *rapid.T) access.Principal {
	switch rapid.IntRange(0, 3).Draw(t, "principalType") {
	case 0:
		return access.Principal{Type: access.PrincipalUser, ID: w.genUser(t)}
	case 1:
		return access.Principal{Type: access.PrincipalDepartment, ID: rapid.Int64Range(1, int64(len(w.deptPath))).Draw(t, "pdept"), IncludeSubDept: rapid.Bool().Draw(t, "sub")}
	case 2:
		return access.Principal{Type: access.PrincipalGroup, ID: rapid.Int64Range(1, 2).Draw(t, "pgroup")}
	}
	return access.Principal{Type: access.PrincipalRole, ID: rapid.Int64Range(1000, 1003).Draw(t, "prole")}
}

var (
	names   = []string{"Acme", "Acme East", "Blue", "Zed"}
	regions = []string{"East", "West", "east"}
	levels  = []string{"A", "B", "C"}
)

func genCriteria(t *rapid.T, depth int) access.Criteria {
	k := rapid.IntRange(0, 6).Draw(t, "criteriaKind")
	if depth < 2 && k == 0 {
		return access.Criteria{All: []access.Criteria{genCriteria(t, depth+1), genCriteria(t, depth+1)}}
	}
	if depth < 2 && k == 1 {
		return access.Criteria{Any: []access.Criteria{genCriteria(t, depth+1), genCriteria(t, depth+1)}}
	}
	switch rapid.IntRange(0, 4).Draw(t, "leaf") {
	case 0:
		return access.Criteria{Field: "region", Op: "equals", Value: rapid.SampledFrom(regions).Draw(t, "v")}
	case 1:
		return access.Criteria{Field: "level", Op: "in", Values: []string{rapid.SampledFrom(levels).Draw(t, "v1"), rapid.SampledFrom(levels).Draw(t, "v2")}}
	case 2:
		return access.Criteria{Field: "name", Op: "prefix", Value: rapid.SampledFrom([]string{"Acme", "Acme ", "B", "a"}).Draw(t, "v")}
	case 3:
		return access.Criteria{Field: "level", Op: "range", Min: rapid.SampledFrom([]string{"", "A", "B"}).Draw(t, "min"), Max: rapid.SampledFrom([]string{"B", "C", "Z"}).Draw(t, "max")}
	}
	return access.Criteria{Field: "last_activity_at", Op: "range", Min: now.Add(-time.Duration(rapid.IntRange(0, 72).Draw(t, "h")) * time.Hour).Format(time.RFC3339)}
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
	return access.Role{ID: rapid.Int64Range(1000, 1003).Draw(t, "roleID"), Key: "r" + rapid.StringMatching(`[a-z]{3}`).Draw(t, "key"), Permissions: perms}
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
	return access.NewSubject(access.SubjectFacts{TenantID: 1, UserID: u, DeptID: d, DeptPath: w.deptPath[d],
		Subordinates: w.subordinates(u), Groups: w.groups[u], Roles: roles, SharingRules: w.rules,
		Restrictions: w.restrictions, Pools: w.pools, Now: now})
}

func genExpiry(t *rapid.T) *time.Time {
	if rapid.Bool().Draw(t, "expires") {
		e := now.Add(time.Duration(rapid.IntRange(-3, 3).Draw(t, "expiresIn")) * time.Hour)
		return &e
	}
	return nil
}

func (w world) genRecord(t *rapid.T) access.Record {
	r := access.Record{ID: 1, Facts: access.Facts{Name: rapid.SampledFrom(names).Draw(t, "name"),
		Region: rapid.SampledFrom(regions).Draw(t, "region"), Level: rapid.SampledFrom(levels).Draw(t, "clevel"),
		LastActivityAt: now.Add(-time.Duration(rapid.IntRange(0, 96).Draw(t, "age")) * time.Hour)}}
	for i := 0; i < rapid.IntRange(0, 2).Draw(t, "team"); i++ {
		r.Team = append(r.Team, access.TeamMember{UserID: w.genUser(t), Level: genLevel(t), ExpiresAt: genExpiry(t)})
	}
	for i := 0; i < rapid.IntRange(0, 2).Draw(t, "shares"); i++ {
		r.Shares = append(r.Shares, access.ShareGrant{ID: int64(i + 1), Principal: w.genPrincipal(t), Level: genLevel(t), ExpiresAt: genExpiry(t)})
	}
	if rapid.IntRange(0, 4).Draw(t, "unowned") == 0 {
		r.PoolID = rapid.Int64Range(0, 2).Draw(t, "poolID")
		return r
	}
	owner := w.genUser(t)
	d := w.userDept[owner]
	r.OwnerID, r.OwnerDeptID, r.DeptPath = owner, d, w.deptPath[d]
	return r
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
		extra := genRole(t)
		extra.ID = 2000 // a role no restriction names: restrictions may target roles on purpose
		after := w.subject(u, append(slices.Clone(w.roles), extra))
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

// A restriction that applies always wins over every grant.
func TestRestrictionAlwaysWins(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		u := w.genUser(t)
		r := w.genRecord(t)
		deny := access.RestrictionRule{ID: 99, Name: "deny", Criteria: genCriteria(t, 0), Principals: []access.Principal{{Type: access.PrincipalUser, ID: u}}}
		w.restrictions = append(w.restrictions, deny)
		s := w.subject(u, w.roles)
		if !deny.Criteria.Match(r.Facts) {
			return
		}
		for _, o := range access.Objects {
			for _, a := range access.Actions {
				if d := s.Check(o, a, r); d.Allowed || len(d.Restrictions) == 0 {
					t.Fatalf("%s.%s on a restricted record: allowed %v, restrictions %v", o, a, d.Allowed, d.Restrictions)
				}
			}
		}
	})
}

// Expired grants never count: dropping them changes no decision.
func TestExpiredGrantsNeverCount(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		s := w.subject(w.genUser(t), w.roles)
		r := w.genRecord(t)
		live := r
		live.Team = slices.DeleteFunc(slices.Clone(r.Team), func(m access.TeamMember) bool { return m.ExpiresAt != nil && !m.ExpiresAt.After(now) })
		live.Shares = slices.DeleteFunc(slices.Clone(r.Shares), func(x access.ShareGrant) bool { return x.ExpiresAt != nil && !x.ExpiresAt.After(now) })
		for _, o := range access.Objects {
			for _, a := range access.Actions {
				if s.Check(o, a, r).Allowed != s.Check(o, a, live).Allowed {
					t.Fatalf("%s.%s: an expired grant changed the decision", o, a)
				}
			}
		}
	})
}

// Adding a share or team membership never removes access.
func TestAddingGrantNeverRemovesAccess(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		s := w.subject(w.genUser(t), w.roles)
		r := w.genRecord(t)
		more := r
		more.Shares = append(slices.Clone(r.Shares), access.ShareGrant{ID: 50, Principal: w.genPrincipal(t), Level: genLevel(t), ExpiresAt: genExpiry(t)})
		more.Team = append(slices.Clone(r.Team), access.TeamMember{UserID: w.genUser(t), Level: genLevel(t)})
		for _, o := range access.Objects {
			for _, a := range access.Actions {
				if s.Check(o, a, r).Allowed && !s.Check(o, a, more).Allowed {
					t.Fatalf("%s.%s: allowed before a grant was added, denied after", o, a)
				}
			}
		}
	})
}

// Delete, transfer and share come only from role scope.
func TestOnlyRolesGiveDeleteTransferShare(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWorld(t)
		s := w.subject(w.genUser(t), nil)
		r := w.genRecord(t)
		for _, o := range access.Objects {
			for _, a := range []access.Action{access.Delete, access.Transfer, access.Share, access.Export, access.Import} {
				if s.Check(o, a, r).Allowed {
					t.Fatalf("%s.%s allowed without any role", o, a)
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
		s := access.NewSubject(access.SubjectFacts{TenantID: 1, UserID: 10, DeptID: 2, DeptPath: paths[2], Subordinates: []int64{11}, Roles: role(c.scope), Now: now})
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
