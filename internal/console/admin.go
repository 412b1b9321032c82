package console

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
)

// The admin pages are for holders of manage_users: the users with their
// department, manager, status and roles,
// and one user's role assignments with a form to grant a role until a date
// for a reason (service.GrantRole, which refuses to grant a function the
// granter does not hold) and buttons to revoke them.

// usersPageSize is how many users one page of the list shows.
const usersPageSize = 50

// userRow is one user on the list.
type userRow struct {
	org.User
	Department, Manager string
	RoleNames           []string
}

// usersView is what the users template shows.
type usersView struct {
	Q                 string
	Rows              []userRow
	NextURL, FirstURL string
	Paged             bool
}

func (c *Console) userList(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageUsers); err != nil {
		return err
	}
	ctx := r.Context()
	p := usersView{Q: r.URL.Query().Get("q")}
	page := store.UserPage{Limit: usersPageSize + 1, Query: p.Q}
	if s := r.URL.Query().Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return errs.NotVisible("page")
		}
		page.After, p.Paged = n, true
	}
	users, err := c.svc.Users(ctx, v.act, page)
	if err != nil {
		return err
	}
	d, err := c.loadDirectory(ctx, v.act)
	if err != nil {
		return err
	}
	p.FirstURL = "/admin/users"
	if p.Q != "" {
		p.FirstURL += "?" + url.Values{"q": {p.Q}}.Encode()
	}
	if len(users) > usersPageSize {
		users = users[:usersPageSize]
		next := url.Values{"after": {strconv.FormatInt(users[usersPageSize-1].ID, 10)}}
		if p.Q != "" {
			next.Set("q", p.Q)
		}
		p.NextURL = "/admin/users?" + next.Encode()
	}
	for _, u := range users {
		p.Rows = append(p.Rows, c.userRow(r, v, d, u))
	}
	v.Title = v.T("admin.users")
	c.render(w, v, http.StatusOK, "users", p)
	return nil
}

// userRow names a user's department, manager and roles. A manager beyond
// the directory's first page is read on its own.
func (c *Console) userRow(r *http.Request, v *view, d *directory, u org.User) userRow {
	row := userRow{User: u, Department: d.deptName(u.DepartmentID)}
	if u.ManagerID != nil {
		row.Manager = d.userName(*u.ManagerID)
		if _, ok := d.users[*u.ManagerID]; !ok {
			if m, err := c.svc.User(r.Context(), v.act, *u.ManagerID); err == nil {
				row.Manager = m.Name
			}
		}
	}
	for _, k := range u.Roles {
		row.RoleNames = append(row.RoleNames, d.roleName(k))
	}
	return row
}

// userView is one user's page: who they are and their role assignments.
type userView struct {
	U       userRow
	Rows    []assignmentRow
	Grant   form
	Done    string
	Error   string
	History []entryRow
	// Lifecycle offers moving and offboarding the user, with the reports
	// of those done (lifecycle_report.go).
	Lifecycle userLifecycle
	// FactorResetURL, when set, offers removing the user's lost second
	// factor: they have one, and are not the viewer (who removes their own
	// on their account page).
	FactorResetURL string
}

// assignmentRow is one role assignment.
type assignmentRow struct {
	Role      string
	Key       string
	Since     time.Time
	Expiry    expiry
	Reason    string
	By        string
	RevokeURL string
}

func (c *Console) userDetail(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.loadUser(r, v, nil, nil)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "granted", "revoked", "factor_reset":
		p.Done = v.T("done.role." + r.URL.Query().Get("done"))
	}
	c.render(w, v, http.StatusOK, "user", p)
	return nil
}

func userID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotVisible("user")
	}
	return id, nil
}

