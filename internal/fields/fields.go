// Package fields is the field catalogue of each object: the built-in fields
// and the custom fields administrators define, with their labels, types,
// options, sensitivity and mask. Role field rules (package access) decide
// who sees which; this package says what the fields are, validates custom
// values by type and produces masks.
package fields

import (
	"slices"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
)

// Type is the kind of value a field holds.
type Type string

// The field types.
const (
	Text        Type = "text"
	Number      Type = "number"
	Date        Type = "date"
	Select      Type = "select"
	MultiSelect Type = "multiselect"
	Bool        Type = "bool"
	Phone       Type = "phone"
	Email       Type = "email"
)

// Types lists every field type.
var Types = []Type{Text, Number, Date, Select, MultiSelect, Bool, Phone, Email}

// Mask is how a masked value is shown.
type Mask string

// The masks. Phone, e-mail, address and ID number keep what a person needs
// to recognise the value; full hides all of it.
const (
	MaskPhone    Mask = "phone"     // 138****5678
	MaskEmail    Mask = "email"     // z***@example.com
	MaskAddress  Mask = "address"   // up to the district
	MaskIDNumber Mask = "id_number" // first 3 and last 4
	MaskFull     Mask = "full"      // ****
)

// Masks lists every mask.
var Masks = []Mask{MaskPhone, MaskEmail, MaskAddress, MaskIDNumber, MaskFull}

// Field is one field of an object.
type Field struct {
	Object    access.Object `json:"object"`
	Key       string        `json:"key"`
	LabelZh   string        `json:"label_zh"`
	LabelEn   string        `json:"label_en"`
	Type      Type          `json:"type"`
	Options   []string      `json:"options"`
	Required  bool          `json:"required"`
	Sensitive bool          `json:"sensitive"`
	Mask      Mask          `json:"mask"`
	Builtin   bool          `json:"builtin"`
	CreatedAt *time.Time    `json:"created_at,omitempty"`
	UpdatedAt *time.Time    `json:"updated_at,omitempty"`
}

// Catalogue is a tenant's fields of every object, built-ins first.
type Catalogue struct {
	fields []Field
}

// NewCatalogue builds a tenant's catalogue from the built-ins, the tenant's
// changes to them (labels, sensitivity, mask) and its custom fields.
func NewCatalogue(stored []Field) *Catalogue {
	c := &Catalogue{}
	byKey := map[string]Field{}
	for _, f := range stored {
		byKey[string(f.Object)+"."+f.Key] = f
	}
	for _, b := range Builtins() {
		if o, ok := byKey[string(b.Object)+"."+b.Key]; ok && o.Builtin {
			b.LabelZh, b.LabelEn, b.Sensitive, b.Mask, b.UpdatedAt = o.LabelZh, o.LabelEn, o.Sensitive, o.Mask, o.UpdatedAt
		}
		c.fields = append(c.fields, b)
	}
	for _, f := range stored {
		if !f.Builtin {
			c.fields = append(c.fields, f)
		}
	}
	return c
}

// Of returns the fields of an object, built-ins first.
func (c *Catalogue) Of(o access.Object) []Field {
	var out []Field
	for _, f := range c.fields {
		if f.Object == o {
			out = append(out, f)
		}
	}
	return out
}

// Get returns one field.
func (c *Catalogue) Get(o access.Object, key string) (Field, bool) {
	i := slices.IndexFunc(c.fields, func(f Field) bool { return f.Object == o && f.Key == key })
	if i < 0 {
		return Field{}, false
	}
	return c.fields[i], true
}

// Custom returns the custom fields of an object.
func (c *Catalogue) Custom(o access.Object) []Field {
	var out []Field
	for _, f := range c.Of(o) {
		if !f.Builtin {
			out = append(out, f)
		}
	}
	return out
}

// Refs is the catalogue as the access engine needs it.
func (c *Catalogue) Refs() []access.FieldRef {
	out := make([]access.FieldRef, len(c.fields))
	for i, f := range c.fields {
		out[i] = access.FieldRef{Object: f.Object, Key: f.Key, Sensitive: f.Sensitive}
	}
	return out
}

// ValidateDefinition checks a custom field as an administrator defines it.
func (f *Field) ValidateDefinition() error {
	if !slices.Contains(access.Objects, f.Object) {
		return errs.Field("object", "invalid_value", "object must be customer, contact, deal or activity")
	}
	if !validKey(f.Key) {
		return errs.Field("key", "invalid_key", "key must be 2-40 lower-case letters, digits or underscores, starting with a letter")
	}
	if isBuiltin(f.Object, f.Key) || f.Key == "custom" || f.Key == "id" {
		return errs.Field("key", "key_taken", "%s is a built-in field of %s", f.Key, f.Object)
	}
	if err := f.validateLabels(); err != nil {
		return err
	}
	if !slices.Contains(Types, f.Type) {
		return errs.Field("type", "invalid_value", "type must be one of text, number, date, select, multiselect, bool, phone, email")
	}
	if f.Type == Select || f.Type == MultiSelect {
		if len(f.Options) == 0 || len(f.Options) > 200 {
			return errs.Field("options", "invalid_value", "a select field needs 1 to 200 options")
		}
		for _, o := range f.Options {
			if _, err := fieldcheck.Name("options", o, 100); err != nil {
				return err
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(f.Options)))) != len(f.Options) {
			return errs.Field("options", "duplicate", "options must differ from each other")
		}
	} else if len(f.Options) > 0 {
		return errs.Field("options", "invalid_value", "only select and multiselect fields have options")
	}
	if f.Options == nil {
		f.Options = []string{}
	}
	return f.validateMask()
}

func (f *Field) validateLabels() error {
	var err error
	if f.LabelZh, err = fieldcheck.Name("label_zh", f.LabelZh, 100); err != nil {
		return err
	}
	f.LabelEn, err = fieldcheck.Name("label_en", f.LabelEn, 100)
	return err
}

// validateMask fills in the type's mask when none is given and refuses a
// mask that would show a value of this type in a misleading way.
func (f *Field) validateMask() error {
	if f.Mask == "" {
		f.Mask = defaultMask(f.Type)
		return nil
	}
	if !slices.Contains(Masks, f.Mask) {
		return errs.Field("mask", "invalid_value", "mask must be phone, email, address, id_number or full")
	}
	if f.Mask != MaskFull && f.Mask != defaultMask(f.Type) && f.Type != Text {
		return errs.Field("mask", "invalid_value", "a %s field is masked as %s or full", f.Type, defaultMask(f.Type))
	}
	return nil
}

func defaultMask(t Type) Mask {
	switch t {
	case Phone:
		return MaskPhone
	case Email:
		return MaskEmail
	}
	return MaskFull
}

func validKey(k string) bool {
	if len(k) < 2 || len(k) > 40 || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ValidateBuiltinChange checks an administrator's change to a built-in
// field: its labels and mask (sensitivity is a plain flag).
func (f *Field) ValidateBuiltinChange() error {
	if err := f.validateLabels(); err != nil {
		return err
	}
	return f.validateMask()
}
