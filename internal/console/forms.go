package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/store"
)

// form is an HTML form as the templates draw it: every input with its
// label and the error about it, if any.
type form struct {
	Action string
	Submit string
	Fields []field
	Error  string // about the whole form: a refusal, a conflict
	// Prefix keeps the ids of several forms on one page apart.
	Prefix string
	// Hidden are inputs the form carries unseen (besides the CSRF token).
	Hidden []hidden
}

// hidden is an input the form carries unseen.
type hidden struct{ Name, Value string }

// HasErrors reports whether anything in the form is in error.
func (f form) HasErrors() bool {
	if f.Error != "" {
		return true
	}
	for _, x := range f.Fields {
		if x.Error != "" {
			return true
		}
	}
	return false
}

type field struct {
	Name, Label, Kind, Value, Error, Autocomplete string
	Hint                                          string
	Required                                      bool
	Max                                           int
	Options                                       []option
	Groups                                        []optgroup // a select's options in groups
	Values                                        []string   // a checkbox list's checked values
}

type option struct{ Value, Label string }

// optgroup is a labelled group of a select's options.
type optgroup struct {
	Label   string
	Options []option
}

// Checked reports whether a checkbox list has the value checked.
func (f field) Checked(value string) bool { return slices.Contains(f.Values, value) }

// fieldErr is an error from the service, placed next to its field when it
// names one of the form's fields and above the form otherwise.
type fieldErr struct{ Field, Message string }

// formError turns a service error into a message for the form. Errors that
// are not about the input (not found, internal) are left to the error page.
func (c *Console) formError(r *http.Request, v *view, err error) (int, *fieldErr, bool) {
	e := errs.As(err)
	switch e.Kind {
	case errs.Invalid, errs.Conflict:
		return statusOf[e.Kind], &fieldErr{Field: e.Field, Message: v.lang.errText(e)}, true
	case errs.Forbidden:
		c.svc.RecordDenied(r.Context(), v.act, "console "+r.Method+" "+r.URL.Path, err)
		return http.StatusForbidden, &fieldErr{Message: v.lang.errText(e)}, true
	}
	return 0, nil, false
}

// place puts the error next to its field, or on the form. An error about
// part of a field (principal.type, departments[2]) goes next to the field.
func (f *form) place(fe *fieldErr) {
	if fe == nil {
		return
	}
	for i := range f.Fields {
		n := f.Fields[i].Name
		if n == fe.Field || strings.HasPrefix(fe.Field, n+".") || strings.HasPrefix(fe.Field, n+"[") {
			f.Fields[i].Error = fe.Message
			return
		}
	}
	f.Error = fe.Message
}

func choices(v *view, values []string) []option {
	out := []option{{Value: "", Label: "—"}}
	for _, s := range values {
		out = append(out, option{Value: s, Label: v.Val(s)})
	}
	return out
}

// customerFields are the customer form's inputs, in order.
func customerFields(v *view, vals map[string]string) []field {
	f := func(name, kind string, max int, auto string) field {
		return field{Name: name, Label: v.T("field." + name), Kind: kind, Value: vals[name], Max: max, Autocomplete: auto}
	}
	name := f("name", "text", 200, "organization")
	name.Required = true
	level, source := f("level", "select", 0, ""), f("source", "select", 0, "")
	level.Options, source.Options = choices(v, crm.Levels), choices(v, crm.Sources)
	return []field{name, f("industry", "text", 100, "off"), level, f("region", "text", 100, "off"), source,
		f("phone", "tel", 40, "tel"), f("email", "email", 254, "email"), f("address", "text", 300, "street-address"),
		f("notes", "textarea", 5000, "off")}
}

// customerFieldNames are the fields the customer form posts.
var customerFieldNames = []string{"name", "industry", "level", "region", "source", "phone", "email", "address", "notes"}

func customerValues(cu crm.Customer) map[string]string {
	return map[string]string{"name": cu.Name, "industry": cu.Industry, "level": cu.Level, "region": cu.Region,
		"source": cu.Source, "phone": cu.Phone, "email": cu.Email, "address": cu.Address, "notes": cu.Notes}
}

func postedValues(f url.Values) map[string]string {
	out := map[string]string{}
	for _, n := range customerFieldNames {
		out[n] = f.Get(n)
	}
	return out
}

// customerInput builds the input from the posted form. Only fields that
// differ from what the user was shown are sent: a masked value left as it
// was must not be written back over the real one.
func customerInput(shown, posted map[string]string, creating bool) (crm.CustomerInput, int) {
	var in crm.CustomerInput
	ptrs := map[string]**string{"name": &in.Name, "industry": &in.Industry, "level": &in.Level, "region": &in.Region,
		"source": &in.Source, "phone": &in.Phone, "email": &in.Email, "address": &in.Address, "notes": &in.Notes}
	n := 0
	for _, name := range customerFieldNames {
		p, s := posted[name], shown[name]
		same := strings.TrimSpace(p) == strings.TrimSpace(s)
		if name == "email" {
			same = strings.EqualFold(strings.TrimSpace(p), strings.TrimSpace(s))
		}
		if name == "notes" {
			same = strings.ReplaceAll(p, "\r\n", "\n") == s
		}
		if same && !(creating && name == "name") {
			continue
		}
		val := p
		if name == "notes" {
			val = strings.ReplaceAll(p, "\r\n", "\n")
		}
		*ptrs[name] = &val
		n++
	}
	return in, n
}

func (c *Console) customerForm(v *view, id int64, vals map[string]string, fe *fieldErr) form {
	f := form{Action: "/customers", Submit: v.T("customer.create"), Fields: customerFields(v, vals)}
	if id != 0 {
		f.Action, f.Submit = "/customers/"+strconv.FormatInt(id, 10), v.T("customer.save")
	}
	f.place(fe)
	return f
}

// editPage is what the edit and new-customer templates show.
type editPage struct {
	ID   int64
	Form form
}

func (c *Console) newCustomer(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = v.T("customer.new.title")
	c.render(w, v, http.StatusOK, "edit", editPage{Form: c.customerForm(v, 0, map[string]string{}, nil)})
	return nil
}

func (c *Console) createCustomer(w http.ResponseWriter, r *http.Request, v *view) error {
	posted := postedValues(r.PostForm)
	in, _ := customerInput(map[string]string{}, posted, true)
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
	c.render(w, v, status, "edit", editPage{Form: c.customerForm(v, 0, posted, fe)})
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
	c.render(w, v, http.StatusOK, "edit", editPage{ID: id, Form: c.customerForm(v, id, customerValues(cu), nil)})
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
	posted := postedValues(r.PostForm)
	in, n := customerInput(customerValues(cu), posted, false)
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
	c.render(w, v, status, "edit", editPage{ID: id, Form: c.customerForm(v, id, posted, fe)})
	return nil
}

// activityForm is the follow-up form on the customer page.
func (c *Console) activityForm(v *view, vals map[string]string, fe *fieldErr) form {
	typ := field{Name: "type", Label: v.T("field.type"), Kind: "select", Value: vals["type"], Required: true}
	for _, t := range crm.ActivityTypes {
		typ.Options = append(typ.Options, option{Value: t, Label: v.Val(t)})
	}
	note := field{Name: "note", Label: v.T("field.note"), Kind: "textarea", Value: vals["note"], Max: 5000}
	f := form{Submit: v.T("customer.followup.add"), Fields: []field{typ, note}}
	f.place(fe)
	return f
}

func childPage() store.ChildPage { return store.ChildPage{Limit: childLimit} }
