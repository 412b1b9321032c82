package policy

import (
	"cmp"
	"maps"
	"slices"

	"steward/internal/access"
)

// Canonical returns the document in its one canonical form: items ordered
// by role key or name, functions, departments, holdings and reveal lists
// sorted, principals in a fixed order, cells of scope none and empty
// mappings left out. Two documents that mean the same policy have equal
// canonical forms, and the canonical form writes the same bytes every time.
func (d Document) Canonical() Document {
	out := d
	out.Labels = maps.Clone(d.Labels)
	out.Roles = sortedSection(d.Roles, func(r Role) string { return r.Key }, Role.canonical)
	out.SharingRules = sortedSection(d.SharingRules, func(r SharingRule) string { return r.Name }, SharingRule.canonical)
	out.RestrictionRules = sortedSection(d.RestrictionRules, func(r RestrictionRule) string { return r.Name }, RestrictionRule.canonical)
	out.Pools = sortedSection(d.Pools, func(p Pool) string { return p.Name }, Pool.canonical)
	out.SoDRules = sortedSection(d.SoDRules, func(r SoDRule) string { return r.Name }, SoDRule.canonical)
	return out
}

// The canonical forms of single items: see Canonical.

func (r SharingRule) canonical() SharingRule { return r }

func (r RestrictionRule) canonical() RestrictionRule {
	r.Principals = slices.Clone(r.Principals)
	slices.SortFunc(r.Principals, Principal.compare)
	r.Principals = slices.Compact(r.Principals)
	return r
}

func (p Pool) canonical() Pool {
	p.Departments = slices.Sorted(slices.Values(p.Departments))
	return p
}

func (r SoDRule) canonical() SoDRule {
	r.Holdings = slices.Sorted(slices.Values(r.Holdings))
	return r
}

func sortedSection[T any](items *[]T, name func(T) string, canon func(T) T) *[]T {
	if items == nil {
		return nil
	}
	out := make([]T, len(*items))
	for i, it := range *items {
		out[i] = canon(it)
	}
	slices.SortStableFunc(out, func(a, b T) int { return cmp.Compare(name(a), name(b)) })
	return &out
}

func (r Role) canonical() Role {
	out := Role{Key: r.Key, Name: r.Name, Description: r.Description, Preset: r.Preset}
	if len(r.Functions) > 0 {
		out.Functions = slices.Compact(slices.Sorted(slices.Values(r.Functions)))
	}
	for o, cells := range r.Permissions {
		for a, sc := range cells {
			if sc == access.None {
				continue
			}
			if out.Permissions == nil {
				out.Permissions = map[access.Object]map[access.Action]access.Scope{}
			}
			if out.Permissions[o] == nil {
				out.Permissions[o] = map[access.Action]access.Scope{}
			}
			out.Permissions[o][a] = sc
		}
	}
	for o, fs := range r.Fields {
		if len(fs) == 0 {
			continue
		}
		if out.Fields == nil {
			out.Fields = map[access.Object]map[string]access.FieldAccess{}
		}
		out.Fields[o] = maps.Clone(fs)
	}
	for o, fs := range r.Reveal {
		if len(fs) == 0 {
			continue
		}
		if out.Reveal == nil {
			out.Reveal = map[access.Object][]string{}
		}
		out.Reveal[o] = slices.Compact(slices.Sorted(slices.Values(fs)))
	}
	return out
}

// kind is a principal's type, in the order principals are listed.
func (p Principal) kind() int {
	switch {
	case p.User != 0:
		return 0
	case p.Department != 0:
		return 1
	case p.Group != 0:
		return 2
	}
	return 3
}

func (p Principal) compare(q Principal) int {
	return cmp.Or(cmp.Compare(p.kind(), q.kind()), cmp.Compare(p.User+p.Department+p.Group, q.User+q.Department+q.Group),
		cmp.Compare(p.Role, q.Role), cmpBool(p.IncludeSubdepartments, q.IncludeSubdepartments))
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
