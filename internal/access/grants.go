package access

import (
	"slices"
	"time"
)

// Level is how much a grant other than role scope allows.
type Level string

// Grant levels: read < edit.
const (
	Read      Level = "read"
	EditLevel Level = "edit"
)

// Principal is who a share or rule is for.
type Principal struct {
	Type           string `json:"type"` // user, department, group, role
	ID             int64  `json:"id"`
	IncludeSubDept bool   `json:"include_subdepartments,omitempty"`
}

// Principal types.
const (
	PrincipalUser       = "user"
	PrincipalDepartment = "department"
	PrincipalGroup      = "group"
	PrincipalRole       = "role"
)

// TeamMember is a user on a customer's record team (相关团队).
type TeamMember struct {
	UserID    int64      `json:"user_id"`
	Level     Level      `json:"level"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// ShareGrant grants a principal access to one customer.
type ShareGrant struct {
	ID        int64      `json:"id"`
	Principal Principal  `json:"principal"`
	Level     Level      `json:"level"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// SharingRule shares every customer matching its criteria, live: a record
// that stops matching stops being shared.
type SharingRule struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Criteria  Criteria  `json:"criteria"`
	Principal Principal `json:"principal"`
	Level     Level     `json:"level"`
}

// RestrictionRule takes access to matching customers away from its
// principals, whatever grants say. Only the override_restrictions function
// exempts a user, and only when given explicitly.
type RestrictionRule struct {
	ID         int64       `json:"id"`
	Name       string      `json:"name"`
	Criteria   Criteria    `json:"criteria"`
	Principals []Principal `json:"principals"`
}

// Pool (公海) holds customers without owner; its member departments (and
// their sub-departments) may view and claim them.
type Pool struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Departments []int64 `json:"departments"`
}

// OverrideRestrictions exempts a user from restriction rules. It is not part
// of any preset: someone must grant it on purpose.
const OverrideRestrictions Function = "override_restrictions"

// covers reports whether a grant of level l allows the action on the object:
// read gives view; edit also gives edit, and creating children. Delete,
// transfer, share, export and import come only from role scope.
func covers(l Level, o Object, a Action) bool {
	switch a {
	case View:
		return l == Read || l == EditLevel
	case Edit:
		return l == EditLevel
	case Create:
		return o != Customer && l == EditLevel
	}
	return false
}

func grantable(o Object, a Action) bool { return covers(EditLevel, o, a) }

func alive(exp *time.Time, now time.Time) bool { return exp == nil || exp.After(now) }

// matches reports whether the principal names the subject.
func (s *Subject) matches(p Principal) bool {
	switch p.Type {
	case PrincipalUser:
		return p.ID == s.UserID
	case PrincipalDepartment:
		return p.ID == s.DeptID || (p.IncludeSubDept && slices.Contains(s.DeptPath, p.ID))
	case PrincipalGroup:
		return slices.Contains(s.Groups, p.ID)
	case PrincipalRole:
		return slices.Contains(s.RoleIDs, p.ID)
	}
	return false
}

// Names reports whether a principal names the subject.
func (s *Subject) Names(p Principal) bool { return s.matches(p) }

// RestrictionIDs lists the restriction rules that apply to the subject.
func (s *Subject) RestrictionIDs() []int64 {
	var out []int64
	for _, r := range s.restrict {
		out = append(out, r.ID)
	}
	return out
}
