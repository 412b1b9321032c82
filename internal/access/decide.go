package access

import (
	"slices"
	"strconv"
	"time"
)

// Facts about a subject, gathered by the service from current data.
type SubjectFacts struct {
	TenantID     int64
	UserID       int64
	DeptID       int64
	DeptPath     []int64 // root first, ending with DeptID
	Subordinates []int64 // everyone below the user in the manager chain
	Groups       []int64
	Roles        []Role // unexpired assignments only
	SharingRules []SharingRule
	Restrictions []RestrictionRule
	Pools        []Pool
	Fields       []FieldRef // the tenant's field catalogue
	Now          time.Time  // the moment of the decision: expiry is judged against it
}

// Subject is the caller as the engine sees them. The service builds one per
// request from current data, so every change counts from the next request.
type Subject struct {
	TenantID     int64
	UserID       int64
	DeptID       int64
	DeptPath     []int64
	Subordinates []int64
	Groups       []int64
	RoleIDs      []int64
	RoleKeys     []string
	Now          time.Time

	scopes     map[cell][]Scope
	roleOf     map[cell][]string // "key:scope" of the roles that gave each cell
	functions  map[Function]bool
	subs       map[int64]bool
	rules      []SharingRule     // rules whose principal is this subject
	restrict   []RestrictionRule // restrictions whose principals include this subject
	pools      []int64           // pools this subject may see
	fields     map[Object]map[string]FieldDecision
	fieldOrder []FieldRef
}

type cell struct {
	o Object
	a Action
}

// NewSubject builds a subject from its facts.
func NewSubject(f SubjectFacts) *Subject {
	s := &Subject{TenantID: f.TenantID, UserID: f.UserID, DeptID: f.DeptID, DeptPath: f.DeptPath,
		Subordinates: f.Subordinates, Groups: f.Groups, Now: f.Now,
		scopes: map[cell][]Scope{}, roleOf: map[cell][]string{}, functions: map[Function]bool{}, subs: map[int64]bool{}}
	for _, id := range f.Subordinates {
		s.subs[id] = true
	}
	for _, r := range f.Roles {
		s.addRole(r)
	}
	for _, r := range f.SharingRules {
		if s.matches(r.Principal) {
			s.rules = append(s.rules, r)
		}
	}
	if !s.functions[OverrideRestrictions] {
		for _, r := range f.Restrictions {
			if slices.ContainsFunc(r.Principals, s.matches) {
				s.restrict = append(s.restrict, r)
			}
		}
	}
	s.fields, s.fieldOrder = decideFields(f.Roles, f.Fields), f.Fields
	for _, p := range f.Pools {
		if slices.ContainsFunc(p.Departments, func(d int64) bool { return slices.Contains(s.DeptPath, d) }) {
			s.pools = append(s.pools, p.ID)
		}
	}
	return s
}

func (s *Subject) addRole(r Role) {
	s.RoleIDs = append(s.RoleIDs, r.ID)
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
	for _, fn := range r.Functions {
		s.functions[fn] = true
	}
}

// Can reports whether the subject holds a system function.
func (s *Subject) Can(f Function) bool { return s.functions[f] }

// Holds reports whether any role gives the action on the object some scope.
func (s *Subject) Holds(o Object, a Action) bool { return len(s.scopes[cell{o, a}]) > 0 }

// ScopesFor returns the scopes the subject holds for an object and action.
func (s *Subject) ScopesFor(o Object, a Action) []Scope { return s.scopes[cell{o, a}] }

// PoolIDs returns the pools the subject may see and claim from.
func (s *Subject) PoolIDs() []int64 { return s.pools }

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
	PoolID      int64   // the customer's pool, if any
	Facts       Facts
	Team        []TeamMember
	Shares      []ShareGrant
}

// InPool reports whether the customer sits in a pool, unowned.
func (r Record) InPool() bool { return r.OwnerID == 0 && r.PoolID != 0 }

// Reason is one grant path behind a decision, or a restriction against it.
type Reason struct {
	Source  string `json:"source"` // role, team, share, rule, pool, restriction
	Role    string `json:"role,omitempty"`
	Scope   Scope  `json:"scope,omitempty"`
	Level   Level  `json:"level,omitempty"`
	GrantID int64  `json:"grant_id,omitempty"` // the share, rule, pool or restriction id
	Fact    string `json:"fact"`               // what satisfied it
}

