package service

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fields"
)

// Field permissions are applied here, to the records the service hands out,
// so that every channel (API, console, export, explanations) gets values
// already hidden or masked: no edge can forget to.

// slot is one built-in field of a record: its text, or for a value with no
// text form (a deal's amount) how to clear it.
type slot struct {
	key   string
	text  *string
	clear func()
}

func customerSlots(c *crm.Customer) []slot {
	return []slot{{"name", &c.Name, nil}, {"industry", &c.Industry, nil}, {"level", &c.Level, nil}, {"region", &c.Region, nil},
		{"source", &c.Source, nil}, {"phone", &c.Phone, nil}, {"email", &c.Email, nil}, {"address", &c.Address, nil}, {"notes", &c.Notes, nil}}
}

func contactSlots(c *crm.Contact) []slot {
	return []slot{{"name", &c.Name, nil}, {"title", &c.Title, nil}, {"phone", &c.Phone, nil}, {"email", &c.Email, nil}, {"notes", &c.Notes, nil}}
}

func dealSlots(d *crm.Deal) []slot {
	return []slot{{"name", &d.Name, nil}, {"amount", nil, func() { d.Amount = 0 }}, {"currency", &d.Currency, nil},
		{"stage", &d.Stage, nil}, {"expected_close", &d.ExpectedClose, nil}}
}

func activitySlots(a *crm.Activity) []slot {
	return []slot{{"type", &a.Type, nil}, {"note", &a.Note, nil}}
}

// catalogue is the actor's field catalogue; actors built by hand in tests
// have only the built-ins.
func (a *Actor) catalogue() *fields.Catalogue {
	if a.Fields == nil {
		a.Fields = fields.NewCatalogue(nil)
	}
	return a.Fields
}

// fieldAccess is the actor's access to a field of a record. Someone who sees
// a customer only because it sits in their pool sees its sensitive fields
// masked, without reveal, until they claim it.
func (a *Actor) fieldAccess(o access.Object, key string, poolOnly bool) access.FieldDecision {
	d := a.Subject.Field(o, key)
	if poolOnly && d.Sensitive && d.Access != access.FieldHidden {
		d.Access, d.Reveal = access.FieldMasked, false
	}
	return d
}

// redact hides and masks one record's fields as the actor's field access
// says, and notes which on the record's view.
func (a *Actor) redact(o access.Object, slots []slot, custom *crm.Custom, view *crm.View, poolOnly bool) {
	cat := a.catalogue()
	for _, s := range slots {
		switch a.fieldAccess(o, s.key, poolOnly).Access {
		case access.FieldHidden:
			s.blank()
			view.Hidden = append(view.Hidden, s.key)
		case access.FieldMasked:
			f, _ := cat.Get(o, s.key)
			if s.text != nil {
				*s.text = f.MaskText(*s.text)
			} else {
				s.clear()
				view.Hidden = append(view.Hidden, s.key) // no mask form: left out, listed as masked
			}
			view.Masked = append(view.Masked, s.key)
		}
	}
	if *custom == nil {
		*custom = crm.Custom{}
	}
	for key, v := range *custom {
		f, known := cat.Get(o, key)
		switch d := a.fieldAccess(o, key, poolOnly); {
		case !known || d.Access == access.FieldHidden || v == nil:
			delete(*custom, key)
		case d.Access == access.FieldMasked:
			(*custom)[key] = f.MaskValue(v)
			view.Masked = append(view.Masked, "custom."+key)
		}
	}
	sort.Strings(view.Masked)
}

func (s slot) blank() {
	if s.text != nil {
		*s.text = ""
	} else {
		s.clear()
	}
}

func (a *Actor) redactCustomer(c *crm.Customer, poolOnly bool) {
	a.redact(access.Customer, customerSlots(c), &c.Custom, &c.View, poolOnly)
}

func (a *Actor) redactContact(c *crm.Contact, poolOnly bool) {
	a.redact(access.Contact, contactSlots(c), &c.Custom, &c.View, poolOnly)
}

func (a *Actor) redactDeal(d *crm.Deal, poolOnly bool) {
	a.redact(access.Deal, dealSlots(d), &d.Custom, &d.View, poolOnly)
}

func (a *Actor) redactActivity(x *crm.Activity, poolOnly bool) {
	a.redact(access.Activity, activitySlots(x), &x.Custom, &x.View, poolOnly)
}

// given lists the fields an input sets: its non-nil pointer fields by JSON
// name, and "custom.<key>" for each custom value.
func given(in any) []string {
	var out []string
	v := reflect.ValueOf(in)
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		switch f := v.Field(i); {
		case name == "custom":
			for _, k := range slices.Sorted(maps.Keys(f.Interface().(crm.Custom))) {
				out = append(out, "custom."+k)
			}
		case f.Kind() == reflect.Pointer && !f.IsNil():
			out = append(out, name)
		}
	}
	return out
}

// checkWritable refuses, as a whole, an input that sets a field the actor
// may not edit. A field the caller sends is refused even when its value
// would not change: comparing with the stored value would let anyone probe
// a masked value by guessing.
func (a *Actor) checkWritable(o access.Object, in any) error {
	for _, name := range given(in) {
		key, custom := strings.CutPrefix(name, "custom.")
		if custom {
			if f, ok := a.catalogue().Get(o, key); !ok || f.Builtin {
				return errs.Field(name, "unknown_field", "%s is not a custom field of %s", name, o)
			}
		} else if _, ok := a.catalogue().Get(o, key); !ok {
			continue // a system field such as an activity's time: the record permissions decide
		}
		if d := a.Subject.Field(o, key); d.Access != access.FieldEdit {
			return errs.E(errs.Forbidden, "field_not_editable", "you may not edit %s of a %s (your access: %s)", name, o, d.Access).WithField(name)
		}
	}
	return nil
}

// applyCustom validates the custom values of an input onto a record's,
// and on creation requires the required custom fields the actor may edit.
func (a *Actor) applyCustom(o access.Object, in crm.Custom, dst *crm.Custom, creating bool) ([]string, error) {
	if *dst == nil {
		*dst = crm.Custom{}
	}
	var changed []string
	for _, key := range slices.Sorted(maps.Keys(in)) {
		f, _ := a.catalogue().Get(o, key)
		v, err := f.Check(in[key])
		if err != nil {
			return nil, err
		}
		if !reflect.DeepEqual((*dst)[key], v) {
			changed = append(changed, "custom."+key)
		}
		if v == nil {
			delete(*dst, key)
		} else {
			(*dst)[key] = v
		}
	}
	if creating {
		for _, f := range a.catalogue().Custom(o) {
			if f.Required && (*dst)[f.Key] == nil && a.Subject.Field(o, f.Key).Access == access.FieldEdit {
				return nil, errs.Field("custom."+f.Key, "field_required", "custom.%s is required", f.Key)
			}
		}
	}
	return changed, nil
}

// applyInput checks that the actor may edit every field an input sets,
// then applies its built-in fields (apply) and custom values, returning
// the names of the fields that changed.
func applyInput(a *Actor, o access.Object, in any, custom crm.Custom, dst *crm.Custom, creating bool, apply func() ([]string, error)) ([]string, error) {
	if err := a.checkWritable(o, in); err != nil {
		return nil, err
	}
	changed, err := apply()
	if err != nil {
		return nil, err
	}
	more, err := a.applyCustom(o, custom, dst, creating)
	return append(changed, more...), err
}
