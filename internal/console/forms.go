package console

import (
	"net/http"
	"slices"
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
	Step                                          string // a number input's step ("any" for decimals)
	Options                                       []option
	Groups                                        []optgroup // a select's options in groups
	Values                                        []string   // a checkbox list's checked values
	Masked                                        bool       // a "readonly" field shown masked
}

// Slug is the field's name as it goes into element ids: "custom.tax_id"
// becomes "custom-tax_id", which a CSS selector can name without escapes.
func (f field) Slug() string { return strings.ReplaceAll(f.Name, ".", "-") }

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

// afterForm answers a posted form: without err, a redirect to next; with
// an error about the input, the page again as reload fills it, the error
// placed; any other error is left to the error page.
func (c *Console) afterForm(w http.ResponseWriter, r *http.Request, v *view, err error, next, page string,
	reload func(fe *fieldErr) (any, error)) error {
	if err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, err := reload(fe)
	if err != nil {
		return err
	}
	c.render(w, v, status, page, p)
	return nil
}
