package policy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
)

// Plan is what applying a document changes in a policy, section by section,
// each in the canonical order (role key, name).
type Plan struct {
	Roles            []Change `json:"roles"`
	SharingRules     []Change `json:"sharing_rules"`
	RestrictionRules []Change `json:"restriction_rules"`
	Pools            []Change `json:"pools"`
	SoDRules         []Change `json:"sod_rules"`
}

// Change is one item of a section created, updated or deleted.
type Change struct {
	Name    string   `json:"name"`    // a role's key, a rule's or pool's name
	Change  string   `json:"change"`  // create, update or delete
	Details []string `json:"details"` // what changes, one line each: "permissions.customer.view: own → all"
	// Path is where the item sits in the applied document ("roles[2]"),
	// for errors about it; "" for a deletion.
	Path string `json:"-"`
}

// The kinds of change.
const (
	Create = "create"
	Update = "update"
	Delete = "delete"
)

// NoChanges is a plan that changes nothing, every section an empty list.
func NoChanges() Plan {
	return Plan{Roles: []Change{}, SharingRules: []Change{}, RestrictionRules: []Change{}, Pools: []Change{}, SoDRules: []Change{}}
}

// Empty reports whether the plan changes nothing.
func (p Plan) Empty() bool {
	return len(p.Roles)+len(p.SharingRules)+len(p.RestrictionRules)+len(p.Pools)+len(p.SoDRules) == 0
}

// Count is how many items the plan changes.
func (p Plan) Count() int {
	return len(p.Roles) + len(p.SharingRules) + len(p.RestrictionRules) + len(p.Pools) + len(p.SoDRules)
}

// Diff compares the tenant's policy (cur, complete) with a document to
// apply (want, as parsed: its item order gives the paths). A section want
// leaves out changes nothing; a preset role want leaves out is kept.
func Diff(cur, want Document) Plan {
	return Plan{
		Roles: diffSection(cur.Roles, want.Roles, func(r Role) string { return r.Key }, Role.canonical, roleDetails,
			func(r Role) bool { return r.Preset }, "roles"),
		SharingRules: diffSection(cur.SharingRules, want.SharingRules, func(r SharingRule) string { return r.Name },
			SharingRule.canonical, sharingDetails, never[SharingRule], "sharing_rules"),
		RestrictionRules: diffSection(cur.RestrictionRules, want.RestrictionRules, func(r RestrictionRule) string { return r.Name },
			RestrictionRule.canonical, restrictionDetails, never[RestrictionRule], "restriction_rules"),
		Pools:    diffSection(cur.Pools, want.Pools, func(p Pool) string { return p.Name }, Pool.canonical, poolDetails, never[Pool], "pools"),
		SoDRules: diffSection(cur.SoDRules, want.SoDRules, func(r SoDRule) string { return r.Name }, SoDRule.canonical, sodDetails, never[SoDRule], "sod_rules"),
	}
}

func never[T any](T) bool { return false }

