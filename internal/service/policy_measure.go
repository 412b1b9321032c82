package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/org"
	"steward/internal/policy"
	"steward/internal/store"
)

// A policy change can change anyone's access, so whom it changes is found
// rather than predicted: every active user's subject is built before the
// change and after it, and those whose cells, functions, field access or
// view filters differ are the changed ones. Only users whose view filters
// differ can see other records, and only theirs are measured. A policy
// change moves no record and changes no team or share, so what their
// filters pass before and after can both be read on the data after the
// change: branch by branch, each branch once for every user
// (policy_records.go).

// PolicyUserChange is how one user's access changes: the records they
// gain and lose sight of (counts per object, samples), and the cells,
// functions and field access their roles give them. Relations say through
// what: role:KEY, sharing_rule:NAME, restriction_rule:NAME, pool:NAME.
type PolicyUserChange struct {
	AccessChange
	FunctionsGained []access.Function `json:"functions_gained"`
	FunctionsLost   []access.Function `json:"functions_lost"`
	Cells           []CellChange      `json:"cells"`
	Fields          []FieldChange     `json:"fields"`
}

// policyState is what a user's subject gives them, as far as a policy
// change can alter it.
type policyState struct {
	grants grantState
	views  [4]filterParts // the view filter per object
	roles  []string       // role keys
	rules  []int64        // sharing rules naming the user
	denies []int64        // restriction rules naming the user
	pools  []int64        // pools the user sees
}

// policyStates builds the state of each user as the data in tx stands.
func (s *Service) policyStates(ctx context.Context, tx *store.Tx, tenantID int64, users []org.User, now time.Time, table *branchTable) (map[int64]policyState, error) {
	src, err := readSubjectSource(ctx, tx, tenantID, users, now)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]policyState, len(users))
	// Cells, functions and field access depend on the roles only: users
	// who hold the same roles share them.
	grants := map[string]grantState{}
	for _, u := range users {
		sub, err := src.subject(ctx, tx, u)
		if err != nil {
			return nil, err
		}
		st := policyState{roles: sub.RoleKeys, denies: sub.RestrictionIDs(), pools: sub.PoolIDs()}
		for i, o := range access.Objects {
			f := sub.Filter(o, access.View)
			st.views[i] = table.parts(f)
			if o == access.Customer {
				st.rules = f.RuleIDs
			}
		}
		k := fmt.Sprint(sub.RoleIDs)
		if _, ok := grants[k]; !ok {
			grants[k] = grantsOf(sub)
		}
		st.grants = grants[k]
		out[u.ID] = st
	}
	return out, nil
}

// grantsOf is what a subject's roles give it.
func grantsOf(sub *access.Subject) grantState {
	g := grantState{cells: map[cellKey][]access.Scope{}, fields: map[[2]string]string{}, functions: sub.Functions()}
	for _, o := range access.Objects {
		for _, act := range access.Actions {
			sc := slices.Clone(sub.ScopesFor(o, act))
			slices.SortFunc(sc, func(x, y access.Scope) int { return slices.Index(access.Scopes, x) - slices.Index(access.Scopes, y) })
			g.cells[cellKey{o, act}] = sc
		}
		for _, fd := range sub.FieldsOf(o) {
			g.fields[[2]string{string(o), fd.Field}] = fieldLevel(fd.Access, fd.Reveal)
		}
	}
	return g
}

// policyNames names, by id, the rules and pools a state refers to.
type policyNames struct {
	rules, denies, pools map[int64]string
}

func readPolicyNames(ctx context.Context, tx *store.Tx, tenantID int64) (policyNames, error) {
	n := policyNames{rules: map[int64]string{}, denies: map[int64]string{}, pools: map[int64]string{}}
	rules, err := tx.SharingRules(ctx, tenantID)
	if err != nil {
		return n, err
	}
	for _, r := range rules {
		n.rules[r.ID] = r.Name
	}
	denies, err := tx.RestrictionRules(ctx, tenantID)
	if err != nil {
		return n, err
	}
	for _, r := range denies {
		n.denies[r.ID] = r.Name
	}
	pools, err := tx.Pools(ctx, tenantID)
	for _, p := range pools {
		n.pools[p.ID] = p.Name
	}
	return n, err
}

// policySide is a state with the names its ids had then.
type policySide struct {
	states map[int64]policyState
	names  policyNames
}

// readPolicySide reads every active user's state and the names behind it.
func (s *Service) readPolicySide(ctx context.Context, tx *store.Tx, tenantID int64, users []org.User, now time.Time, table *branchTable) (policySide, error) {
	var side policySide
	var err error
	if side.states, err = s.policyStates(ctx, tx, tenantID, users, now, table); err != nil {
		return side, err
	}
	side.names, err = readPolicyNames(ctx, tx, tenantID)
	return side, err
}

// viewChange is a user whose view filters differ, and for which objects.
type viewChange struct {
	user    int64
	objects [4]bool // in the order of access.Objects
	same    [4]int  // an earlier object whose filters, before and after, are these; -1 if none
}

