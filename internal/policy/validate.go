package policy

import (
	"errors"
	"slices"
	"strconv"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
)

// Validate checks what a document says on its own, naming the path of the
// first problem, and trims names and texts as they are stored. Whether the
// ids, field keys and roles it names exist is the tenant's business, which
// the service checks when applying it.
func (d *Document) Validate() error {
	if d.Version != FormatVersion {
		return errs.Field("version", "invalid_value", "version must be %d", FormatVersion)
	}
	var err error
	if d.Tenant, err = fieldcheck.Optional("tenant", d.Tenant, 63); err != nil {
		return err
	}
	if err := eachNamed(d.Roles, "roles", func(r *Role) string { return r.Key }, (*Role).validate); err != nil {
		return err
	}
	if err := eachNamed(d.SharingRules, "sharing_rules", func(r *SharingRule) string { return r.Name }, (*SharingRule).validate); err != nil {
		return err
	}
	if err := eachNamed(d.RestrictionRules, "restriction_rules", func(r *RestrictionRule) string { return r.Name }, (*RestrictionRule).validate); err != nil {
		return err
	}
	if err := eachNamed(d.Pools, "pools", func(p *Pool) string { return p.Name }, (*Pool).validate); err != nil {
		return err
	}
	return eachNamed(d.SoDRules, "sod_rules", func(r *SoDRule) string { return r.Name }, (*SoDRule).validate)
}

// eachNamed validates a section's items and refuses two with one name (or
// role key): the name is what a document and the tenant's data are
// matched on.
func eachNamed[T any](items *[]T, section string, name func(*T) string, validate func(*T, string) error) error {
	if items == nil {
		return nil
	}
	seen := map[string]bool{}
	for i := range *items {
		at := section + "[" + strconv.Itoa(i) + "]"
		it := &(*items)[i]
		if err := validate(it, at); err != nil {
			return err
		}
		if n := name(it); seen[n] {
			field := ".name"
			if section == "roles" {
				field = ".key"
			}
			return errs.Field(at+field, "duplicate", "%s is given twice in %s", n, section)
		} else {
			seen[n] = true
		}
	}
	return nil
}

func (r *Role) validate(at string) error {
	if !validKey(r.Key) {
		return errs.Field(at+".key", "invalid_key", "%s.key must be 2-40 lower-case letters, digits or underscores", at)
	}
	var err error
	if r.Name, err = fieldcheck.Name(at+".name", r.Name, 100); err != nil {
		return err
	}
	if r.Description, err = fieldcheck.Optional(at+".description", r.Description, 500); err != nil {
		return err
	}
	for i, f := range r.Functions {
		field := at + ".functions[" + strconv.Itoa(i) + "]"
		if !slices.Contains(access.Functions, f) {
			return errs.Field(field, "invalid_value", "unknown function %q", f)
		}
		if slices.Index(r.Functions, f) != i {
			return errs.Field(field, "duplicate", "%s is given twice", f)
		}
	}
	if err := r.validateCells(at + ".permissions"); err != nil {
		return err
	}
	return r.validateFields(at)
}

func (r *Role) validateCells(at string) error {
	for _, o := range sortedKeys(r.Permissions) {
		if !slices.Contains(access.Objects, o) {
			return errs.Field(at+"."+string(o), "invalid_value", "unknown object %q (customer, contact, deal or activity)", o)
		}
		for _, a := range sortedKeys(r.Permissions[o]) {
			field := at + "." + string(o) + "." + string(a)
			if !slices.Contains(access.Actions, a) {
				return errs.Field(field, "invalid_value", "unknown action %q", a)
			}
			if !slices.Contains(access.Scopes, r.Permissions[o][a]) {
				return errs.Field(field, "invalid_value", "unknown scope %q (none, own, subordinates, department, department_tree or all)", r.Permissions[o][a])
			}
		}
	}
	return nil
}

func (r *Role) validateFields(at string) error {
	for _, o := range sortedKeys(r.Fields) {
		if !slices.Contains(access.Objects, o) {
			return errs.Field(at+".fields."+string(o), "invalid_value", "unknown object %q", o)
		}
		for _, f := range sortedKeys(r.Fields[o]) {
			field := at + ".fields." + string(o) + "." + f
			if f != access.AllFields && !validKey(f) {
				return errs.Field(field, "invalid_value", "a field is a field key or *")
			}
			if !slices.Contains(access.FieldAccesses, r.Fields[o][f]) {
				return errs.Field(field, "invalid_value", "access must be hidden, masked, read or edit")
			}
		}
	}
	for _, o := range sortedKeys(r.Reveal) {
		for i, f := range r.Reveal[o] {
			field := at + ".reveal." + string(o) + "[" + strconv.Itoa(i) + "]"
			if !slices.Contains(access.Objects, o) {
				return errs.Field(at+".reveal."+string(o), "invalid_value", "unknown object %q", o)
			}
			if r.Fields[o][f] != access.FieldMasked {
				return errs.Field(field, "invalid_value", "reveal goes with masked access only: give %s.fields.%s.%s: masked", at, o, f)
			}
			if slices.Index(r.Reveal[o], f) != i {
				return errs.Field(field, "duplicate", "%s is given twice", f)
			}
		}
	}
	return nil
}

