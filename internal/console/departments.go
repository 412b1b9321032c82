package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
)

// The org tree (/admin/org) shows the departments with their members to
// holders of manage_users or manage_org; holders of manage_org also create
// a department under a parent they pick, and on a department's own page
// rename it, move it under another parent and delete it while it is empty,
// through service.CreateDepartment / UpdateDepartment / DeleteDepartment,
// the calls the API makes. The service has no preview of a move; the
// console shows, before the move is confirmed, the department's path
// before and after and what moves with it, all read from the directory.

func (c *Console) orgRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/org", c.private(c.orgTree))
	mux.Handle("POST /admin/org", c.private(c.createDepartment))
	mux.Handle("GET /admin/org/{id}", c.private(c.departmentPage))
	mux.Handle("POST /admin/org/{id}/rename", c.private(c.renameDepartment))
	mux.Handle("POST /admin/org/{id}/move", c.private(c.moveDepartment))
	mux.Handle("POST /admin/org/{id}/delete", c.private(c.deleteDepartment))
}

// orgDone are the notices a redirect to the org pages may ask for.
var orgDone = []string{"created", "renamed", "moved", "deleted"}

// orgNode is one department of the tree with its members.
type orgNode struct {
	org.Department
	Members  []org.User
	Children []*orgNode
}

// orgView is what the org template shows.
type orgView struct {
	Roots   []*orgNode
	CanEdit bool
	Form    form
	Done    string
}

// needOrg refuses the org pages to those who hold neither function.
func needOrg(v *view) error { return needAny(v, access.ManageUsers, access.ManageOrg) }

func (c *Console) orgTree(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.orgPage(r, v, nil, nil)
	if err != nil {
		return err
	}
	p.Done = validDone(v, "done.dept.", r.URL.Query().Get("done"), orgDone)
	c.render(w, v, http.StatusOK, "org", p)
	return nil
}

func (c *Console) orgPage(r *http.Request, v *view, vals map[string]string, fe *fieldErr) (*orgView, error) {
	if err := needOrg(v); err != nil {
		return nil, err
	}
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	p := &orgView{Roots: orgNodes(d), CanEdit: v.can(access.ManageOrg)}
	if p.CanEdit {
		p.Form = form{Action: "/admin/org", Submit: v.T("dept.create"), Prefix: "dept-", Fields: []field{
			{Name: "name", Label: v.T("field.name"), Kind: "text", Value: vals["name"], Required: true, Max: 100, Autocomplete: "off"},
			{Name: "parent_id", Label: v.T("dept.parent"), Kind: "select", Value: vals["parent_id"], Required: true,
				Options: append([]option{{Value: "", Label: "—"}}, d.deptOptions()...)}}}
		p.Form.place(fe)
	}
	v.Title = v.T("admin.org")
	return p, nil
}

// orgNodes arranges the directory's departments as a tree with members.
func orgNodes(d *directory) []*orgNode {
	nodes := map[int64]*orgNode{}
	var roots []*orgNode
	for _, x := range treeOrder(d.Depts) {
		n := &orgNode{Department: x}
		nodes[x.ID] = n
		if x.ParentID == nil || nodes[*x.ParentID] == nil {
			roots = append(roots, n)
		} else {
			parent := nodes[*x.ParentID]
			parent.Children = append(parent.Children, n)
		}
	}
	for _, u := range d.Users {
		if n := nodes[u.DepartmentID]; n != nil {
			n.Members = append(n.Members, u)
		}
	}
	return roots
}

func (c *Console) createDepartment(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageOrg); err != nil {
		return err
	}
	vals := postedMap(r, "name", "parent_id")
	parent, err := parseID("parent_id", vals["parent_id"])
	var d org.Department
	if err == nil {
		name := vals["name"]
		d, err = c.svc.CreateDepartment(r.Context(), v.act, org.DepartmentInput{Name: &name, ParentID: &parent})
	}
	return c.afterForm(w, r, v, err, deptURL(d.ID)+"?done=created", "org", func(fe *fieldErr) (any, error) { return c.orgPage(r, v, vals, fe) })
}

func deptURL(id int64) string { return "/admin/org/" + strconv.FormatInt(id, 10) }

// deptView is what the dept template shows.
type deptView struct {
	D                 org.Department
	Path              string // the names from the root down
	Subdepts, Members int    // in the subtree, the department included for members
	Done, Error       string
	Rename, Move      form
	// Confirm, when set, is a move waiting to be confirmed: the path the
	// department would have.
	Confirm, ConfirmParent string
	CanDelete              bool
}

func (c *Console) departmentPage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.deptPage(r, v)
	if err != nil {
		return err
	}
	p.Done = validDone(v, "done.dept.", r.URL.Query().Get("done"), orgDone)
	c.render(w, v, http.StatusOK, "dept", p)
	return nil
}

