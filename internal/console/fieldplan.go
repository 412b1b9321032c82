package console

import (
	"slices"
	"strings"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/fields"
)

// The service has already hidden and masked every record it returns; these
// helpers only decide which controls a page offers for each field, from
// the same field decisions, so that a form never posts a field the service
// would refuse and a page never shows a field the user may not see.

// mode is how a page offers one field.
type mode int

const (
	leaveOut mode = iota // hidden from the user: not shown at all
	showOnly             // readable or masked: shown as text, never posted
	editable             // an input, sent when changed
)

// planned is one catalogue field as a page offers it.
type planned struct {
	fields.Field
	Mode   mode
	Masked bool // the record shows it masked
}

// planFields decides how each field is offered to subject s, for a record
// shown with view (the zero view for a record being created). A value
// shown masked is not editable even where a role says edit (a customer
// seen only through its pool): the user would overwrite what they cannot see.
func planFields(cat []fields.Field, s *access.Subject, view crm.View) []planned {
	out := make([]planned, 0, len(cat))
	for _, f := range cat {
		name := fieldName(f)
		p := planned{Field: f, Masked: slices.Contains(view.Masked, name)}
		switch d := s.Field(f.Object, f.Key); {
		case d.Access == access.FieldHidden, slices.Contains(view.Hidden, name) && !p.Masked:
			p.Mode = leaveOut
		case d.Access == access.FieldEdit && !p.Masked:
			p.Mode = editable
		default:
			p.Mode = showOnly
		}
		out = append(out, p)
	}
	return out
}

// fieldName is how records, errors and reveals name a field: a built-in
// by its key, a custom one as "custom.<key>".
func fieldName(f fields.Field) string {
	if f.Builtin {
		return f.Key
	}
	return "custom." + f.Key
}

// catalogue is the signed-in user's field catalogue.
func (v *view) catalogue() *fields.Catalogue {
	if v.act == nil || v.act.Fields == nil {
		return fields.NewCatalogue(nil) // the built-ins, as the service assumes
	}
	return v.act.Fields
}

// fieldLabel is a field's label in the page's language, falling back to
// the other language and then to its key.
func (v *view) fieldLabel(f fields.Field) string {
	first, second := f.LabelEn, f.LabelZh
	if v.lang == chinese {
		first, second = second, first
	}
	for _, s := range []string{first, second} {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return f.Key
}

// Label is the label of a field of an object, for the templates.
func (v *view) Label(o access.Object, key string) string {
	if f, ok := v.catalogue().Get(o, key); ok {
		return v.fieldLabel(f)
	}
	return key
}

// Shows reports whether the user may see a field of an object at all, for
// templates that leave out a column the user's roles hide.
func (v *view) Shows(o access.Object, key string) bool {
	return v.act != nil && v.act.Subject.Field(o, key).Access != access.FieldHidden
}

// display renders a value as the pages show it: yes or no for a flag,
// options joined, translated values for the built-in selects.
func (v *view) display(f fields.Field, val any) string {
	switch x := val.(type) {
	case bool:
		return v.Val(fields.Display(x))
	case string:
		if f.Builtin && f.Type == fields.Select {
			return v.Val(x)
		}
	}
	if s := fields.Display(val); s != "" {
		return s
	}
	return "—"
}
