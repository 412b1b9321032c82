package policy

import (
	"slices"
	"strconv"

	"steward/internal/access"
)

// RoleOf is a stored role as the document writes it.
func RoleOf(r access.Role) Role {
	out := Role{Key: r.Key, Name: r.Name, Description: r.Description, Preset: r.Preset, Functions: slices.Clone(r.Functions)}
	for _, p := range r.Permissions {
		if p.Scope == access.None {
			continue
		}
		if out.Permissions == nil {
			out.Permissions = map[access.Object]map[access.Action]access.Scope{}
		}
		if out.Permissions[p.Object] == nil {
			out.Permissions[p.Object] = map[access.Action]access.Scope{}
		}
		out.Permissions[p.Object][p.Action] = p.Scope
	}
	for _, f := range r.Fields {
		if out.Fields == nil {
			out.Fields = map[access.Object]map[string]access.FieldAccess{}
		}
		if out.Fields[f.Object] == nil {
			out.Fields[f.Object] = map[string]access.FieldAccess{}
		}
		out.Fields[f.Object][f.Field] = f.Access
		if f.Reveal {
			if out.Reveal == nil {
				out.Reveal = map[access.Object][]string{}
			}
			out.Reveal[f.Object] = append(out.Reveal[f.Object], f.Field)
		}
	}
	return out.canonical()
}

// Grants are the role's cells, functions and field rules as the engine
// has them, in a fixed order.
func (r Role) Grants() ([]access.Permission, []access.Function, []access.FieldRule) {
	perms := []access.Permission{}
	for _, o := range access.Objects {
		for _, a := range access.Actions {
			if sc, ok := r.Permissions[o][a]; ok && sc != access.None {
				perms = append(perms, access.Permission{Object: o, Action: a, Scope: sc})
			}
		}
	}
	fns := slices.Compact(slices.Sorted(slices.Values(r.Functions)))
	if fns == nil {
		fns = []access.Function{}
	}
	rules := []access.FieldRule{}
	for _, o := range access.Objects {
		for _, f := range sortedKeys(r.Fields[o]) {
			rules = append(rules, access.FieldRule{Object: o, Field: f, Access: r.Fields[o][f], Reveal: slices.Contains(r.Reveal[o], f)})
		}
	}
	return perms, fns, rules
}

// PrincipalOf writes an engine principal, naming a role by its key (key
// returns it for a role id, false when no role has the id).
func PrincipalOf(p access.Principal, key func(int64) (string, bool)) Principal {
	switch p.Type {
	case access.PrincipalUser:
		return Principal{User: p.ID}
	case access.PrincipalDepartment:
		return Principal{Department: p.ID, IncludeSubdepartments: p.IncludeSubDept}
	case access.PrincipalGroup:
		return Principal{Group: p.ID}
	}
	k, ok := key(p.ID)
	if !ok {
		// A rule naming a role since removed names nobody. Written this
		// way, applying the export refuses it at its path, where the
		// reader can see and fix it.
		k = "removed_role_" + strconv.FormatInt(p.ID, 10)
	}
	return Principal{Role: k}
}

// Access is the principal as the engine has it; id returns a role key's
// id, false when no role has the key.
func (p Principal) Access(id func(string) (int64, bool)) (access.Principal, bool) {
	switch {
	case p.User != 0:
		return access.Principal{Type: access.PrincipalUser, ID: p.User}, true
	case p.Department != 0:
		return access.Principal{Type: access.PrincipalDepartment, ID: p.Department, IncludeSubDept: p.IncludeSubdepartments}, true
	case p.Group != 0:
		return access.Principal{Type: access.PrincipalGroup, ID: p.Group}, true
	}
	rid, ok := id(p.Role)
	return access.Principal{Type: access.PrincipalRole, ID: rid}, ok
}