func (c *Console) loadUser(r *http.Request, v *view, vals map[string]string, fe *fieldErr) (*userView, error) {
	if err := need(v, access.ManageUsers); err != nil {
		return nil, err
	}
	id, err := userID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	u, err := c.svc.User(ctx, v.act, id)
	if err != nil {
		return nil, err
	}
	d, err := c.loadDirectory(ctx, v.act)
	if err != nil {
		return nil, err
	}
	held, err := c.svc.Assignments(ctx, v.act, id)
	if err != nil {
		return nil, err
	}
	p := &userView{U: c.userRow(r, v, d, u)}
	now := time.Now()
	base := "/admin/users/" + strconv.FormatInt(id, 10)
	for _, a := range held {
		row := assignmentRow{Role: d.roleName(a.RoleKey), Key: a.RoleKey, Since: a.CreatedAt, Expiry: expiryOf(v, a.ExpiresAt, now),
			Reason: a.Reason, RevokeURL: base + "/roles/" + url.PathEscape(a.RoleKey) + "/delete"}
		if a.GrantedBy != nil {
			row.By = d.userName(*a.GrantedBy)
		}
		p.Rows = append(p.Rows, row)
	}
	p.Grant = grantForm(v, d, id, vals, fe)
	hist, err := c.svc.PermissionHistory(ctx, v.act, id, store.AuditQuery{Limit: 20})
	if err != nil {
		return nil, err
	}
	p.History = entryRows(v, d, hist)
	if p.Lifecycle, err = c.userLifecycle(r, v, d, u); err != nil {
		return nil, err
	}
	if id != v.act.UserID {
		has, err := c.svc.UserHasFactor(ctx, v.act, id)
		if err != nil {
			return nil, err
		}
		if has {
			p.FactorResetURL = base + "/mfa/reset"
		}
	}
	v.Title = u.Name
	return p, nil
}

// resetFactor removes a user's lost second factor and ends their sessions
// (DELETE /users/{id}/mfa); a recent sign-in is asked for first.
func (c *Console) resetFactor(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageUsers); err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	return c.afterRole(w, r, v, id, c.svc.ResetFactors(r.Context(), v.act, id), "factor_reset", nil)
}

func grantForm(v *view, d *directory, id int64, vals map[string]string, fe *fieldErr) form {
	role := field{Name: "role", Label: v.T("matrix.role"), Kind: "select", Value: vals["role"], Required: true,
		Options: []option{{Value: "", Label: "—"}}}
	for _, r := range d.Roles {
		role.Options = append(role.Options, option{Value: r.Key, Label: r.Name})
	}
	f := form{Action: "/admin/users/" + strconv.FormatInt(id, 10) + "/roles", Submit: v.T("role.grant"), Prefix: "grant-",
		Fields: []field{role,
			{Name: "expires_at", Label: v.T("field.expires_at"), Kind: "date", Value: vals["expires_at"], Hint: v.T("grant.expires.hint")},
			{Name: "reason", Label: v.T("field.reason"), Kind: "text", Value: vals["reason"], Max: 500, Required: true, Autocomplete: "off"}}}
	f.place(fe)
	return f
}

func (c *Console) grantRole(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageUsers); err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	vals := postedMap(r, "role", "expires_at", "reason")
	g := service.RoleGrant{Role: vals["role"], Reason: vals["reason"]}
	err = requireReason(vals)
	if err == nil && g.Role == "" {
		err = errs.Field("role", "field_required", "choose a role")
	}
	if err == nil {
		g.ExpiresAt, err = parseDate("expires_at", vals["expires_at"])
	}
	if err == nil {
		err = c.svc.GrantRole(r.Context(), v.act, id, g)
	}
	return c.afterRole(w, r, v, id, err, "granted", vals)
}

func (c *Console) revokeRole(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageUsers); err != nil {
		return err
	}
	id, err := userID(r)
	if err != nil {
		return err
	}
	err = c.svc.RevokeRole(r.Context(), v.act, id, r.PathValue("key"))
	return c.afterRole(w, r, v, id, err, "revoked", nil)
}

// afterRole goes back to the user's page, with the error shown on it.
func (c *Console) afterRole(w http.ResponseWriter, r *http.Request, v *view, id int64, err error, done string, vals map[string]string) error {
	if err == nil {
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?done="+done, http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	var grantErr *fieldErr
	if vals != nil {
		grantErr = fe
	}
	p, lerr := c.loadUser(r, v, vals, grantErr)
	if lerr != nil {
		return lerr
	}
	if vals == nil {
		p.Error = fe.Message
	}
	c.render(w, v, status, "user", p)
	return nil
}