// compareGrants returns, for each user whose state differs, the change
// without its records, and the users whose view filters differ.
func compareGrants(users []org.User, before, after policySide, plan policy.Plan) (map[int64]*PolicyUserChange, []viewChange) {
	out := map[int64]*PolicyUserChange{}
	var views []viewChange
	for _, u := range users {
		b, a := before.states[u.ID], after.states[u.ID]
		c := &PolicyUserChange{AccessChange: AccessChange{UserID: u.ID, Name: u.Name, Relations: []string{},
			GainedSample: []CustomerRef{}, LostSample: []CustomerRef{}},
			FunctionsGained: minusFns(a.grants.functions, b.grants.functions), FunctionsLost: minusFns(b.grants.functions, a.grants.functions),
			Cells: []CellChange{}, Fields: []FieldChange{}}
		for _, o := range access.Objects {
			for _, act := range access.Actions {
				k := cellKey{o, act}
				if !slices.Equal(b.grants.cells[k], a.grants.cells[k]) {
					c.Cells = append(c.Cells, CellChange{Object: o, Action: act, Before: nonNil(b.grants.cells[k]), After: nonNil(a.grants.cells[k])})
				}
			}
		}
		c.Fields = fieldChanges(b.grants.fields, a.grants.fields)
		v := viewChange{user: u.ID}
		for i := range access.Objects {
			v.objects[i] = !b.views[i].equal(a.views[i])
			v.same[i] = -1
			for j := range i {
				if b.views[j].equal(b.views[i]) && a.views[j].equal(a.views[i]) {
					v.same[i] = j
					break
				}
			}
		}
		seesOther := v.objects != [4]bool{}
		if seesOther {
			views = append(views, v)
		}
		if !seesOther && len(c.FunctionsGained)+len(c.FunctionsLost)+len(c.Cells)+len(c.Fields) == 0 {
			continue
		}
		c.Relations = policyRelations(b, a, before.names, after.names, plan)
		out[u.ID] = c
	}
	return out, views
}

// fieldChanges lists the fields whose access differs, by object (in the
// order of Objects) and field key; a field only one side knows is hidden
// on the other.
func fieldChanges(b, a map[[2]string]string) []FieldChange {
	out := []FieldChange{}
	keys := make([][2]string, 0, len(a))
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y [2]string) int {
		if d := slices.Index(access.Objects, access.Object(x[0])) - slices.Index(access.Objects, access.Object(y[0])); d != 0 {
			return d
		}
		return strings.Compare(x[1], y[1])
	})
	for _, k := range keys {
		x, y := orHidden(b[k]), orHidden(a[k])
		if x != y {
			out = append(out, FieldChange{Object: access.Object(k[0]), Field: k[1], Before: x, After: y})
		}
	}
	return out
}

func orHidden(level string) string {
	if level == "" {
		return string(access.FieldHidden)
	}
	return level
}

// policyRelations says through what the change reaches a user: the
// changed roles they hold, and the changed rules and pools that name them
// before or after.
func policyRelations(b, a policyState, nb, na policyNames, plan policy.Plan) []string {
	out := []string{}
	changed := func(cs []policy.Change, name string) bool {
		return slices.ContainsFunc(cs, func(c policy.Change) bool { return c.Name == name })
	}
	add := func(rel string) {
		if !slices.Contains(out, rel) {
			out = append(out, rel)
		}
	}
	for _, k := range append(slices.Clone(b.roles), a.roles...) {
		if changed(plan.Roles, k) {
			add("role:" + k)
		}
	}
	named := func(kind string, cs []policy.Change, ids []int64, names map[int64]string) {
		for _, id := range ids {
			if n, ok := names[id]; ok && changed(cs, n) {
				add(kind + ":" + n)
			}
		}
	}
	named("sharing_rule", plan.SharingRules, b.rules, nb.rules)
	named("sharing_rule", plan.SharingRules, a.rules, na.rules)
	named("restriction_rule", plan.RestrictionRules, b.denies, nb.denies)
	named("restriction_rule", plan.RestrictionRules, a.denies, na.denies)
	named("pool", plan.Pools, b.pools, nb.pools)
	named("pool", plan.Pools, a.pools, na.pools)
	slices.Sort(out)
	return out
}

func minusFns(a, b []access.Function) []access.Function {
	out := []access.Function{}
	for _, f := range a {
		if !slices.Contains(b, f) {
			out = append(out, f)
		}
	}
	return out
}

// measurePolicy makes a policy change (apply) and returns how it changes
// each user's access, in user id order. It leaves the change made.
func (s *Service) measurePolicy(ctx context.Context, tx *store.Tx, a *Actor, plan policy.Plan, apply func() error) ([]PolicyUserChange, error) {
	now := s.now()
	users, err := tx.ActiveUsers(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	table := newBranchTable()
	before, err := s.readPolicySide(ctx, tx, a.TenantID, users, now, table)
	if err != nil {
		return nil, err
	}
	if err := apply(); err != nil {
		return nil, err
	}
	after, err := s.readPolicySide(ctx, tx, a.TenantID, users, now, table)
	if err != nil {
		return nil, err
	}
	changed, views := compareGrants(users, before, after, plan)
	if len(views) > 0 {
		if err := s.policyRecords(ctx, tx, a, table, views, before.states, after.states, changed); err != nil {
			return nil, err
		}
	}
	out := []PolicyUserChange{}
	for _, u := range users {
		c, ok := changed[u.ID]
		if !ok || c.Gained.Zero() && c.Lost.Zero() && len(c.FunctionsGained)+len(c.FunctionsLost)+len(c.Cells)+len(c.Fields) == 0 {
			continue // a filter that differs and sees the same records
		}
		out = append(out, *c)
	}
	return out, nil
}