// Decision is the answer to one Check.
type Decision struct {
	Object       Object   `json:"object"`
	Action       Action   `json:"action"`
	Allowed      bool     `json:"allowed"`
	Reasons      []Reason `json:"reasons"`
	Restrictions []Reason `json:"restrictions,omitempty"`
	Missing      string   `json:"missing,omitempty"` // when denied: what would have allowed it
}

// Check decides one action on one record. For contacts, deals and
// activities the record is their customer, and viewing the customer is
// required too: a child never leaks around its customer. A restriction that
// applies wins over every grant.
func (s *Subject) Check(o Object, a Action, r Record) Decision {
	d := s.check(o, a, r)
	if o != Customer && d.Allowed && !s.check(Customer, View, r).Allowed {
		d = Decision{Object: o, Action: a, Reasons: []Reason{}, Missing: "view access to the customer"}
	}
	if rs := s.restrictionsOn(r); len(rs) > 0 {
		d.Restrictions = rs
		if d.Allowed {
			d.Allowed = false
			d.Missing = "a restriction rule takes this record away from you"
		}
	}
	return d
}

func (s *Subject) check(o Object, a Action, r Record) Decision {
	d := Decision{Object: o, Action: a, Reasons: []Reason{}}
	c := cell{o, a}
	for _, rk := range s.roleOf[c] {
		key, sc := splitRoleScope(rk)
		if fact, ok := s.satisfies(sc, r); ok {
			d.Reasons = append(d.Reasons, Reason{Source: "role", Role: key, Scope: sc, Fact: fact})
		}
	}
	d.Reasons = append(d.Reasons, s.grantReasons(o, a, r)...)
	d.Allowed = len(d.Reasons) > 0
	if !d.Allowed {
		switch {
		case !grantable(o, a) && len(s.scopes[c]) == 0:
			d.Missing = "no role grants " + string(o) + "." + string(a) + ", and only role scope can"
		case len(s.scopes[c]) == 0:
			d.Missing = "no role grants " + string(o) + "." + string(a) + ", and no team, share, rule or pool covers this record"
		default:
			d.Missing = "the record's owner is outside your " + string(o) + "." + string(a) + " scope, and no team, share, rule or pool covers it"
		}
	}
	return d
}

// grantReasons lists the grants other than role scope that allow the action.
func (s *Subject) grantReasons(o Object, a Action, r Record) []Reason {
	var out []Reason
	for _, m := range r.Team {
		if m.UserID == s.UserID && covers(m.Level, o, a) && alive(m.ExpiresAt, s.Now) {
			out = append(out, Reason{Source: "team", Level: m.Level, Fact: "you are on the record team"})
		}
	}
	for _, sh := range r.Shares {
		if s.matches(sh.Principal) && covers(sh.Level, o, a) && alive(sh.ExpiresAt, s.Now) {
			out = append(out, Reason{Source: "share", Level: sh.Level, GrantID: sh.ID, Fact: "shared with your " + sh.Principal.Type})
		}
	}
	for _, rule := range s.rules {
		if covers(rule.Level, o, a) && rule.Criteria.Match(r.Facts) {
			out = append(out, Reason{Source: "rule", Level: rule.Level, GrantID: rule.ID, Fact: "the record matches sharing rule " + strconv.Quote(rule.Name)})
		}
	}
	if r.InPool() && slices.Contains(s.pools, r.PoolID) && covers(Read, o, a) {
		out = append(out, Reason{Source: "pool", Level: Read, GrantID: r.PoolID, Fact: "the customer sits in a pool of your department"})
	}
	return out
}

func (s *Subject) restrictionsOn(r Record) []Reason {
	var out []Reason
	for _, x := range s.restrict {
		if x.Criteria.Match(r.Facts) {
			out = append(out, Reason{Source: "restriction", GrantID: x.ID, Fact: "the record matches restriction rule " + strconv.Quote(x.Name)})
		}
	}
	return out
}

// satisfies reports whether a role scope covers the record, and the fact that did.
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

// At returns the subject as of another moment: the same grants, with expiry
// judged against now. Subjects are immutable once built, so the copy shares
// their tables; this is what lets the service reuse a subject across
// requests while every request still decides at its own time.
func (s *Subject) At(now time.Time) *Subject {
	c := *s
	c.Now = now
	return &c
}

// RolesGranting returns the keys of the subject's roles that give the
// action on the object some scope.
func (s *Subject) RolesGranting(o Object, a Action) []string {
	var out []string
	for _, rk := range s.roleOf[cell{o, a}] {
		key, _ := splitRoleScope(rk)
		if !slices.Contains(out, key) {
			out = append(out, key)
		}
	}
	return out
}
