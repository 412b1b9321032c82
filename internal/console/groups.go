package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// The groups pages (/admin/groups) are for holders of manage_users: the
// groups with their members, a form to create one, and on a group's page
// renaming it, adding a member found by name or e-mail, removing one, and
// deleting the group, all through service.SaveGroup and DeleteGroup, the
// calls the API makes. The service sets a group's members as a whole, so
// adding or removing one writes the list read just before with that change.

func (c *Console) groupRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/groups", c.private(c.groupList))
	mux.Handle("POST /admin/groups", c.private(c.createGroup))
	mux.Handle("GET /admin/groups/{id}", c.private(c.groupPage))
	mux.Handle("POST /admin/groups/{id}", c.private(c.saveGroup))
	mux.Handle("POST /admin/groups/{id}/members", c.private(c.addGroupMember))
	mux.Handle("POST /admin/groups/{id}/members/{user}/delete", c.private(c.removeGroupMember))
	mux.Handle("POST /admin/groups/{id}/delete", c.private(c.deleteGroup))
}

// groupDone are the notices a redirect to the groups pages may ask for.
var groupDone = []string{"created", "saved", "added", "removed", "deleted"}

// groupsView is what the groups template shows.
type groupsView struct {
	Groups []org.Group
	Form   form
	Done   string
}

func (c *Console) groupList(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.groupsPage(r, v, nil, nil)
	if err != nil {
		return err
	}
	p.Done = validDone(v, "done.group.", r.URL.Query().Get("done"), groupDone)
	c.render(w, v, http.StatusOK, "groups", p)
	return nil
}

func (c *Console) groupsPage(r *http.Request, v *view, vals map[string]string, fe *fieldErr) (*groupsView, error) {
	if err := need(v, access.ManageUsers); err != nil {
		return nil, err
	}
	gs, err := c.svc.Groups(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	p := &groupsView{Groups: gs, Form: groupForm(v, "/admin/groups", v.T("group.create"), vals)}
	p.Form.place(fe)
	v.Title = v.T("admin.groups")
	return p, nil
}

func groupForm(v *view, action, submit string, vals map[string]string) form {
	return form{Action: action, Submit: submit, Prefix: "group-", Fields: []field{
		{Name: "name", Label: v.T("field.name"), Kind: "text", Value: vals["name"], Required: true, Max: 100, Autocomplete: "off"},
		{Name: "description", Label: v.T("group.description"), Kind: "text", Value: vals["description"], Max: 500, Autocomplete: "off"}}}
}

func groupURL(id int64) string { return "/admin/groups/" + strconv.FormatInt(id, 10) }

func (c *Console) createGroup(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageUsers); err != nil {
		return err
	}
	vals := postedMap(r, "name", "description")
	name, desc := vals["name"], vals["description"]
	g, err := c.svc.SaveGroup(r.Context(), v.act, 0, org.GroupInput{Name: &name, Description: &desc})
	return c.afterForm(w, r, v, err, groupURL(g.ID)+"?done=created", "groups", func(fe *fieldErr) (any, error) { return c.groupsPage(r, v, vals, fe) })
}

// groupView is what the group template shows.
type groupView struct {
	G           org.Group
	Members     []org.User
	Edit        form
	Add         form
	Q           string // the search the member picker is narrowed by
	Done, Error string
}

// groupOf reads the group of the path; a group not there is not found.
func (c *Console) groupOf(r *http.Request, v *view) (org.Group, error) {
	if err := need(v, access.ManageUsers); err != nil {
		return org.Group{}, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return org.Group{}, errs.NotVisible("group")
	}
	return c.svc.Group(r.Context(), v.act, id)
}

func (c *Console) groupPage(w http.ResponseWriter, r *http.Request, v *view) error {
	g, err := c.groupOf(r, v)
	if err != nil {
		return err
	}
	p, err := c.groupDetail(r, v, g, nil)
	if err != nil {
		return err
	}
	p.Done = validDone(v, "done.group.", r.URL.Query().Get("done"), groupDone)
	c.render(w, v, http.StatusOK, "group", p)
	return nil
}

