// Package access is Steward's decision engine. It is pure: it reads no
// database and no clock of its own. Given a Subject (who is asking, with
// their roles and org facts) it answers three questions:
//
//   - Check: may the subject do this action on this record, and why?
//   - Filter: which records may the subject act on, as a description that the
//     store compiles into the WHERE clause of one query;
//   - Explain: every grant path behind a decision, or what is missing.
//
// Check and Filter must agree exactly; a property test holds them to it.
package access

import (
	"slices"
	"strconv"
	"time"

	"steward/internal/errs"
)

// Object is a kind of protected record.
type Object string

// The protected objects. Contacts, deals and activities sit under a customer.
const (
	Customer Object = "customer"
	Contact  Object = "contact"
	Deal     Object = "deal"
	Activity Object = "activity"
)

// Objects lists every object, in display order.
var Objects = []Object{Customer, Contact, Deal, Activity}

// Action is something a user does to a record.
type Action string

// The actions of the permission matrix.
const (
	View     Action = "view"
	Create   Action = "create"
	Edit     Action = "edit"
	Delete   Action = "delete"
	Transfer Action = "transfer"
	Share    Action = "share"
	Export   Action = "export"
	Import   Action = "import"
)

// Actions lists every action, in display order.
var Actions = []Action{View, Create, Edit, Delete, Transfer, Share, Export, Import}

// Scope is how far a role's grant reaches over record owners.
type Scope string

// The data scopes (数据权限). Each includes the records the user owns.
const (
	None           Scope = "none"
	Own            Scope = "own"             // 本人
	Subordinates   Scope = "subordinates"    // 本人及下属
	Department     Scope = "department"      // 本部门
	DepartmentTree Scope = "department_tree" // 本部门及下级部门
	All            Scope = "all"             // 全公司
)

// Scopes lists every scope from narrowest to widest.
var Scopes = []Scope{None, Own, Subordinates, Department, DepartmentTree, All}

// Function is a system capability outside the record matrix.
type Function string

// The system functions.
const (
	ManageUsers    Function = "manage_users"
	ManageRoles    Function = "manage_roles"
	ManageOrg      Function = "manage_org"
	ManageSharing  Function = "manage_sharing"
	ManageSecurity Function = "manage_security"
	ViewAudit      Function = "view_audit"
	ApproveExports Function = "approve_exports"
	RunReviews     Function = "run_reviews"
	ManagePools    Function = "manage_pools"
	HandlePrivacy  Function = "handle_privacy"
	ManageFields   Function = "manage_fields" // the field catalogue: custom fields, sensitivity, masks
)

// Functions lists every system function.
var Functions = []Function{ManageUsers, ManageRoles, ManageOrg, ManageSharing, ManageSecurity,
	ViewAudit, ApproveExports, RunReviews, ManagePools, HandlePrivacy, ManageFields, OverrideRestrictions}

// Permission is one cell of the matrix: a scope for an object and action.
type Permission struct {
	Object Object `json:"object"`
	Action Action `json:"action"`
	Scope  Scope  `json:"scope"`
}

// Role is a named bundle of matrix cells and system functions.
type Role struct {
	ID          int64        `json:"id"`
	Key         string       `json:"key"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Preset      bool         `json:"preset"`
	Permissions []Permission `json:"permissions"`
	Functions   []Function   `json:"functions"`
	Fields      []FieldRule  `json:"fields"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// Scope returns the role's scope for an object and action (None if unset).
func (r Role) Scope(o Object, a Action) Scope {
	for _, p := range r.Permissions {
		if p.Object == o && p.Action == a {
			return p.Scope
		}
	}
	return None
}

// Validate checks a role's key, cells and functions, and drops cells whose
// scope is none, so that a stored role holds only what it grants.
func (r *Role) Validate() error {
	if !validKey(r.Key) {
		return errs.Field("key", "invalid_key", "key must be 2-40 lower-case letters, digits or underscores")
	}
	seen := map[string]bool{}
	kept := r.Permissions[:0]
	for i, p := range r.Permissions {
		field := "permissions[" + strconv.Itoa(i) + "]"
		if !slices.Contains(Objects, p.Object) {
			return errs.Field(field+".object", "invalid_value", "unknown object %q", p.Object)
		}
		if !slices.Contains(Actions, p.Action) {
			return errs.Field(field+".action", "invalid_value", "unknown action %q", p.Action)
		}
		if !slices.Contains(Scopes, p.Scope) {
			return errs.Field(field+".scope", "invalid_value", "unknown scope %q", p.Scope)
		}
		k := string(p.Object) + "." + string(p.Action)
		if seen[k] {
			return errs.Field(field, "duplicate", "%s is given twice", k)
		}
		seen[k] = true
		if p.Scope != None {
			kept = append(kept, p)
		}
	}
	r.Permissions = kept
	for i, f := range r.Functions {
		if !slices.Contains(Functions, f) {
			return errs.Field("functions["+strconv.Itoa(i)+"]", "invalid_value", "unknown function %q", f)
		}
	}
	slices.Sort(r.Functions)
	r.Functions = slices.Compact(r.Functions)
	if r.Fields == nil {
		r.Fields = []FieldRule{}
	}
	return validateFields(r.Fields)
}

func validKey(k string) bool {
	if len(k) < 2 || len(k) > 40 {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
