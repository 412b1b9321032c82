package access

import "slices"

// Filter describes the set of customers a subject may act on, in a form the
// store compiles into one query: one index-friendly branch per grant source,
// each ordered and limited on its own, then merged (docs/architecture.md).
type Filter struct {
	All      bool      // every customer of the tenant
	OwnerIDs []int64   // owner is one of these
	DeptIDs  []int64   // owner department is one of these
	Subtrees []Subtree // owner department lies in one of these subtrees
	Within   *Filter   // and, when set, the record must also pass this filter
}

// Subtree is a department subtree, matched through the customer's ancestor
// column at the department's depth.
type Subtree struct {
	DeptID int64
	Depth  int
}

// Empty reports whether the filter matches nothing.
func (f Filter) Empty() bool {
	if f.Within != nil && f.Within.Empty() {
		return true
	}
	return !f.All && len(f.OwnerIDs) == 0 && len(f.DeptIDs) == 0 && len(f.Subtrees) == 0
}

// Filter returns the records on which the subject may do the action. For a
// child object it is the intersection with the customers the subject may view;
// since every role scope is a superset of "own", that is the narrower of both.
func (s *Subject) Filter(o Object, a Action) Filter {
	f := s.filter(o, a)
	if o != Customer && !f.Empty() {
		if parent := s.filter(Customer, View); !parent.All {
			f.Within = &parent
		}
	}
	return f
}

func (s *Subject) filter(o Object, a Action) Filter {
	var f Filter
	for _, sc := range s.scopes[cell{o, a}] {
		switch sc {
		case All:
			return Filter{All: true}
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
	return f
}

// Match reports whether a record passes the filter. The store never calls
// it (it filters in SQL); the tests hold Filter, Match and Check together.
func (f Filter) Match(r Record) bool {
	if f.Within != nil && !f.Within.Match(r) {
		return false
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
	return false
}

func appendUnique(s []int64, v int64) []int64 {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