// groupDetail fills a group's page: its members by name, and a picker of
// the users not in it, narrowed by the search q (GET or posted).
func (c *Console) groupDetail(r *http.Request, v *view, g org.Group, vals map[string]string) (*groupView, error) {
	ctx := r.Context()
	d, err := c.loadDirectory(ctx, v.act)
	if err != nil {
		return nil, err
	}
	if vals == nil {
		vals = map[string]string{"name": g.Name, "description": g.Description}
	}
	p := &groupView{G: g, Q: r.FormValue("q"), Edit: groupForm(v, groupURL(g.ID), v.T("group.save"), vals)}
	for _, id := range g.Members {
		u, ok := d.users[id]
		if !ok {
			if u, err = c.svc.User(ctx, v.act, id); err != nil {
				return nil, err
			}
		}
		p.Members = append(p.Members, u)
	}
	slices.SortFunc(p.Members, func(a, b org.User) int { return strings.Compare(a.Name, b.Name) })
	candidates := d.Users
	if p.Q != "" {
		if candidates, err = c.svc.Users(ctx, v.act, store.UserPage{Limit: userChoices, Query: p.Q}); err != nil {
			return nil, err
		}
	}
	pick := field{Name: "user_id", Label: v.T("group.member"), Kind: "select", Required: true, Options: []option{{Value: "", Label: "—"}}}
	for _, o := range (&directory{Users: candidates}).userOptions(0) {
		id, _ := strconv.ParseInt(o.Value, 10, 64)
		if !slices.Contains(g.Members, id) {
			pick.Options = append(pick.Options, o)
		}
	}
	p.Add = form{Action: groupURL(g.ID) + "/members", Submit: v.T("group.add"), Prefix: "add-", Fields: []field{pick},
		Hidden: []hidden{{Name: "q", Value: p.Q}}}
	v.Title = g.Name
	return p, nil
}

// afterGroup goes back to the group's page, or shows the error on it:
// about a field of form pick when given, else above the page.
func (c *Console) afterGroup(w http.ResponseWriter, r *http.Request, v *view, g org.Group, err error, done string,
	pick func(*groupView) *form, vals map[string]string) error {
	return c.afterForm(w, r, v, err, groupURL(g.ID)+"?done="+done, "group", func(fe *fieldErr) (any, error) {
		p, err := c.groupDetail(r, v, g, vals)
		if err != nil {
			return nil, err
		}
		if pick != nil {
			pick(p).place(fe)
		} else {
			p.Error = fe.Message
		}
		return p, nil
	})
}

func (c *Console) saveGroup(w http.ResponseWriter, r *http.Request, v *view) error {
	g, err := c.groupOf(r, v)
	if err != nil {
		return err
	}
	vals := postedMap(r, "name", "description")
	name, desc := vals["name"], vals["description"]
	_, err = c.svc.SaveGroup(r.Context(), v.act, g.ID, org.GroupInput{Name: &name, Description: &desc})
	return c.afterGroup(w, r, v, g, err, "saved", func(p *groupView) *form { return &p.Edit }, vals)
}

func (c *Console) addGroupMember(w http.ResponseWriter, r *http.Request, v *view) error {
	g, err := c.groupOf(r, v)
	if err != nil {
		return err
	}
	uid, err := parseID("user_id", r.PostForm.Get("user_id"))
	if err == nil {
		_, err = c.svc.AddGroupMember(r.Context(), v.act, g.ID, uid)
	}
	return c.afterGroup(w, r, v, g, err, "added", func(p *groupView) *form { return &p.Add }, nil)
}

func (c *Console) removeGroupMember(w http.ResponseWriter, r *http.Request, v *view) error {
	g, err := c.groupOf(r, v)
	if err != nil {
		return err
	}
	uid, err := strconv.ParseInt(r.PathValue("user"), 10, 64)
	if err != nil {
		return errs.NotVisible("member")
	}
	_, err = c.svc.RemoveGroupMember(r.Context(), v.act, g.ID, uid)
	if errs.KindOf(err) == errs.NotFound {
		return err
	}
	return c.afterGroup(w, r, v, g, err, "removed", nil, nil)
}

func (c *Console) deleteGroup(w http.ResponseWriter, r *http.Request, v *view) error {
	g, err := c.groupOf(r, v)
	if err != nil {
		return err
	}
	if err = c.svc.DeleteGroup(r.Context(), v.act, g.ID); err == nil {
		http.Redirect(w, r, "/admin/groups?done=deleted", http.StatusSeeOther)
		return nil
	}
	return c.afterGroup(w, r, v, g, err, "", nil, nil)
}
