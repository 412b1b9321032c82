package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/fields"
)

// The customer form offers an input only for the fields the user may edit,
// shows the readable and masked ones as text, and leaves hidden ones out.
// It reads back only the inputs it offered, and of those only the values
// that differ from what was shown, so a save never carries a field the
// service would refuse (field_not_editable) nor writes a value back
// unchanged.

// builtinInput is how the form draws a built-in customer field.
type builtinInput struct {
	kind, auto string
	max        int
	choices    []string
}

var customerInputs = map[string]builtinInput{
	"name": {"text", "organization", 200, nil}, "industry": {"text", "off", 100, nil},
	"level": {"select", "", 0, crm.Levels}, "region": {"text", "off", 100, nil},
	"source": {"select", "", 0, crm.Sources}, "phone": {"tel", "tel", 40, nil},
	"email": {"email", "email", 254, nil}, "address": {"text", "street-address", 300, nil},
	"notes": {"textarea", "off", 5000, nil},
}

// customerValues are a customer's values as the form would post them:
// built-ins by key, custom values as "custom.<key>", a list one value per
// option, a flag as "1" when set.
func customerValues(cu crm.Customer) url.Values {
	out := url.Values{"name": {cu.Name}, "industry": {cu.Industry}, "level": {cu.Level}, "region": {cu.Region},
		"source": {cu.Source}, "phone": {cu.Phone}, "email": {cu.Email}, "address": {cu.Address}, "notes": {cu.Notes}}
	for key, val := range cu.Custom {
		out["custom."+key] = formValues(val)
	}
	return out
}

// customerInput builds the input from the posted form: only editable
// fields, and of those only the ones that changed (or, on creation, the
// name, for the service to require).
func customerInput(plan []planned, shown, posted url.Values, creating bool) (crm.CustomerInput, int) {
	var in crm.CustomerInput
	n := 0
	for _, p := range plan {
		if p.Mode != editable {
			continue
		}
		name := fieldName(p.Field)
		if !p.Builtin {
			if !sameCustom(p.Field, shown[name], posted[name]) {
				if in.Custom == nil {
					in.Custom = crm.Custom{}
				}
				in.Custom[p.Key] = customValue(p.Field, posted[name])
				n++
			}
			continue
		}
		val, same := builtinValue(name, shown.Get(name), posted.Get(name))
		if same && !(creating && name == "name") {
			continue
		}
		if ptr := in.Text(name); ptr != nil {
			*ptr = &val
			n++
		}
	}
	return in, n
}

// builtinValue is the posted text of a built-in field and whether it is
// what was shown (spaces, e-mail case and line endings aside).
func builtinValue(name, shown, posted string) (string, bool) {
	switch name {
	case "notes":
		posted = strings.ReplaceAll(posted, "\r\n", "\n")
		return posted, posted == shown
	case "email":
		return posted, strings.EqualFold(strings.TrimSpace(posted), strings.TrimSpace(shown))
	}
	return posted, strings.TrimSpace(posted) == strings.TrimSpace(shown)
}

// customerForm draws the form: inputs for editable fields with the values
// in vals (what was posted, on a second try), the others as text from shown.
func (c *Console) customerForm(v *view, id int64, plan []planned, shown, vals url.Values, fe *fieldErr) form {
	f := form{Action: "/customers", Submit: v.T("customer.create")}
	if id != 0 {
		f.Action, f.Submit = "/customers/"+strconv.FormatInt(id, 10), v.T("customer.save")
	}
	for _, p := range plan {
		switch p.Mode {
		case editable:
			f.Fields = append(f.Fields, inputFor(v, p.Field, vals))
		case showOnly:
			f.Fields = append(f.Fields, readOnlyField(v, p, shown))
		}
	}
	f.place(fe)
	return f
}

