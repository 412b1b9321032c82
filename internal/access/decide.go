package access

import (
	"slices"
)

// Subject is the caller as the engine sees them: identity, org facts and the
// union of their unexpired roles. The service builds one per request from
// current data, so a change takes effect on the next request.
type Subject struct {
	TenantID     int64
	UserID       int64
	DeptID       int64
	DeptPath     []int64 // the user's department's ancestors, root first, ending with DeptID
	Subordinates []int64 // everyone below the user in the manager chain, transitively
	RoleKeys     []string

	scopes    map[cell][]Scope
	roleOf    map[cell][]string // which role gave each scope, for explanations
	functions map[Function]bool
	subs      map[int64]bool
}

type cell struct {
	o Object
	a Action
}

// NewSubject builds a subject from its facts and its roles (expired
// assignments must already be left out by the caller).
func NewSubject(tenantID, userID, deptID int64, deptPath, subordinates []int64, roles []Role) *Subject {
	s := &Subject{TenantID: tenantID, UserID: userID, DeptID: deptID, DeptPath: deptPath,
		Subordinates: subordinates, scopes: map[cell][]Scope{}, roleOf: map[cell][]string{},
		functions: map[Function]bool{}, subs: map[int64]bool{}}
	for _, id := range subordinates {
		s.subs[id] = true
	}
	for _, r := range roles {
		s.RoleKeys = append(s.RoleKeys, r.Key)
		for _, p := range r.Permissions {
			if p.Scope == None {
				continue
			}
			c := cell{p.Object, p.Action}
			s.roleOf[c] = append(s.roleOf[c], r.Key+":"+string(p.Scope))
			if !slices.Contains(s.scopes[c], p.Scope) {
				s.scopes[c] = append(s.scopes[c], p.Scope)
			}
		}
		for _, f := range r.Functions {
			s.functions[f] = true
		}
	}
	return s
}

// Can reports whether the subject holds a system function.
func (s *Subject) Can(f Function) bool { return s.functions[f] }

// Holds reports whether any role gives the action on the object some scope.
func (s *Subject) Holds(o Object, a Action) bool { return len(s.scopes[cell{o, a}]) > 0 }

// ScopesFor returns the scopes the subject holds for an object and action.
func (s *Subject) ScopesFor(o Object, a Action) []Scope { return s.scopes[cell{o, a}] }

// Functions returns the subject's system functions, sorted.
func (s *Subject) Functions() []Function {
	var out []Function
	for f := range s.functions {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// Record is what the engine needs to know of a customer to decide on it or
// on anything under it.
type Record struct {
	ID          int64
	OwnerID     int64   // 0 when the customer has no owner (it sits in a pool)
	OwnerDeptID int64   // 0 when there is no owner
	DeptPath    []int64 // the owner department's ancestors, root first
}

// Reason is one grant path behind an allowed decision.
type Reason struct {
	Source string `json:"source"` // "role"
	Role   string `json:"role,omitempty"`
	Scope  Scope  `json:"scope,omitempty"`
	Fact   string `json:"fact"` // the org fact that satisfied the scope
}

// Decision is the answer to one Check.
type Decision struct {
	Object  Object   `json:"object"`
	Action  Action   `json:"action"`
	Allowed bool     `json:"allowed"`
	Reasons []Reason `json:"reasons,omitempty"`
	Missing string   `json:"missing,omitempty"` // when denied: what would have allowed it
}

// Check decides one action on one record. For contacts, deals and activities
// the record is their customer, and viewing the customer is required too: a
// child never leaks around its customer.
func (s *Subject) Check(o Object, a Action, r Record) Decision {
	d := s.check(o, a, r)
	if o != Customer && d.Allowed {
		if cv := s.check(Customer, View, r); !cv.Allowed {
			return Decision{Object: o, Action: a, Missing: "view access to the customer"}
		}
	}
	return d
}

func (s *Subject) check(o Object, a Action, r Record) Decision {
	d := Decision{Object: o, Action: a}
	c := cell{o, a}
	for _, rk := range s.roleOf[c] {
		key, sc := splitRoleScope(rk)
		if fact, ok := s.satisfies(sc, r); ok {
			d.Reasons = append(d.Reasons, Reason{Source: "role", Role: key, Scope: sc, Fact: fact})
		}
	}
	d.Allowed = len(d.Reasons) > 0
	if !d.Allowed {
		if len(s.scopes[c]) == 0 {
			d.Missing = "no role grants " + string(o) + "." + string(a)
		} else {
			d.Missing = "the record's owner is outside your " + string(o) + "." + string(a) + " scope"
		}
	}
	return d
}

// satisfies reports whether a scope covers the record, and the fact that did.
func (s *Subject) satisfies(sc Scope, r Record) (string, bool) {
	if r.OwnerID != 0 && r.OwnerID == s.UserID && sc != None {
		return "you own the record", true
	}
	switch sc {
	case All:
		return "the record is in your tenant", true
	case Subordinates:
		if s.subs[r.OwnerID] {
			return "the owner reports to you", true
		}
	case Department:
		if r.OwnerDeptID != 0 && r.OwnerDeptID == s.DeptID {
			return "the owner department is your department", true
		}
	case DepartmentTree:
		if slices.Contains(r.DeptPath, s.DeptID) {
			return "the owner department is in your department tree", true
		}
	}
	return "", false
}

func splitRoleScope(rk string) (string, Scope) {
	for i := len(rk) - 1; i >= 0; i-- {
		if rk[i] == ':' {
			return rk[:i], Scope(rk[i+1:])
		}
	}
	return rk, None
}
