package access

import (
	"slices"
	"time"
)

// Filter describes the set of customers a subject may act on, in a form the
// store compiles into one query: one index-friendly branch per grant source,
// each ordered and limited on its own, then merged, with the restrictions
// applied to every branch (docs/architecture.md).
type Filter struct {
	All      bool       // every customer of the tenant
	OwnerIDs []int64    // owner is one of these
	DeptIDs  []int64    // owner department is one of these
	Subtrees []Subtree  // owner department lies in one of these subtrees
	Team     *Grantee   // the record team has this user at MinLevel or above
	Shares   *Grantee   // a share names one of these principals at MinLevel or above
	Rules    []Criteria // sharing rules naming the subject: their criteria
	RuleIDs  []int64    // and their ids, in the same order
	Pools    []int64    // unowned customers in these pools
	Exclude  []Criteria // restrictions: never a record matching any of these
	Within   *Filter    // and, when set, the record must also pass this filter
	Now      time.Time  // grants that expire at or before Now do not count
}

// Subtree is a department subtree, matched through the customer's ancestor
// column at the department's depth.
type Subtree struct {
	DeptID int64
	Depth  int
}

// Grantee is who a team or share grant must name for the subject, and the
// lowest level that suffices.
type Grantee struct {
	UserID   int64
	DeptID   int64   // shares to this department
	DeptPath []int64 // shares with sub-departments to any of these
	Groups   []int64
	Roles    []int64
	EditOnly bool // only edit-level grants count
}

// Empty reports whether the filter matches nothing.
func (f Filter) Empty() bool {
	if f.Within != nil && f.Within.Empty() {
		return true
	}
	return !f.All && len(f.OwnerIDs) == 0 && len(f.DeptIDs) == 0 && len(f.Subtrees) == 0 &&
		f.Team == nil && f.Shares == nil && len(f.Rules) == 0 && len(f.Pools) == 0
}

// Filter returns the records on which the subject may do the action. For a
// child object it is further limited (Within) to the customers the subject
// may view.
func (s *Subject) Filter(o Object, a Action) Filter {
	f := s.filter(o, a)
	if o != Customer && !f.Empty() {
		if parent := s.filter(Customer, View); !parent.All || len(parent.Exclude) > 0 {
			parent.Exclude = nil // applied once, on the outer filter
			f.Within = &parent
		}
	}
	return f
}

func (s *Subject) filter(o Object, a Action) Filter {
	f := Filter{Now: s.Now}
	for _, r := range s.restrict {
		f.Exclude = append(f.Exclude, r.Criteria)
	}
	for _, sc := range s.scopes[cell{o, a}] {
		switch sc {
		case All:
			return Filter{All: true, Exclude: f.Exclude, Now: s.Now}
		case Own:
			f.OwnerIDs = appendUnique(f.OwnerIDs, s.UserID)
		case Subordinates:
			f.OwnerIDs = appendUnique(f.OwnerIDs, s.UserID)
			for _, id := range s.Subordinates {
				f.OwnerIDs = appendUnique(f.OwnerIDs, id)
			}
		case Department:
			f.OwnerIDs = appendUnique(f.OwnerIDs, s.UserID)
			f.DeptIDs = appendUnique(f.DeptIDs, s.DeptID)
		case DepartmentTree:
			f.OwnerIDs = appendUnique(f.OwnerIDs, s.UserID)
			f.Subtrees = append(f.Subtrees, Subtree{DeptID: s.DeptID, Depth: len(s.DeptPath)})
		}
	}
	slices.Sort(f.OwnerIDs)
	if grantable(o, a) {
		g := &Grantee{UserID: s.UserID, DeptID: s.DeptID, DeptPath: s.DeptPath, Groups: s.Groups, Roles: s.RoleIDs, EditOnly: !covers(Read, o, a)}
		f.Team, f.Shares = g, g
		for _, r := range s.rules {
			if covers(r.Level, o, a) {
				f.Rules = append(f.Rules, r.Criteria)
				f.RuleIDs = append(f.RuleIDs, r.ID)
			}
		}
		if covers(Read, o, a) {
			f.Pools = s.pools
		}
	}
	return f
}

// Match reports whether a record passes the filter. The store never calls
// it (it filters in SQL); the tests hold Filter, Match and Check together.
func (f Filter) Match(r Record) bool {
	if f.Within != nil && !f.Within.Match(r) {
		return false
	}
	for _, x := range f.Exclude {
		if x.Match(r.Facts) {
			return false
		}
	}
	return f.matchBranches(r)
}

func (f Filter) matchBranches(r Record) bool {
	if f.All {
		return true
	}
	if r.OwnerID != 0 && slices.Contains(f.OwnerIDs, r.OwnerID) {
		return true
	}
	if r.OwnerDeptID != 0 && slices.Contains(f.DeptIDs, r.OwnerDeptID) {
		return true
	}
	for _, t := range f.Subtrees {
		if len(r.DeptPath) >= t.Depth && r.DeptPath[t.Depth-1] == t.DeptID {
			return true
		}
	}
	if f.Team != nil && slices.ContainsFunc(r.Team, func(m TeamMember) bool {
		return m.UserID == f.Team.UserID && f.Team.level(m.Level) && alive(m.ExpiresAt, f.Now)
	}) {
		return true
	}
	if f.Shares != nil && slices.ContainsFunc(r.Shares, func(s ShareGrant) bool {
		return f.Shares.names(s.Principal) && f.Shares.level(s.Level) && alive(s.ExpiresAt, f.Now)
	}) {
		return true
	}
	for _, c := range f.Rules {
		if c.Match(r.Facts) {
			return true
		}
	}
	return r.InPool() && slices.Contains(f.Pools, r.PoolID)
}

func (g *Grantee) level(l Level) bool { return l == EditLevel || (l == Read && !g.EditOnly) }

// names mirrors Subject.matches for the store's SQL and the tests.
func (g *Grantee) names(p Principal) bool {
	switch p.Type {
	case PrincipalUser:
		return p.ID == g.UserID
	case PrincipalDepartment:
		return p.ID == g.DeptID || (p.IncludeSubDept && slices.Contains(g.DeptPath, p.ID))
	case PrincipalGroup:
		return slices.Contains(g.Groups, p.ID)
	case PrincipalRole:
		return slices.Contains(g.Roles, p.ID)
	}
	return false
}

func appendUnique(s []int64, v int64) []int64 {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
