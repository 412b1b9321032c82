// Package rewind answers "who could act on this customer at that moment?"
// from the audit trail. It starts from a tenant's current access-relevant
// state (users, departments, groups, roles and who holds them, sharing and
// restriction rules, pools, and one customer with its team and shares),
// undoes, newest first, every entry recorded after the moment that changed
// that state, using the before and after the entries carry, and hands the
// state it reaches to the decision engine (internal/access). Where an entry
// does not say enough to be undone, it does not guess: the value stays
// unknown and the answer names the entry.
//
// It is pure: the service reads the state and the entries and resolves
// what the entries leave open by reading older ones (Pending).
package rewind

import (
	"maps"
	"slices"
	"time"

	"steward/internal/access"
)

// User is what decides a user's access besides their roles and groups.
type User struct {
	DeptID    int64
	ManagerID int64 // 0: none
	Status    string
}

// Holding is one role held by one user.
type Holding struct{ UserID, RoleID int64 }

// Place is a user's place on the customer's record team.
type Place struct {
	ID        int64
	Level     access.Level
	ExpiresAt *time.Time
}

// Customer is the one customer asked about.
type Customer struct {
	ID      int64
	Exists  bool
	OwnerID int64 // 0: in a pool
	PoolID  int64
	Facts   access.Facts
	Team    map[int64]Place             // by user
	Shares  map[int64]access.ShareGrant // by share id
}

// State is a tenant's access-relevant state at one moment. The owner
// department of a customer is not kept: it is always the owner's
// department (every write that sets an owner, or moves a user with their
// customers, keeps it so), so it follows the users.
type State struct {
	Users        map[int64]User
	Depts        map[int64]int64 // department → parent, 0 for the root
	Groups       map[int64][]int64
	Roles        map[int64]access.Role
	Held         map[Holding]*time.Time // the assignment's expiry; nil: none
	Rules        map[int64]access.SharingRule
	Restrictions map[int64]access.RestrictionRule
	Pools        map[int64]access.Pool
	Customer     Customer

	unknown map[unknownKey]open // values an entry left open, until an older entry sets them
	gaps    []Gap               // entries that could not be undone at all
	undone  int
}

// New returns an empty state for the customer, ready to be filled with the
// current data.
func New(customerID int64) *State {
	return &State{Users: map[int64]User{}, Depts: map[int64]int64{}, Groups: map[int64][]int64{}, Roles: map[int64]access.Role{},
		Held: map[Holding]*time.Time{}, Rules: map[int64]access.SharingRule{}, Restrictions: map[int64]access.RestrictionRule{},
		Pools: map[int64]access.Pool{}, Customer: Customer{ID: customerID, Team: map[int64]Place{}, Shares: map[int64]access.ShareGrant{}},
		unknown: map[unknownKey]open{}}
}

// Undone is how many entries Undo has taken back.
func (st *State) Undone() int { return st.undone }

// DeptPath is a department's ancestors, root first, ending with it.
func (st *State) DeptPath(id int64) []int64 {
	var path []int64
	for d := id; d != 0 && len(path) <= 64; d = st.Depts[d] {
		if _, ok := st.Depts[d]; !ok {
			break
		}
		path = append(path, d)
	}
	slices.Reverse(path)
	return path
}

// Record is the engine's view of the customer in this state.
func (st *State) Record() access.Record {
	c := st.Customer
	r := access.Record{ID: c.ID, OwnerID: c.OwnerID, PoolID: c.PoolID, Facts: c.Facts}
	if u, ok := st.Users[c.OwnerID]; ok && c.OwnerID != 0 {
		r.OwnerDeptID, r.DeptPath = u.DeptID, st.DeptPath(u.DeptID)
	}
	users := sortedKeys(c.Team)
	slices.SortFunc(users, func(a, b int64) int { return cmp64(c.Team[a].ID, c.Team[b].ID) })
	for _, u := range users {
		p := c.Team[u]
		r.Team = append(r.Team, access.TeamMember{UserID: u, Level: p.Level, ExpiresAt: p.ExpiresAt})
	}
	for _, id := range sortedKeys(c.Shares) {
		r.Shares = append(r.Shares, c.Shares[id])
	}
	return r
}

// Subject is a user's subject in this state, deciding at the moment at:
// what the service builds from current data for a request, built from
// this state instead.
func (st *State) Subject(userID int64, at time.Time) *access.Subject {
	return st.tables().subject(st, userID, at)
}

