package access

import "slices"

// Comparing roles: whether one role gives everything another gives (role
// analysis, least-privilege proposals), and what a role adds to others.
// Both are judged by effect: two roles whose rules differ in form but give
// the same access on every cell, function and catalogue field compare equal.

// ScopeCovers reports whether a grant of scope wide reaches every record a
// grant of scope narrow reaches, whoever holds it. Scopes lists the scopes
// from narrowest to widest, but that order is not inclusion throughout: a
// manager's reports may sit in other departments, so subordinates is
// covered only by itself and all, and covers only own and none.
func ScopeCovers(wide, narrow Scope) bool {
	switch {
	case narrow == None || narrow == "" || wide == All || wide == narrow:
		return true
	case wide == None || wide == "":
		return false
	case narrow == Own:
		return true // every scope includes the records the holder owns
	case narrow == Department:
		return wide == DepartmentTree
	}
	return false
}

// fieldRank orders field rules by what they let a holder see: a masked
// value that may be revealed sits between masked and read.
func fieldRank(r FieldRule) int {
	n := 2 * r.Access.rank()
	if r.Access == FieldMasked && r.Reveal {
		n++
	}
	return n
}

// Covers reports whether role wide gives at least everything role narrow
// gives: every cell at a scope that covers narrow's, every function, and on
// every field of the catalogue at least narrow's access.
func Covers(wide, narrow Role, catalogue []FieldRef) bool {
	for _, p := range narrow.Permissions {
		if !ScopeCovers(wide.Scope(p.Object, p.Action), p.Scope) {
			return false
		}
	}
	for _, f := range narrow.Functions {
		if !slices.Contains(wide.Functions, f) {
			return false
		}
	}
	for _, f := range catalogue {
		w, _ := fieldFor(wide, f)
		n, _ := fieldFor(narrow, f)
		if fieldRank(w) < fieldRank(n) {
			return false
		}
	}
	return true
}

// FieldLevel is a subject's access to one field, as far as roles decide it.
type FieldLevel struct {
	Object Object      `json:"object"`
	Field  string      `json:"field"`
	Access FieldAccess `json:"access"`
	Reveal bool        `json:"reveal,omitempty"`
}

// Extra is what a role gives its holder beyond their other roles.
type Extra struct {
	// Permissions are the role's cells that no other role covers.
	Permissions []Permission `json:"permissions"`
	// Functions are the role's functions that no other role has.
	Functions []Function `json:"functions"`
	// Fields are the fields whose access falls without the role: the
	// level with it (as the holder has it with all roles).
	Fields []FieldLevel `json:"fields"`
}

// Empty reports whether the role adds nothing.
func (e Extra) Empty() bool {
	return len(e.Permissions)+len(e.Functions)+len(e.Fields) == 0
}

// ExtraOf returns what role r gives beyond others: the cells whose scope no
// other role covers (a holder of own and department elsewhere still gains
// from department_tree), the functions only r has, and the fields whose
// access would fall without r.
func ExtraOf(r Role, others []Role, catalogue []FieldRef) Extra {
	e := Extra{Permissions: []Permission{}, Functions: []Function{}, Fields: []FieldLevel{}}
	for _, p := range r.Permissions {
		if p.Scope == None {
			continue
		}
		if !slices.ContainsFunc(others, func(o Role) bool { return ScopeCovers(o.Scope(p.Object, p.Action), p.Scope) }) {
			e.Permissions = append(e.Permissions, p)
		}
	}
	for _, f := range r.Functions {
		if !slices.ContainsFunc(others, func(o Role) bool { return slices.Contains(o.Functions, f) }) {
			e.Functions = append(e.Functions, f)
		}
	}
	with := decideFields(append(slices.Clone(others), r), catalogue)
	without := decideFields(others, catalogue)
	for _, f := range catalogue {
		w, wo := with[f.Object][f.Key], without[f.Object][f.Key]
		if fieldRank(FieldRule{Access: w.Access, Reveal: w.Reveal}) > fieldRank(FieldRule{Access: wo.Access, Reveal: wo.Reveal}) {
			e.Fields = append(e.Fields, FieldLevel{Object: f.Object, Field: f.Key, Access: w.Access, Reveal: w.Reveal})
		}
	}
	return e
}
