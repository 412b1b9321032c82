package console

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
)

// directory is the tenant's people and structure as the pages name them:
// users, departments, groups and (for those who may read roles) roles. It
// is read through the service like everything else; the user directory and
// the org tree are open to every member, roles only to some.
type directory struct {
	Users  []org.User
	Depts  []org.Department
	Groups []org.Group
	Roles  []access.Role // nil when the user may not read roles

	users  map[int64]org.User
	depts  map[int64]org.Department
	groups map[int64]org.Group
	roles  map[int64]access.Role
	keys   map[string]access.Role
}

// loadDirectory reads the directory. Roles are read only when the user may;
// a refusal there leaves them out rather than failing the page.
func (c *Console) loadDirectory(ctx context.Context, a *service.Actor) (*directory, error) {
	d := &directory{}
	var err error
	if d.Users, err = c.svc.Users(ctx, a, store.UserPage{Limit: userChoices}); err != nil {
		return nil, err
	}
	if d.Depts, err = c.svc.Departments(ctx, a); err != nil {
		return nil, err
	}
	if d.Groups, err = c.svc.Groups(ctx, a); err != nil {
		return nil, err
	}
	if d.Roles, err = c.svc.Roles(ctx, a); errs.KindOf(err) == errs.Forbidden {
		d.Roles, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	d.index()
	return d, nil
}

func (d *directory) index() {
	d.users, d.depts, d.groups = map[int64]org.User{}, map[int64]org.Department{}, map[int64]org.Group{}
	d.roles, d.keys = map[int64]access.Role{}, map[string]access.Role{}
	for _, u := range d.Users {
		d.users[u.ID] = u
	}
	for _, x := range d.Depts {
		d.depts[x.ID] = x
	}
	for _, g := range d.Groups {
		d.groups[g.ID] = g
	}
	for _, r := range d.Roles {
		d.roles[r.ID], d.keys[r.Key] = r, r
	}
}

// userName names a user, or shows the id of one beyond the directory page.
func (d *directory) userName(id int64) string {
	if u, ok := d.users[id]; ok {
		return u.Name
	}
	return "#" + strconv.FormatInt(id, 10)
}

func (d *directory) deptName(id int64) string {
	if x, ok := d.depts[id]; ok {
		return x.Name
	}
	return "#" + strconv.FormatInt(id, 10)
}

// roleName names a role by key; without the roles, the key is the name.
func (d *directory) roleName(key string) string {
	if r, ok := d.keys[key]; ok {
		return r.Name
	}
	return key
}

// principal names a share's or rule's principal: "department Sales and below".
func (d *directory) principal(v *view, p access.Principal) string {
	kind := v.T("principal." + p.Type)
	id := "#" + strconv.FormatInt(p.ID, 10)
	name := id
	switch p.Type {
	case access.PrincipalUser:
		name = d.userName(p.ID)
	case access.PrincipalDepartment:
		name = d.deptName(p.ID)
		if p.IncludeSubDept {
			name += " " + v.T("principal.andbelow")
		}
	case access.PrincipalGroup:
		if g, ok := d.groups[p.ID]; ok {
			name = g.Name
		}
	case access.PrincipalRole:
		if r, ok := d.roles[p.ID]; ok {
			name = r.Name
		}
	}
	return kind + " " + name
}

// deptOptions lists the departments in tree order, indented by depth.
func (d *directory) deptOptions() []option {
	var out []option
	for _, n := range treeOrder(d.Depts) {
		out = append(out, option{Value: strconv.FormatInt(n.ID, 10), Label: strings.Repeat("\u00a0\u00a0", n.Depth) + n.Name})
	}
	return out
}

// userOptions lists active users by name.
func (d *directory) userOptions(except int64) []option {
	var out []option
	for _, u := range d.Users {
		if u.Status == org.StatusActive && u.ID != except {
			out = append(out, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name + " · " + u.Email})
		}
	}
	slices.SortFunc(out, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	return out
}

// treeOrder sorts departments depth first, siblings by name.
func treeOrder(depts []org.Department) []org.Department {
	children := map[int64][]org.Department{}
	var roots []org.Department
	for _, x := range depts {
		if x.ParentID == nil {
			roots = append(roots, x)
		} else {
			children[*x.ParentID] = append(children[*x.ParentID], x)
		}
	}
	var out []org.Department
	var walk func([]org.Department)
	walk = func(level []org.Department) {
		slices.SortFunc(level, func(a, b org.Department) int { return strings.Compare(a.Name, b.Name) })
		for _, x := range level {
			out = append(out, x)
			walk(children[x.ID])
		}
	}
	walk(roots)
	return out
}

// parseDate reads a date input as the end of that day in UTC: an expiry
// of 2026-12-31 lasts through the 31st. Empty means none.
func parseDate(name, s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil, errs.Field(name, "invalid_time", "%s must be a date such as 2026-12-31", name)
	}
	t = t.Add(24 * time.Hour)
	return &t, nil
}

// parseID reads a positive id from a form or query value.
func parseID(name, s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.Field(name, "field_required", "choose a %s", name)
	}
	return n, nil
}

// need refuses a page whose whole purpose is a system function the user
// lacks (the admin and audit pages). The service checks the function again
// on every read and change behind the page; this only answers the page
// itself with 403 instead of an empty shell.
func need(v *view, f access.Function) error {
	if !v.act.Subject.Can(f) {
		return errs.E(errs.Forbidden, "forbidden", "this page needs the %s function", f)
	}
	return nil
}

// expiry describes a grant's end: a date, "never", and whether it passed.
type expiry struct {
	Date    string
	Expired bool
}

func expiryOf(v *view, t *time.Time, now time.Time) expiry {
	if t == nil {
		return expiry{Date: v.T("grant.never")}
	}
	// Expiries are stored as the end of their last day; show that day.
	return expiry{Date: t.UTC().Add(-time.Microsecond).Format("2006-01-02"), Expired: !t.After(now)}
}