// tables are what every user's subject is built from, gathered once for
// all of them: in the order the service reads them (rules, restrictions,
// pools and roles by id, each user's groups by id).
type tables struct {
	roles        []int64
	groups       map[int64][]int64 // by user
	reports      map[int64][]int64 // by manager
	rules        []access.SharingRule
	restrictions []access.RestrictionRule
	pools        []access.Pool
}

func (st *State) tables() *tables {
	t := &tables{roles: sortedKeys(st.Roles), groups: map[int64][]int64{}, reports: map[int64][]int64{}}
	for _, g := range sortedKeys(st.Groups) {
		for _, u := range st.Groups[g] {
			if n := len(t.groups[u]); n == 0 || t.groups[u][n-1] != g {
				t.groups[u] = append(t.groups[u], g)
			}
		}
	}
	for _, id := range sortedKeys(st.Users) {
		if m := st.Users[id].ManagerID; m != 0 {
			t.reports[m] = append(t.reports[m], id)
		}
	}
	for _, id := range sortedKeys(st.Rules) {
		t.rules = append(t.rules, st.Rules[id])
	}
	for _, id := range sortedKeys(st.Restrictions) {
		t.restrictions = append(t.restrictions, st.Restrictions[id])
	}
	for _, id := range sortedKeys(st.Pools) {
		t.pools = append(t.pools, st.Pools[id])
	}
	return t
}

func (t *tables) subject(st *State, userID int64, at time.Time) *access.Subject {
	u := st.Users[userID]
	f := access.SubjectFacts{UserID: userID, DeptID: u.DeptID, DeptPath: st.DeptPath(u.DeptID), Now: at, Groups: t.groups[userID],
		SharingRules: t.rules, Restrictions: t.restrictions, Pools: t.pools}
	for _, id := range t.roles {
		if exp, ok := st.Held[Holding{userID, id}]; ok && (exp == nil || exp.After(at)) {
			f.Roles = append(f.Roles, st.Roles[id])
		}
	}
	if usesSubordinates(f.Roles) {
		f.Subordinates = t.below(userID)
	}
	return access.NewSubject(f)
}

// below is everyone under the user in the manager chain, in id order.
func (t *tables) below(userID int64) []int64 {
	seen := map[int64]bool{}
	next := []int64{userID}
	for len(next) > 0 {
		m := next[0]
		next = next[1:]
		for _, r := range t.reports[m] {
			if !seen[r] && r != userID {
				seen[r] = true
				next = append(next, r)
			}
		}
	}
	return sortedKeys(seen)
}

func usesSubordinates(roles []access.Role) bool {
	for _, r := range roles {
		for _, p := range r.Permissions {
			if p.Scope == access.Subordinates {
				return true
			}
		}
	}
	return false
}

// ActiveUsers lists the users active in this state, in id order.
func (st *State) ActiveUsers() []int64 {
	var out []int64
	for _, id := range sortedKeys(st.Users) {
		if st.Users[id].Status == "active" {
			out = append(out, id)
		}
	}
	return out
}

func sortedKeys[V any](m map[int64]V) []int64 { return slices.Sorted(maps.Keys(m)) }

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Access is one user's access to the customer: the decision on each
// action asked about, and the actions allowed.
type Access struct {
	UserID       int64             `json:"user_id"`
	DepartmentID int64             `json:"department_id"`
	Actions      []access.Action   `json:"actions"`    // allowed
	Restricted   bool              `json:"restricted"` // a restriction rule took away what a grant gave
	Decisions    []access.Decision `json:"decisions"`
}

// Access decides, at the moment at, the actions on the customer for every
// user active in this state, and lists those with a grant path to any of
// them (allowed, or taken away by a restriction). A customer that did not
// exist was seen by nobody.
func (st *State) Access(at time.Time, actions []access.Action) []Access {
	out := []Access{}
	if !st.Customer.Exists {
		return out
	}
	rec, t := st.Record(), st.tables()
	for _, id := range st.ActiveUsers() {
		sub := t.subject(st, id, at)
		a := Access{UserID: id, DepartmentID: st.Users[id].DeptID, Actions: []access.Action{}}
		granted := false
		for _, act := range actions {
			d := sub.Check(access.Customer, act, rec)
			a.Decisions = append(a.Decisions, d)
			granted = granted || len(d.Reasons) > 0
			if d.Allowed {
				a.Actions = append(a.Actions, act)
			}
			a.Restricted = a.Restricted || len(d.Reasons) > 0 && len(d.Restrictions) > 0
		}
		if granted {
			out = append(out, a)
		}
	}
	return out
}
