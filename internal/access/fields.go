package access

import (
	"slices"
	"strconv"

	"steward/internal/errs"
)

// FieldAccess is what a role lets its holder do with one field of an object
// (字段权限), from least to most.
type FieldAccess string

// The field access levels.
const (
	FieldHidden FieldAccess = "hidden" // absent from every output
	FieldMasked FieldAccess = "masked" // shown only as its mask: 138****5678
	FieldRead   FieldAccess = "read"
	FieldEdit   FieldAccess = "edit"
)

// FieldAccesses lists the levels from least to most.
var FieldAccesses = []FieldAccess{FieldHidden, FieldMasked, FieldRead, FieldEdit}

func (f FieldAccess) rank() int { return slices.Index(FieldAccesses, f) }

// Readable reports whether the value may be shown as it is.
func (f FieldAccess) Readable() bool { return f.rank() >= FieldRead.rank() }

// AllFields is the field of a rule that covers every field of its object,
// custom ones included; a rule naming the field wins over it within a role.
const AllFields = "*"

// FieldRule is a role's access to one field (or, with "*", every field) of
// an object. Reveal lets a holder of masked access see the real value on
// request, each time audited.
type FieldRule struct {
	Object Object      `json:"object"`
	Field  string      `json:"field"`
	Access FieldAccess `json:"access"`
	Reveal bool        `json:"reveal,omitempty"`
}

// FieldRef is a field of the tenant's catalogue as the engine needs it.
type FieldRef struct {
	Object    Object
	Key       string
	Sensitive bool // masked for roles without a rule for it
}

// FieldDecision is a subject's access to one field and which roles gave it.
type FieldDecision struct {
	Object    Object      `json:"object"`
	Field     string      `json:"field"`
	Access    FieldAccess `json:"access"`
	Reveal    bool        `json:"reveal"`
	Sensitive bool        `json:"sensitive"`
	// Roles are "role_key:source", source being "field rule", "all-fields
	// rule", "sensitive default" or "default", for each role that gave the
	// winning level.
	Roles []string `json:"roles"`
}

// validateFields checks a role's field rules; whether each field exists is
// the catalogue's business (the service checks it).
func validateFields(rules []FieldRule) error {
	seen := map[string]bool{}
	for i, r := range rules {
		at := "fields[" + strconv.Itoa(i) + "]"
		if !slices.Contains(Objects, r.Object) {
			return errs.Field(at+".object", "invalid_value", "unknown object %q", r.Object)
		}
		if r.Field != AllFields && !validKey(r.Field) {
			return errs.Field(at+".field", "invalid_value", "field must be a field key or *")
		}
		if !slices.Contains(FieldAccesses, r.Access) {
			return errs.Field(at+".access", "invalid_value", "access must be hidden, masked, read or edit")
		}
		if r.Reveal && r.Access != FieldMasked {
			return errs.Field(at+".reveal", "invalid_value", "reveal goes with masked access only")
		}
		k := string(r.Object) + "." + r.Field
		if seen[k] {
			return errs.Field(at, "duplicate", "%s is given twice", k)
		}
		seen[k] = true
	}
	return nil
}

// fieldFor is one role's access to a field: its rule for the field, else
// its all-fields rule, else the default (masked when sensitive, else edit:
// the record's own permissions still decide whether anything is edited).
func fieldFor(r Role, f FieldRef) (FieldRule, string) {
	var wild *FieldRule
	for i, fr := range r.Fields {
		if fr.Object != f.Object {
			continue
		}
		if fr.Field == f.Key {
			return fr, "field rule"
		}
		if fr.Field == AllFields {
			wild = &r.Fields[i]
		}
	}
	if wild != nil {
		return *wild, "all-fields rule"
	}
	if f.Sensitive {
		return FieldRule{Object: f.Object, Field: f.Key, Access: FieldMasked}, "sensitive default"
	}
	return FieldRule{Object: f.Object, Field: f.Key, Access: FieldEdit}, "default"
}

// decideFields computes the subject's access to every catalogue field: the
// most permissive of their roles wins; reveal counts only at masked level.
// Field rules narrow what record grants show; they grant no record.
func decideFields(roles []Role, catalogue []FieldRef) map[Object]map[string]FieldDecision {
	out := map[Object]map[string]FieldDecision{}
	for _, f := range catalogue {
		d := FieldDecision{Object: f.Object, Field: f.Key, Access: FieldHidden, Sensitive: f.Sensitive, Roles: []string{}}
		if len(roles) == 0 {
			// Someone without roles sees only what teams and shares give
			// them, and those fields as the catalogue's defaults have them.
			rule, src := fieldFor(Role{}, f)
			d.Access, d.Roles = rule.Access, []string{"(no role):" + src}
		}
		for _, r := range roles {
			rule, src := fieldFor(r, f)
			switch {
			case rule.Access.rank() > d.Access.rank():
				d.Access, d.Reveal, d.Roles = rule.Access, rule.Reveal, []string{r.Key + ":" + src}
			case rule.Access == d.Access:
				d.Reveal = d.Reveal || rule.Reveal
				d.Roles = append(d.Roles, r.Key+":"+src)
			}
		}
		if d.Access != FieldMasked {
			d.Reveal = false
		}
		if out[f.Object] == nil {
			out[f.Object] = map[string]FieldDecision{}
		}
		out[f.Object][f.Key] = d
	}
	return out
}

// Field returns the subject's access to a field of an object. A field the
// catalogue does not know is hidden.
func (s *Subject) Field(o Object, key string) FieldDecision {
	if d, ok := s.fields[o][key]; ok {
		return d
	}
	return FieldDecision{Object: o, Field: key, Access: FieldHidden, Roles: []string{}}
}

// FieldsOf returns the subject's access to every field of an object, in
// catalogue order.
func (s *Subject) FieldsOf(o Object) []FieldDecision {
	var out []FieldDecision
	for _, f := range s.fieldOrder {
		if f.Object == o {
			out = append(out, s.fields[o][f.Key])
		}
	}
	return out
}
