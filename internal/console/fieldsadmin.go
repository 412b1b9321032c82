package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/service"
)

// The fields page is for holders of manage_fields: each object's catalogue
// (built-in and custom fields with type, sensitivity and mask), a form to
// add a custom field, a switch for sensitivity, a page to change one
// field's labels and mask (and a custom one's options and requiredness),
// and deleting a custom field after a confirmation. Every change goes
// through service.SaveField or DeleteField, which record it in the audit
// trail and apply it from every user's next request.

// fieldsPage is what the fields template shows.
type fieldsPage struct {
	Object  access.Object
	Objects []access.Object
	Rows    []fieldAdminRow
	Add     form
	Done    string
	Error   string
}

// fieldAdminRow is one field of the list.
type fieldAdminRow struct {
	fields.Field
	Label, Type, Mask string
	URL               string // the field's own page
}

// fieldsDone are the notices a redirect back to the list may ask for.
var fieldsDone = []string{"created", "saved", "deleted"}

func (c *Console) fieldList(w http.ResponseWriter, r *http.Request, v *view) error {
	o := access.Object(r.URL.Query().Get("object"))
	if o == "" {
		o = access.Customer
	}
	p, err := c.fieldsPage(r, v, o)
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("done"); slices.Contains(fieldsDone, d) {
		p.Done = v.T("done.field." + d)
	}
	p.Add = addFieldForm(v, o, url.Values{}, nil)
	c.render(w, v, http.StatusOK, "fields", p)
	return nil
}

// fieldsPage reads the catalogue of one object for the list.
func (c *Console) fieldsPage(r *http.Request, v *view, o access.Object) (*fieldsPage, error) {
	if err := need(v, access.ManageFields); err != nil {
		return nil, err
	}
	if !slices.Contains(access.Objects, o) {
		return nil, errs.NotVisible("object")
	}
	list, err := c.svc.Fields(r.Context(), v.act, o)
	if err != nil {
		return nil, err
	}
	p := &fieldsPage{Object: o, Objects: access.Objects}
	for _, f := range list {
		p.Rows = append(p.Rows, fieldAdminRow{Field: f.Field, Label: v.fieldLabel(f.Field),
			Type: v.T("fieldtype." + string(f.Type)), Mask: v.T("mask." + string(f.Mask)), URL: fieldURL(f.Field)})
	}
	v.Title = v.T("fields.title")
	return p, nil
}

func fieldURL(f fields.Field) string {
	return "/admin/fields/" + string(f.Object) + "/" + url.PathEscape(f.Key)
}

// addFieldForm is the form for a new custom field of object o.
func addFieldForm(v *view, o access.Object, vals url.Values, fe *fieldErr) form {
	types := make([]option, 0, len(fields.Types))
	for _, t := range fields.Types {
		types = append(types, option{Value: string(t), Label: v.T("fieldtype." + string(t))})
	}
	f := form{Action: "/admin/fields", Submit: v.T("fields.create"), Prefix: "add-",
		Hidden: []hidden{{Name: "object", Value: string(o)}}, Fields: []field{
			{Name: "key", Label: v.T("fields.key"), Kind: "text", Value: vals.Get("key"), Required: true, Max: 40,
				Autocomplete: "off", Hint: v.T("fields.key.hint")},
			{Name: "type", Label: v.T("fields.type"), Kind: "select", Value: vals.Get("type"), Required: true, Options: types},
		}}
	f.Fields = append(f.Fields, definitionFields(v, vals, true, true)...)
	f.place(fe)
	return f
}

// definitionFields are the inputs a field's definition shares between the
// add and edit forms: labels, then (for custom fields) options and
// requiredness, then sensitivity and mask.
func definitionFields(v *view, vals url.Values, custom, options bool) []field {
	out := []field{
		{Name: "label_zh", Label: v.T("fields.label_zh"), Kind: "text", Value: vals.Get("label_zh"), Required: true, Max: 100, Autocomplete: "off"},
		{Name: "label_en", Label: v.T("fields.label_en"), Kind: "text", Value: vals.Get("label_en"), Required: true, Max: 100, Autocomplete: "off"},
	}
	if custom && options {
		out = append(out, field{Name: "options", Label: v.T("fields.options"), Kind: "textarea", Value: vals.Get("options"),
			Hint: v.T("fields.options.hint")})
	}
	if custom {
		out = append(out, field{Name: "required", Label: v.T("fields.required"), Kind: "checkbox", Value: vals.Get("required")})
	}
	masks := []option{{Value: "", Label: v.T("mask.default")}}
	for _, m := range fields.Masks {
		masks = append(masks, option{Value: string(m), Label: v.T("mask." + string(m))})
	}
	return append(out,
		field{Name: "sensitive", Label: v.T("fields.sensitive.label"), Kind: "checkbox", Value: vals.Get("sensitive")},
		field{Name: "mask", Label: v.T("fields.mask"), Kind: "select", Value: vals.Get("mask"), Options: masks, Hint: v.T("fields.mask.hint")})
}

// fieldInput reads the definition inputs the form offered (labels,
// sensitivity and mask always; options and requiredness when asked).
func fieldInput(f url.Values, custom, options bool) service.FieldInput {
	str := func(name string) *string { s := strings.TrimSpace(f.Get(name)); return &s }
	flag := func(name string) *bool { b := f.Get(name) == "1"; return &b }
	in := service.FieldInput{LabelZh: str("label_zh"), LabelEn: str("label_en"), Sensitive: flag("sensitive")}
	if m := fields.Mask(f.Get("mask")); m != "" {
		in.Mask = &m
	}
	if custom {
		in.Required = flag("required")
	}
	if custom && options {
		list := nonEmpty(strings.Split(strings.ReplaceAll(f.Get("options"), "\r\n", "\n"), "\n"))
		in.Options = &list
	}
	return in
}

func (c *Console) createField(w http.ResponseWriter, r *http.Request, v *view) error {
	o := access.Object(r.PostForm.Get("object"))
	key, typ := strings.TrimSpace(r.PostForm.Get("key")), fields.Type(r.PostForm.Get("type"))
	in := fieldInput(r.PostForm, true, true)
	if len(*in.Options) == 0 && typ != fields.Select && typ != fields.MultiSelect {
		in.Options = nil // the form always has the box; only options typed into it go
	}
	in.Object, in.Key = &o, &key
	if typ != "" {
		in.Type = &typ
	}
	_, err := c.svc.SaveField(r.Context(), v.act, o, "", in)
	if err == nil {
		http.Redirect(w, r, "/admin/fields?"+url.Values{"object": {string(o)}, "done": {"created"}}.Encode(), http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, err := c.fieldsPage(r, v, o)
	if err != nil {
		return err
	}
	p.Add = addFieldForm(v, o, r.PostForm, fe)
	c.render(w, v, status, "fields", p)
	return nil
}