// deptPage reads the department of the path and fills its forms.
func (c *Console) deptPage(r *http.Request, v *view) (*deptView, error) {
	if err := need(v, access.ManageOrg); err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errs.NotVisible("department")
	}
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	x, ok := d.depts[id]
	if !ok {
		return nil, errs.NotVisible("department")
	}
	p := &deptView{D: x, Path: d.deptPath(x)}
	for _, y := range d.Depts {
		if y.ID != x.ID && slices.Contains(y.Path, x.ID) {
			p.Subdepts++
		}
	}
	for _, u := range d.Users {
		if u.DepartmentID == x.ID || slices.Contains(d.depts[u.DepartmentID].Path, x.ID) {
			p.Members++
		}
	}
	p.CanDelete = x.ParentID != nil // the service says why a department that is not empty stays
	base := deptURL(id)
	p.Rename = form{Action: base + "/rename", Submit: v.T("dept.rename"), Prefix: "rename-", Fields: []field{
		{Name: "name", Label: v.T("field.name"), Kind: "text", Value: x.Name, Required: true, Max: 100, Autocomplete: "off"}}}
	parents := []option{{Value: "", Label: "—"}}
	for _, o := range d.deptOptions() {
		pid, _ := strconv.ParseInt(o.Value, 10, 64)
		if pid != x.ID && !slices.Contains(d.depts[pid].Path, x.ID) {
			parents = append(parents, o)
		}
	}
	cur := ""
	if x.ParentID != nil {
		cur = strconv.FormatInt(*x.ParentID, 10)
	}
	p.Move = form{Action: base + "/move", Submit: v.T("dept.move.preview"), Prefix: "move-", Fields: []field{
		{Name: "parent_id", Label: v.T("dept.move.to"), Kind: "select", Value: cur, Required: true, Options: parents}}}
	v.Title = x.Name
	return p, nil
}

// deptPath names a department's ancestors and itself: "Company › Sales".
func (d *directory) deptPath(x org.Department) string {
	var names []string
	for _, id := range x.Path {
		if id != x.ID {
			names = append(names, d.deptName(id))
		}
	}
	return strings.Join(append(names, x.Name), " › ")
}

func (c *Console) renameDepartment(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.deptPage(r, v)
	if err != nil {
		return err
	}
	name := r.PostForm.Get("name")
	_, err = c.svc.UpdateDepartment(r.Context(), v.act, p.D.ID, org.DepartmentInput{Name: &name})
	return c.afterForm(w, r, v, err, deptURL(p.D.ID)+"?done=renamed", "dept", func(fe *fieldErr) (any, error) {
		p.Rename.Fields[0].Value = name
		p.Rename.place(fe)
		return p, nil
	})
}

// moveDepartment shows where the department would go and what goes with
// it, and moves it once that is confirmed.
func (c *Console) moveDepartment(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.deptPage(r, v)
	if err != nil {
		return err
	}
	vals := postedMap(r, "parent_id", "confirm")
	p.Move.Fields[0].Value = vals["parent_id"]
	parent, err := parseID("parent_id", vals["parent_id"])
	if err == nil && vals["confirm"] == "" {
		return c.confirmMove(w, r, v, p, parent)
	}
	if err == nil {
		_, err = c.svc.UpdateDepartment(r.Context(), v.act, p.D.ID, org.DepartmentInput{ParentID: &parent})
	}
	return c.afterForm(w, r, v, err, deptURL(p.D.ID)+"?done=moved", "dept", func(fe *fieldErr) (any, error) {
		p.Move.place(fe)
		return p, nil
	})
}

// confirmMove shows the path the department would have under parent. A
// parent the directory lacks, or one inside the department, is left for
// the service to refuse when the move is confirmed.
func (c *Console) confirmMove(w http.ResponseWriter, r *http.Request, v *view, p *deptView, parent int64) error {
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return err
	}
	to, ok := d.depts[parent]
	if !ok {
		p.Move.place(&fieldErr{Field: "parent_id", Message: v.T("dept.move.unknown")})
		c.render(w, v, http.StatusBadRequest, "dept", p)
		return nil
	}
	p.Confirm, p.ConfirmParent = d.deptPath(to)+" › "+p.D.Name, strconv.FormatInt(parent, 10)
	c.render(w, v, http.StatusOK, "dept", p)
	return nil
}

func (c *Console) deleteDepartment(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.deptPage(r, v)
	if err != nil {
		return err
	}
	err = c.svc.DeleteDepartment(r.Context(), v.act, p.D.ID)
	return c.afterForm(w, r, v, err, "/admin/org?done=deleted", "dept", func(fe *fieldErr) (any, error) {
		p.Error = fe.Message
		return p, nil
	})
}
