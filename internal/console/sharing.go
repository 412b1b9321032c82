package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// The customer page's sharing panel lists the record team (相关团队) and
// the shares, each with its level, reason and expiry, and, for those whose
// role scope lets them share the customer, forms to add and remove them.
// Every change is service.AddShare / AddTeamMember / Remove*, which check
// the share action and that nobody gives more than they hold.

// sharingPanel is what the customer template shows about sharing.
type sharingPanel struct {
	Team, Shares []grantRow
	CanShare     bool
	ShareForm    form
	TeamForm     form
}

// grantRow is one team member or share as the page shows it.
type grantRow struct {
	ID        int64
	Who       string
	Level     access.Level
	Expiry    expiry
	Reason    string
	By        string
	Created   time.Time
	RemoveURL string
}

// loadSharing reads the customer's team and shares. Only the lists are
// read here; the forms are filled by the caller.
func (c *Console) loadSharing(r *http.Request, v *view, d *directory, id int64, canShare bool) (*sharingPanel, error) {
	ctx := r.Context()
	team, err := c.svc.TeamMembers(ctx, v.act, id)
	if err != nil {
		return nil, err
	}
	shares, err := c.svc.Shares(ctx, v.act, id)
	if err != nil {
		return nil, err
	}
	p := &sharingPanel{CanShare: canShare}
	now := time.Now()
	base := "/customers/" + strconv.FormatInt(id, 10)
	row := func(g store.Grant, who, remove string) grantRow {
		gr := grantRow{ID: g.ID, Who: who, Level: g.Level, Expiry: expiryOf(v, g.ExpiresAt, now), Reason: g.Reason, Created: g.CreatedAt}
		if g.GrantedBy != nil {
			gr.By = d.userName(*g.GrantedBy)
		}
		if canShare {
			gr.RemoveURL = remove
		}
		return gr
	}
	for _, g := range team {
		p.Team = append(p.Team, row(g, d.userName(g.Principal.ID), base+"/team/"+strconv.FormatInt(g.Principal.ID, 10)+"/delete"))
	}
	for _, g := range shares {
		p.Shares = append(p.Shares, row(g, d.principal(v, g.Principal), base+"/shares/"+strconv.FormatInt(g.ID, 10)+"/delete"))
	}
	p.ShareForm = shareForm(v, d, id, nil, nil)
	p.TeamForm = teamForm(v, d, id, nil, nil)
	return p, nil
}

func levelField(v *view, val string) field {
	if val == "" {
		val = string(access.Read)
	}
	return field{Name: "level", Label: v.T("field.grant_level"), Kind: "select", Value: val, Required: true,
		Options: []option{{Value: string(access.Read), Label: v.T("level.read")}, {Value: string(access.EditLevel), Label: v.T("level.edit")}}}
}

// grantFields are what a share and a team membership have in common.
func grantFields(v *view, vals map[string]string) []field {
	return []field{levelField(v, vals["level"]),
		{Name: "expires_at", Label: v.T("field.expires_at"), Kind: "date", Value: vals["expires_at"], Hint: v.T("grant.expires.hint")},
		{Name: "reason", Label: v.T("field.reason"), Kind: "text", Value: vals["reason"], Max: 500, Required: true, Autocomplete: "off"}}
}

// shareForm offers every principal a share may name, in groups.
func shareForm(v *view, d *directory, id int64, vals map[string]string, fe *fieldErr) form {
	who := field{Name: "principal", Label: v.T("share.with"), Kind: "select", Value: vals["principal"], Required: true,
		Options: []option{{Value: "", Label: "—"}}, Groups: principalGroups(v, d, v.act.UserID)}
	sub := field{Name: "include_subdepartments", Label: v.T("share.subdepartments"), Kind: "checkbox", Value: vals["include_subdepartments"]}
	f := form{Action: "/customers/" + strconv.FormatInt(id, 10) + "/shares", Submit: v.T("share.add"), Prefix: "share-",
		Fields: append(append([]field{who}, grantFields(v, vals)...), sub)}
	f.place(fe)
	return f
}

// principalGroups are the choices of a principal select, "type:id" in a
// group per type: users (but except), departments, groups and roles.
func principalGroups(v *view, d *directory, except int64) []optgroup {
	var out []optgroup
	group := func(label, typ string, opts []option) {
		for i := range opts {
			opts[i].Value = typ + ":" + opts[i].Value
		}
		if len(opts) > 0 {
			out = append(out, optgroup{Label: label, Options: opts})
		}
	}
	group(v.T("share.users"), access.PrincipalUser, d.userOptions(except))
	group(v.T("share.departments"), access.PrincipalDepartment, d.deptOptions())
	var groups, roles []option
	for _, g := range d.Groups {
		groups = append(groups, option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name})
	}
	for _, r := range d.Roles {
		roles = append(roles, option{Value: strconv.FormatInt(r.ID, 10), Label: r.Name})
	}
	group(v.T("share.groups"), access.PrincipalGroup, groups)
	group(v.T("share.roles"), access.PrincipalRole, roles)
	return out
}