// diffSection plans one section: items of want missing from cur are
// created, those that differ updated, and those of cur missing from want
// deleted (unless kept).
func diffSection[T any](cur, want *[]T, name func(T) string, canon func(T) T, details func(before, after T, created bool) []string,
	kept func(T) bool, section string) []Change {
	out := []Change{}
	if want == nil {
		return out
	}
	have := map[string]T{}
	if cur != nil {
		for _, it := range *cur {
			have[name(it)] = canon(it)
		}
	}
	wanted := map[string]bool{}
	for i, it := range *want {
		n, w := name(it), canon(it)
		wanted[n] = true
		at := section + "[" + strconv.Itoa(i) + "]"
		old, ok := have[n]
		switch {
		case !ok:
			var zero T
			out = append(out, Change{Name: n, Change: Create, Details: details(zero, w, true), Path: at})
		case !same(old, w):
			out = append(out, Change{Name: n, Change: Update, Details: details(old, w, false), Path: at})
		}
	}
	for n, it := range have {
		if !wanted[n] && !kept(it) {
			out = append(out, Change{Name: n, Change: Delete, Details: []string{}})
		}
	}
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// same compares two canonical items by their JSON form, in which an empty
// list and a missing one are alike.
func same(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func roleDetails(b, a Role, created bool) []string {
	out := []string{}
	if b.Name != a.Name {
		out = append(out, arrow(created, "name", strconv.Quote(b.Name), strconv.Quote(a.Name)))
	}
	if b.Description != a.Description && !created {
		out = append(out, "description changed")
	}
	if d := setDiff(b.Functions, a.Functions); d != "" {
		out = append(out, "functions: "+d)
	}
	for _, o := range access.Objects {
		for _, act := range access.Actions {
			if x, y := scopeOf(b, o, act), scopeOf(a, o, act); x != y {
				out = append(out, arrow(created, fmt.Sprintf("permissions.%s.%s", o, act), string(x), string(y)))
			}
		}
	}
	for _, o := range access.Objects {
		keys := slices.Compact(slices.Sorted(slices.Values(append(sortedKeys(b.Fields[o]), sortedKeys(a.Fields[o])...))))
		for _, f := range keys {
			if x, y := b.Fields[o][f], a.Fields[o][f]; x != y {
				out = append(out, arrow(created, fmt.Sprintf("fields.%s.%s", o, f), orDefault(string(x)), orDefault(string(y))))
			}
		}
		if d := setDiff(b.Reveal[o], a.Reveal[o]); d != "" {
			out = append(out, fmt.Sprintf("reveal.%s: %s", o, d))
		}
	}
	return out
}

func scopeOf(r Role, o access.Object, a access.Action) access.Scope {
	if sc, ok := r.Permissions[o][a]; ok {
		return sc
	}
	return access.None
}

func orDefault(s string) string {
	if s == "" {
		return "(no rule)"
	}
	return s
}

func sharingDetails(b, a SharingRule, created bool) []string {
	out := criteriaDetails(b.Criteria, a.Criteria, created)
	if b.Principal != a.Principal {
		out = append(out, arrow(created, "principal", b.Principal.String(), a.Principal.String()))
	}
	if b.Level != a.Level {
		out = append(out, arrow(created, "level", string(b.Level), string(a.Level)))
	}
	return append(out, reasonDetails(b.Reason, a.Reason, created)...)
}

func restrictionDetails(b, a RestrictionRule, created bool) []string {
	out := criteriaDetails(b.Criteria, a.Criteria, created)
	if !same(b.Principals, a.Principals) {
		out = append(out, arrow(created, "principals", principals(b.Principals), principals(a.Principals)))
	}
	return append(out, reasonDetails(b.Reason, a.Reason, created)...)
}

func criteriaDetails(b, a access.Criteria, created bool) []string {
	x, _ := json.Marshal(b)
	y, _ := json.Marshal(a)
	if string(x) == string(y) {
		return []string{}
	}
	return []string{arrow(created, "criteria", string(x), string(y))}
}

func reasonDetails(b, a string, created bool) []string {
	if b == a || created {
		return nil
	}
	return []string{"reason changed"}
}

func poolDetails(b, a Pool, created bool) []string {
	out := []string{}
	if !slices.Equal(b.Departments, a.Departments) {
		out = append(out, arrow(created, "departments", fmt.Sprint(b.Departments), fmt.Sprint(a.Departments)))
	}
	for _, n := range []struct {
		name string
		x, y int
	}{{"holding_cap", b.HoldingCap, a.HoldingCap}, {"cooldown_days", b.CooldownDays, a.CooldownDays},
		{"auto_return_days", b.AutoReturnDays, a.AutoReturnDays}} {
		if n.x != n.y {
			out = append(out, arrow(created, n.name, strconv.Itoa(n.x), strconv.Itoa(n.y)))
		}
	}
	return out
}

func sodDetails(b, a SoDRule, created bool) []string {
	out := []string{}
	if d := setDiff(b.Holdings, a.Holdings); d != "" {
		out = append(out, "holdings: "+d)
	}
	if b.Mode != a.Mode {
		out = append(out, arrow(created, "mode", b.Mode, a.Mode))
	}
	if b.Description != a.Description && !created {
		out = append(out, "description changed")
	}
	return out
}

// arrow is one line of a change: "field: before → after", or for an item
// created "field: after".
func arrow(created bool, field, before, after string) string {
	if created {
		return field + ": " + after
	}
	return field + ": " + before + " → " + after
}

// setDiff says what a list gains and loses: "+a +b -c".
func setDiff[S ~string](before, after []S) string {
	var parts []string
	for _, x := range after {
		if !slices.Contains(before, x) {
			parts = append(parts, "+"+string(x))
		}
	}
	for _, x := range before {
		if !slices.Contains(after, x) {
			parts = append(parts, "-"+string(x))
		}
	}
	return strings.Join(parts, " ")
}

// String names a principal as the document writes it: "department 7 and
// below", "role sales_rep".
func (p Principal) String() string {
	switch {
	case p.User != 0:
		return fmt.Sprintf("user %d", p.User)
	case p.Department != 0 && p.IncludeSubdepartments:
		return fmt.Sprintf("department %d and below", p.Department)
	case p.Department != 0:
		return fmt.Sprintf("department %d", p.Department)
	case p.Group != 0:
		return fmt.Sprintf("group %d", p.Group)
	case p.Role != "":
		return "role " + p.Role
	}
	return "(none)"
}

func principals(ps []Principal) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return "[" + strings.Join(out, ", ") + "]"
}
