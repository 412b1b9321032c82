package console

import (
	"net/http"
	"net/url"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/service"
)

// fieldPage is what the field and fielddelete templates show: one field,
// with its form or the confirmation of its deletion.
type fieldPage struct {
	Field fields.Field
	Label string
	URL   string
	Form  form
}

// pathField is the field the path names, for holders of manage_fields.
func (c *Console) pathField(r *http.Request, v *view) (fields.Field, error) {
	if err := need(v, access.ManageFields); err != nil {
		return fields.Field{}, err
	}
	f, ok := v.catalogue().Get(access.Object(r.PathValue("object")), r.PathValue("key"))
	if !ok {
		return f, errs.NotVisible("field")
	}
	return f, nil
}

func hasOptions(f fields.Field) bool { return f.Type == fields.Select || f.Type == fields.MultiSelect }

// definitionValues are a field's settings as its form posts them.
func definitionValues(f fields.Field) url.Values {
	out := url.Values{"label_zh": {f.LabelZh}, "label_en": {f.LabelEn}, "mask": {string(f.Mask)},
		"options": {strings.Join(f.Options, "\n")}}
	if f.Required {
		out.Set("required", "1")
	}
	if f.Sensitive {
		out.Set("sensitive", "1")
	}
	return out
}

func (c *Console) fieldEditPage(v *view, f fields.Field, vals url.Values, fe *fieldErr) fieldPage {
	p := fieldPage{Field: f, Label: v.fieldLabel(f), URL: fieldURL(f)}
	p.Form = form{Action: p.URL, Submit: v.T("fields.save"), Fields: definitionFields(v, vals, !f.Builtin, hasOptions(f))}
	p.Form.place(fe)
	v.Title = v.Tf("fields.edit.title", p.Label)
	return p
}

func (c *Console) fieldDetail(w http.ResponseWriter, r *http.Request, v *view) error {
	f, err := c.pathField(r, v)
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "field", c.fieldEditPage(v, f, definitionValues(f), nil))
	return nil
}

func (c *Console) saveField(w http.ResponseWriter, r *http.Request, v *view) error {
	f, err := c.pathField(r, v)
	if err != nil {
		return err
	}
	in := fieldInput(r.PostForm, !f.Builtin, !f.Builtin && hasOptions(f))
	if err := c.save(w, r, v, f, in); err != nil {
		status, fe, ok := c.formError(r, v, err)
		if !ok {
			return err
		}
		c.render(w, v, status, "field", c.fieldEditPage(v, f, r.PostForm, fe))
	}
	return nil
}

// save saves a field and goes back to its object's list.
func (c *Console) save(w http.ResponseWriter, r *http.Request, v *view, f fields.Field, in service.FieldInput) error {
	if _, err := c.svc.SaveField(r.Context(), v.act, f.Object, f.Key, in); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/fields?"+url.Values{"object": {string(f.Object)}, "done": {"saved"}}.Encode(), http.StatusSeeOther)
	return nil
}

// toggleSensitive marks a field sensitive or not, from the list.
func (c *Console) toggleSensitive(w http.ResponseWriter, r *http.Request, v *view) error {
	f, err := c.pathField(r, v)
	if err != nil {
		return err
	}
	on := r.PostForm.Get("sensitive") == "1"
	err = c.save(w, r, v, f, service.FieldInput{Sensitive: &on})
	return c.listAfter(w, r, v, f.Object, err)
}

// listAfter shows the list with a refused change above it.
func (c *Console) listAfter(w http.ResponseWriter, r *http.Request, v *view, o access.Object, err error) error {
	if err == nil {
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
	p.Error, p.Add = fe.Message, addFieldForm(v, o, url.Values{}, nil)
	c.render(w, v, status, "fields", p)
	return nil
}

// confirmDeleteField asks before a custom field goes with all its values.
func (c *Console) confirmDeleteField(w http.ResponseWriter, r *http.Request, v *view) error {
	f, err := c.pathField(r, v)
	if err != nil {
		return err
	}
	if f.Builtin {
		return errs.E(errs.Conflict, "field_builtin", "built-in fields cannot be deleted; hide them with field rules")
	}
	p := fieldPage{Field: f, Label: v.fieldLabel(f), URL: fieldURL(f)}
	v.Title = v.Tf("fields.delete.title", p.Label)
	c.render(w, v, http.StatusOK, "fielddelete", p)
	return nil
}

func (c *Console) deleteField(w http.ResponseWriter, r *http.Request, v *view) error {
	f, err := c.pathField(r, v)
	if err != nil {
		return err
	}
	if err := c.svc.DeleteField(r.Context(), v.act, f.Object, f.Key); err != nil {
		return c.listAfter(w, r, v, f.Object, err)
	}
	http.Redirect(w, r, "/admin/fields?"+url.Values{"object": {string(f.Object)}, "done": {"deleted"}}.Encode(), http.StatusSeeOther)
	return nil
}
