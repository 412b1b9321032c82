package console

import (
	"net/http"
	"net/url"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
)

// The roles page (/matrix/roles) fills what the matrix page lacks: a new
// role, started empty or as a copy of a preset or any other role (its
// cells, functions and field rules), renaming one, and deleting a custom
// role nobody holds. The cells are then edited in the matrix editor, which
// each role links to. Everything goes through service.SaveRole and
// DeleteRole, the calls the API makes, which need manage_roles and a recent
// sign-in (the step-up form asks for it and redoes the change).

func (c *Console) roleRoutes(mux *http.ServeMux) {
	mux.Handle("GET /matrix/roles", c.private(c.roleList))
	mux.Handle("POST /matrix/roles", c.private(c.createRole))
	mux.Handle("GET /matrix/roles/{key}", c.private(c.rolePage))
	mux.Handle("POST /matrix/roles/{key}", c.private(c.saveRoleName))
	mux.Handle("POST /matrix/roles/{key}/delete", c.private(c.deleteRole))
}

// roleDone are the notices a redirect to the roles pages may ask for.
var roleDone = []string{"created", "saved", "deleted"}

// roleListView is what the roles template shows.
type roleListView struct {
	Roles []access.Role
	Form  form
	Done  string
}

func (c *Console) roleList(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.roleListPage(r, v, nil, nil)
	if err != nil {
		return err
	}
	p.Done = validDone(v, "done.roles.", r.URL.Query().Get("done"), roleDone)
	c.render(w, v, http.StatusOK, "roles", p)
	return nil
}

func (c *Console) roleListPage(r *http.Request, v *view, vals map[string]string, fe *fieldErr) (*roleListView, error) {
	if err := need(v, access.ManageRoles); err != nil {
		return nil, err
	}
	roles, err := c.svc.Roles(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	from := field{Name: "copy", Label: v.T("roles.copy"), Kind: "select", Value: vals["copy"], Hint: v.T("roles.copy.hint"),
		Options: []option{{Value: "", Label: v.T("roles.copy.none")}}}
	var presets, custom []option
	for _, x := range roles {
		if x.Preset {
			presets = append(presets, option{Value: x.Key, Label: x.Name})
		} else {
			custom = append(custom, option{Value: x.Key, Label: x.Name})
		}
	}
	for _, g := range []optgroup{{Label: v.T("roles.presets"), Options: presets}, {Label: v.T("roles.custom"), Options: custom}} {
		if len(g.Options) > 0 {
			from.Groups = append(from.Groups, g)
		}
	}
	p := &roleListView{Roles: roles, Form: form{Action: "/matrix/roles", Submit: v.T("roles.create"), Prefix: "role-", Fields: []field{
		{Name: "key", Label: v.T("roles.key"), Kind: "text", Value: vals["key"], Required: true, Max: 40, Autocomplete: "off", Hint: v.T("roles.key.hint")},
		{Name: "name", Label: v.T("field.name"), Kind: "text", Value: vals["name"], Required: true, Max: 100, Autocomplete: "off"},
		{Name: "description", Label: v.T("group.description"), Kind: "text", Value: vals["description"], Max: 500, Autocomplete: "off"},
		from}}}
	p.Form.place(fe)
	v.Title = v.T("roles.title")
	return p, nil
}

func (c *Console) createRole(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageRoles); err != nil {
		return err
	}
	vals := postedMap(r, "key", "name", "description", "copy")
	in := service.RoleInput{Key: ptr(vals["key"]), Name: ptr(vals["name"]), Description: ptr(vals["description"])}
	var err error
	if vals["copy"] != "" {
		var from access.Role
		if from, err = c.svc.Role(r.Context(), v.act, vals["copy"]); errs.KindOf(err) == errs.NotFound {
			err = errs.Field("copy", "invalid_reference", "there is no role %q to copy", vals["copy"])
		}
		in.Permissions, in.Functions, in.Fields = &from.Permissions, &from.Functions, &from.Fields
	}
	if err == nil {
		_, err = c.svc.SaveRole(r.Context(), v.act, "", in)
	}
	return c.afterForm(w, r, v, err, roleURL(vals["key"])+"?done=created", "roles", func(fe *fieldErr) (any, error) { return c.roleListPage(r, v, vals, fe) })
}

func ptr(s string) *string { return &s }

func roleURL(key string) string { return "/matrix/roles/" + url.PathEscape(key) }

// roleView is what the role template shows.
type roleView struct {
	R           access.Role
	MatrixURL   string
	Edit        form
	Done, Error string
}

// roleOf reads the role of the path; a role not there is not found.
func (c *Console) roleOf(r *http.Request, v *view) (access.Role, error) {
	if err := need(v, access.ManageRoles); err != nil {
		return access.Role{}, err
	}
	return c.svc.Role(r.Context(), v.act, r.PathValue("key"))
}

func (c *Console) rolePage(w http.ResponseWriter, r *http.Request, v *view) error {
	x, err := c.roleOf(r, v)
	if err != nil {
		return err
	}
	p := roleDetail(v, x, nil)
	p.Done = validDone(v, "done.roles.", r.URL.Query().Get("done"), roleDone)
	c.render(w, v, http.StatusOK, "role", p)
	return nil
}

func roleDetail(v *view, x access.Role, vals map[string]string) *roleView {
	if vals == nil {
		vals = map[string]string{"name": x.Name, "description": x.Description}
	}
	v.Title = x.Name
	return &roleView{R: x, MatrixURL: "/matrix?" + url.Values{"role": {x.Key}}.Encode() + "#editor",
		Edit: form{Action: roleURL(x.Key), Submit: v.T("roles.save"), Prefix: "role-", Fields: []field{
			{Name: "name", Label: v.T("field.name"), Kind: "text", Value: vals["name"], Required: true, Max: 100, Autocomplete: "off"},
			{Name: "description", Label: v.T("group.description"), Kind: "text", Value: vals["description"], Max: 500, Autocomplete: "off"}}}}
}

func (c *Console) saveRoleName(w http.ResponseWriter, r *http.Request, v *view) error {
	x, err := c.roleOf(r, v)
	if err != nil {
		return err
	}
	vals := postedMap(r, "name", "description")
	_, err = c.svc.SaveRole(r.Context(), v.act, x.Key, service.RoleInput{Name: ptr(vals["name"]), Description: ptr(vals["description"])})
	return c.afterForm(w, r, v, err, roleURL(x.Key)+"?done=saved", "role", func(fe *fieldErr) (any, error) {
		p := roleDetail(v, x, vals)
		p.Edit.place(fe)
		return p, nil
	})
}

// deleteRole removes a role nobody holds. The page offers it for custom
// roles only, keeping the presets every tenant starts with in sight (they
// may be edited); whether a role may go is the service's to say.
func (c *Console) deleteRole(w http.ResponseWriter, r *http.Request, v *view) error {
	x, err := c.roleOf(r, v)
	if err != nil {
		return err
	}
	err = c.svc.DeleteRole(r.Context(), v.act, x.Key)
	return c.afterForm(w, r, v, err, "/matrix/roles?done=deleted", "role", func(fe *fieldErr) (any, error) {
		p := roleDetail(v, x, nil)
		p.Error = fe.Message
		return p, nil
	})
}