func teamForm(v *view, d *directory, id int64, vals map[string]string, fe *fieldErr) form {
	who := field{Name: "user_id", Label: v.T("team.member"), Kind: "select", Value: vals["user_id"], Required: true,
		Options: append([]option{{Value: "", Label: "—"}}, d.userOptions(v.act.UserID)...)}
	f := form{Action: "/customers/" + strconv.FormatInt(id, 10) + "/team", Submit: v.T("team.add"), Prefix: "team-",
		Fields: append([]field{who}, grantFields(v, vals)...)}
	f.place(fe)
	return f
}

func postedMap(r *http.Request, names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[n] = r.PostForm.Get(n)
	}
	return out
}

// requireReason asks for the reason the access model says every grant
// carries; the service takes it as optional, for API callers.
func requireReason(vals map[string]string) error {
	if strings.TrimSpace(vals["reason"]) == "" {
		return errs.Field("reason", "field_required", "reason is required")
	}
	return nil
}

// parsePrincipal reads "type:id" from the principal select.
func parsePrincipal(vals map[string]string) (access.Principal, error) {
	typ, id, ok := strings.Cut(vals["principal"], ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 {
		return access.Principal{}, errs.Field("principal", "field_required", "choose whom to share with")
	}
	return access.Principal{Type: typ, ID: n, IncludeSubDept: vals["include_subdepartments"] != "" && typ == access.PrincipalDepartment}, nil
}

func (c *Console) addShare(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	vals := postedMap(r, "principal", "include_subdepartments", "level", "expires_at", "reason")
	err = requireReason(vals)
	var in service.ShareInput
	if err == nil {
		in.Principal, err = parsePrincipal(vals)
	}
	if err == nil {
		in.ExpiresAt, err = parseDate("expires_at", vals["expires_at"])
	}
	if err == nil {
		in.Level, in.Reason = access.Level(vals["level"]), vals["reason"]
		_, err = c.svc.AddShare(r.Context(), v.act, id, in)
	}
	return c.afterGrant(w, r, v, id, err, "shared", func(p *sharingPanel, d *directory, fe *fieldErr) {
		p.ShareForm = shareForm(v, d, id, vals, fe)
	})
}

func (c *Console) addTeamMember(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	vals := postedMap(r, "user_id", "level", "expires_at", "reason")
	err = requireReason(vals)
	var in service.TeamInput
	if err == nil {
		in.UserID, err = parseID("user_id", vals["user_id"])
	}
	if err == nil {
		in.ExpiresAt, err = parseDate("expires_at", vals["expires_at"])
	}
	if err == nil {
		in.Level, in.Reason = access.Level(vals["level"]), vals["reason"]
		_, err = c.svc.AddTeamMember(r.Context(), v.act, id, in)
	}
	return c.afterGrant(w, r, v, id, err, "team", func(p *sharingPanel, d *directory, fe *fieldErr) {
		p.TeamForm = teamForm(v, d, id, vals, fe)
	})
}

func (c *Console) removeShare(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(r.PathValue("share"), 10, 64)
	if err != nil {
		return errs.NotVisible("share")
	}
	err = c.svc.RemoveShare(r.Context(), v.act, id, sid)
	return c.afterGrant(w, r, v, id, err, "unshared", nil)
}

func (c *Console) removeTeamMember(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	uid, err := strconv.ParseInt(r.PathValue("user"), 10, 64)
	if err != nil {
		return errs.NotVisible("team member")
	}
	err = c.svc.RemoveTeamMember(r.Context(), v.act, id, uid)
	return c.afterGrant(w, r, v, id, err, "unteamed", nil)
}

// afterGrant redirects back to the sharing panel after a change, or shows
// the page again with the error next to the field it concerns.
func (c *Console) afterGrant(w http.ResponseWriter, r *http.Request, v *view, id int64, err error, done string,
	refill func(*sharingPanel, *directory, *fieldErr)) error {
	if err == nil {
		http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?done="+done+"#sharing", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, err := c.loadDetail(r, v, id)
	if err != nil {
		return err
	}
	if refill != nil {
		refill(p.Sharing, p.dir, fe)
	} else {
		p.SharingError = fe.Message
	}
	c.render(w, v, status, "customer", p)
	return nil
}
