// Package policy is a tenant's access policy as one readable document: its
// roles (matrix, functions, field rules), sharing and restriction rules,
// pools and separation-of-duties rules. It parses the document from YAML
// (or JSON, which YAML includes) strictly, validates it, compares it with
// another and writes it back in one canonical form, so that exporting,
// applying and exporting again gives the same bytes and the file can live
// in version control. It is pure: applying a document is the service's.
//
// Principals name users, departments and groups by their id, which belongs
// to one tenant; roles are named by key.
package policy

import "steward/internal/access"

// FormatVersion is the version of the document format this package reads
// and writes.
const FormatVersion = 1

// MaxSize is the largest document accepted, in bytes.
const MaxSize = 1 << 20

// Document is a tenant's policy. A section left out (nil) is left as it is
// when the document is applied; a section given, even empty, is the whole
// of that part of the policy: what it does not list is removed (but preset
// roles, which are edited and never removed).
type Document struct {
	Version          int                `json:"version"`
	Tenant           string             `json:"tenant,omitempty" doc:"the tenant's slug; when given, the document applies to that tenant only"`
	Roles            *[]Role            `json:"roles,omitempty"`
	SharingRules     *[]SharingRule     `json:"sharing_rules,omitempty"`
	RestrictionRules *[]RestrictionRule `json:"restriction_rules,omitempty"`
	Pools            *[]Pool            `json:"pools,omitempty"`
	SoDRules         *[]SoDRule         `json:"sod_rules,omitempty"`

	// Labels name principals for the comments of the YAML form, keyed
	// "department:ID" or "group:ID". They are not part of the policy.
	Labels map[string]string `json:"-"`
}

// Role is a role: per object and action a scope (cells left out are
// none), system functions and field rules.
type Role struct {
	Key         string                                           `json:"key"`
	Name        string                                           `json:"name"`
	Description string                                           `json:"description,omitempty"`
	Functions   []access.Function                                `json:"functions,omitempty"`
	Permissions map[access.Object]map[access.Action]access.Scope `json:"permissions,omitempty" doc:"object → action → scope"`
	Fields      map[access.Object]map[string]access.FieldAccess  `json:"fields,omitempty" doc:"object → field key (or * for every field) → access"`
	Reveal      map[access.Object][]string                       `json:"reveal,omitempty" doc:"object → fields of masked access whose holders may reveal the value, audited"`

	// Preset marks a preset role in the YAML form's comments; presets are
	// known by key, so it is not read.
	Preset bool `json:"-"`
}

// Principal is whom a rule names: exactly one of a user, a department
// (with its sub-departments when IncludeSubdepartments), a group, or the
// holders of a role.
type Principal struct {
	User                  int64  `json:"user,omitempty"`
	Department            int64  `json:"department,omitempty"`
	Group                 int64  `json:"group,omitempty"`
	Role                  string `json:"role,omitempty"`
	IncludeSubdepartments bool   `json:"include_subdepartments,omitempty"`
}

// SharingRule shares every customer matching its criteria with a principal.
type SharingRule struct {
	Name      string          `json:"name"`
	Criteria  access.Criteria `json:"criteria"`
	Principal Principal       `json:"principal"`
	Level     access.Level    `json:"level"`
	Reason    string          `json:"reason,omitempty"`
}

// RestrictionRule takes matching customers away from its principals.
type RestrictionRule struct {
	Name       string          `json:"name"`
	Criteria   access.Criteria `json:"criteria"`
	Principals []Principal     `json:"principals"`
	Reason     string          `json:"reason,omitempty"`
}

// Pool is a customer pool (公海) and its rules.
type Pool struct {
	Name           string  `json:"name"`
	Departments    []int64 `json:"departments"`
	HoldingCap     int     `json:"holding_cap"`
	CooldownDays   int     `json:"cooldown_days,omitempty"`
	AutoReturnDays int     `json:"auto_return_days,omitempty"`
}

// SoDRule is a separation-of-duties rule: holdings nobody may have together.
type SoDRule struct {
	Name        string   `json:"name"`
	Holdings    []string `json:"holdings" doc:"2 to 10 of function:NAME, object.action and duty:system|security|audit"`
	Mode        string   `json:"mode" doc:"refuse or justify"`
	Description string   `json:"description,omitempty"`
}