// inputFor draws an editable field: a built-in as it always was, a custom
// one by its type.
func inputFor(v *view, f fields.Field, vals url.Values) field {
	name := fieldName(f)
	x := field{Name: name, Label: v.fieldLabel(f), Value: vals.Get(name), Required: f.Required}
	if spec, ok := customerInputs[f.Key]; ok && f.Builtin {
		x.Kind, x.Autocomplete, x.Max = spec.kind, spec.auto, spec.max
		if spec.choices != nil {
			x.Options = choices(v, spec.choices)
		}
		return x
	}
	x.Autocomplete = "off"
	switch f.Type {
	case fields.Number:
		x.Kind, x.Step = "number", "any"
	case fields.Date:
		x.Kind = "date"
	case fields.Phone:
		x.Kind, x.Max, x.Autocomplete = "tel", 40, ""
	case fields.Email:
		x.Kind, x.Max, x.Autocomplete = "email", 254, ""
	case fields.Select:
		// Options an administrator wrote are shown as written, not translated.
		x.Kind, x.Options = "select", append([]option{{Value: "", Label: "—"}}, asOptions(f.Options)...)
	case fields.MultiSelect:
		x.Kind, x.Values, x.Options = "checkboxes", vals[name], asOptions(f.Options)
	case fields.Bool:
		x.Kind, x.Required = "checkbox", false // a required flag may still be off
		if slices.Contains(vals[name], "1") {
			x.Value = "1"
		}
	default:
		x.Kind, x.Max = "text", 2000
	}
	return x
}

// readOnlyField shows a field the user may read (or sees masked) but not
// edit, as text: the form has no input for it, so it is never posted.
func readOnlyField(v *view, p planned, shown url.Values) field {
	name := fieldName(p.Field)
	x := field{Name: name, Label: v.fieldLabel(p.Field), Kind: "readonly", Hint: v.T("form.readonly"), Masked: p.Masked}
	if p.Masked {
		x.Hint = v.T("form.masked")
	}
	vals := shown[name]
	switch {
	case p.Type == fields.Bool:
		x.Value = v.Val(strconv.FormatBool(slices.Contains(vals, "1")))
	case p.Builtin && p.Type == fields.Select:
		x.Value = v.Val(first(vals))
	default:
		x.Value = strings.Join(nonEmpty(vals), "; ")
	}
	return x
}

// editPage is what the edit and new-customer templates show.
type editPage struct {
	ID   int64
	Form form
}

// customerPlan plans the customer form for the signed-in user.
func customerPlan(v *view, shownAs crm.View) []planned {
	return planFields(v.catalogue().Of(access.Customer), v.act.Subject, shownAs)
}

func (c *Console) newCustomer(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = v.T("customer.new.title")
	f := c.customerForm(v, 0, customerPlan(v, crm.View{}), url.Values{}, url.Values{}, nil)
	c.render(w, v, http.StatusOK, "edit", editPage{Form: f})
	return nil
}

func (c *Console) createCustomer(w http.ResponseWriter, r *http.Request, v *view) error {
	plan := customerPlan(v, crm.View{})
	in, _ := customerInput(plan, url.Values{}, r.PostForm, true)
	cu, err := c.svc.CreateCustomer(r.Context(), v.act, in)
	if err == nil {
		http.Redirect(w, r, "/customers/"+strconv.FormatInt(cu.ID, 10)+"?done=created", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	v.Title = v.T("customer.new.title")
	c.render(w, v, status, "edit", editPage{Form: c.customerForm(v, 0, plan, url.Values{}, r.PostForm, fe)})
	return nil
}

func (c *Console) editCustomer(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cu, err := c.svc.Customer(r.Context(), v.act, id)
	if err != nil {
		return err
	}
	v.Title = v.T("customer.edit.title")
	shown := customerValues(cu)
	f := c.customerForm(v, id, customerPlan(v, cu.View), shown, shown, nil)
	c.render(w, v, http.StatusOK, "edit", editPage{ID: id, Form: f})
	return nil
}

func (c *Console) updateCustomer(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cu, err := c.svc.Customer(r.Context(), v.act, id)
	if err != nil {
		return err
	}
	plan, shown := customerPlan(v, cu.View), customerValues(cu)
	in, n := customerInput(plan, shown, r.PostForm, false)
	back := "/customers/" + strconv.FormatInt(id, 10)
	if n == 0 {
		http.Redirect(w, r, back+"?done=unchanged", http.StatusSeeOther)
		return nil
	}
	if _, err = c.svc.UpdateCustomer(r.Context(), v.act, id, in); err == nil {
		http.Redirect(w, r, back+"?done=saved", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	v.Title = v.T("customer.edit.title")
	c.render(w, v, status, "edit", editPage{ID: id, Form: c.customerForm(v, id, plan, shown, r.PostForm, fe)})
	return nil
}