func (r *SharingRule) validate(at string) error {
	var err error
	if r.Name, r.Reason, err = names(at, r.Name, r.Reason); err != nil {
		return err
	}
	if err := r.Criteria.Validate(at + ".criteria"); err != nil {
		return err
	}
	if err := r.Principal.validate(at + ".principal"); err != nil {
		return err
	}
	if r.Level != access.Read && r.Level != access.EditLevel {
		return errs.Field(at+".level", "invalid_value", "level must be read or edit")
	}
	return nil
}

func (r *RestrictionRule) validate(at string) error {
	var err error
	if r.Name, r.Reason, err = names(at, r.Name, r.Reason); err != nil {
		return err
	}
	if err := r.Criteria.Validate(at + ".criteria"); err != nil {
		return err
	}
	if len(r.Principals) == 0 || len(r.Principals) > 50 {
		return errs.Field(at+".principals", "invalid_value", "principals needs 1 to 50 entries")
	}
	for i, p := range r.Principals {
		if err := p.validate(at + ".principals[" + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
	}
	return nil
}

func (p *Pool) validate(at string) error {
	var err error
	if p.Name, err = fieldcheck.Name(at+".name", p.Name, 100); err != nil {
		return err
	}
	if len(p.Departments) == 0 {
		return errs.Field(at+".departments", "field_required", "a pool needs at least one member department")
	}
	for i, d := range p.Departments {
		field := at + ".departments[" + strconv.Itoa(i) + "]"
		if d <= 0 {
			return errs.Field(field, "invalid_value", "a department is named by its id")
		}
		if slices.Index(p.Departments, d) != i {
			return errs.Field(field, "duplicate", "department %d is given twice", d)
		}
	}
	for _, b := range []struct {
		field string
		v     int
	}{{"holding_cap", p.HoldingCap}, {"cooldown_days", p.CooldownDays}, {"auto_return_days", p.AutoReturnDays}} {
		if b.v < 0 || b.v > 10000 {
			return errs.Field(at+"."+b.field, "invalid_value", "%s must be between 0 and 10000", b.field)
		}
	}
	return nil
}

func (r *SoDRule) validate(at string) error {
	var err error
	if r.Name, err = fieldcheck.Name(at+".name", r.Name, 100); err != nil {
		return err
	}
	if r.Description, err = fieldcheck.Optional(at+".description", r.Description, 500); err != nil {
		return err
	}
	ar := r.Access()
	return Under(at, ar.Validate())
}

// Access is the rule as the engine has it (without its id).
func (r SoDRule) Access() access.SoDRule {
	out := access.SoDRule{Name: r.Name, Mode: access.SoDMode(r.Mode), Holdings: []access.Holding{}}
	for _, h := range r.Holdings {
		out.Holdings = append(out.Holdings, access.Holding(h))
	}
	return out
}

func (p Principal) validate(at string) error {
	set := 0
	for _, id := range []int64{p.User, p.Department, p.Group} {
		if id < 0 {
			return errs.Field(at, "invalid_value", "%s names an id, a positive number", at)
		}
		if id > 0 {
			set++
		}
	}
	if p.Role != "" {
		set++
		if !validKey(p.Role) {
			return errs.Field(at+".role", "invalid_key", "%s.role is a role key", at)
		}
	}
	if set != 1 {
		return errs.Field(at, "invalid_value", "%s names exactly one of user, department, group or role", at)
	}
	if p.IncludeSubdepartments && p.Department == 0 {
		return errs.Field(at+".include_subdepartments", "invalid_value", "only a department includes sub-departments")
	}
	return nil
}

// names checks a rule's name and reason, as the rule editors do.
func names(at, name, reason string) (string, string, error) {
	n, err := fieldcheck.Name(at+".name", name, 100)
	if err != nil {
		return "", "", err
	}
	r, err := fieldcheck.Optional(at+".reason", reason, 500)
	return n, r, err
}

// Under puts an error about a field of an item (such as "holdings[1]")
// under the item's path in the document ("sod_rules[0].holdings[1]").
func Under(at string, err error) error {
	var e *errs.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	c := *e
	switch {
	case c.Field == "":
		c.Field = at
	case c.Field[0] == '[':
		c.Field = at + c.Field
	default:
		c.Field = at + "." + c.Field
	}
	return &c
}

// validKey is the rule of role keys and field keys: 2-40 lower-case
// letters, digits or underscores.
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

func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
