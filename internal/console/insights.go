package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
)

// Least-privilege insights (docs/least-privilege.md): unused permissions,
// dormant accounts, stale grants and the role analysis, each for a period
// of days, with the proposals they support (insights_apply.go). Each list
// is one service call, as for the API; reading it is recorded there. The
// dormant accounts and stale grants offer holders of run_reviews to start
// an access review of what they list, through the campaign form filled in.

func (c *Console) insightRoutes(mux *http.ServeMux) {
	mux.Handle("GET /insights", c.private(redirectTo("/insights/unused")))
	mux.Handle("GET /insights/unused", c.private(c.unusedPage))
	mux.Handle("GET /insights/dormant", c.private(c.dormantPage))
	mux.Handle("GET /insights/stale", c.private(c.stalePage))
	mux.Handle("GET /insights/roles", c.private(c.rolesPage))
	mux.Handle("POST /insights/proposals/preview", c.private(c.previewProposal))
	mux.Handle("POST /insights/proposals/apply", c.private(c.applyProposal))
}

// insightPage is what every insights template shows around its list.
type insightPage struct {
	Tab       string // unused, dormant, stale, roles
	Days      string // as typed
	DaysError string
	Period    *service.Period
	NextURL   string
	// ReviewURL, for holders of run_reviews, opens the campaign form for
	// what the list shows.
	ReviewURL string
	Data      any
}

// needInsights refuses the pages to those the service refuses the lists.
func needInsights(v *view) error {
	return needAny(v, access.ViewAudit, access.ManageUsers, access.RunReviews)
}

// insightStart reads the period from the address. A period the service
// refuses is shown next to the days input, and the page shows no list.
func (c *Console) insightStart(r *http.Request, v *view, tab string) (*insightPage, int, error) {
	if err := needInsights(v); err != nil {
		return nil, 0, err
	}
	p := &insightPage{Tab: tab, Days: strings.TrimSpace(r.URL.Query().Get("days"))}
	days, err := service.ParseDays(p.Days)
	if err != nil {
		p.DaysError = v.lang.errText(errs.As(err))
		return p, 0, nil
	}
	if p.Days == "" {
		p.Days = strconv.Itoa(days)
	}
	return p, days, nil
}

// insightDone renders an insights page, 400 when its period was refused.
func (c *Console) insightDone(w http.ResponseWriter, v *view, page string, p *insightPage) error {
	status := http.StatusOK
	if p.DaysError != "" {
		status = http.StatusBadRequest
	}
	v.Title = v.T("in." + p.Tab + ".title")
	c.render(w, v, status, page, p)
	return nil
}

// listError shows a refused parameter (a cursor, a kind) as the days
// input's error: the page has no other input to put it by.
func listError(v *view, p *insightPage, err error) error {
	if errs.KindOf(err) != errs.Invalid {
		return err
	}
	p.DaysError = v.lang.errText(errs.As(err))
	return nil
}

// nextURL is the list's next page, its other parameters kept.
func nextURL(path string, q url.Values, cursor *string) string {
	if cursor == nil {
		return ""
	}
	next := url.Values{}
	for k, vals := range q {
		if k != "cursor" && len(vals) > 0 {
			next.Set(k, vals[0])
		}
	}
	next.Set("cursor", *cursor)
	return path + "?" + next.Encode()
}

// userUseRow is one user of the unused-permissions list.
type userUseRow struct {
	service.UserUse
	Department, LastActive, URL string
	Roles                       []roleUseRow
	Grants                      []useCount
}

// roleUseRow is one held role with its grants counted by use.
type roleUseRow struct {
	Name        string
	Counts      []useCount
	Since       string
	WholePeriod bool
}

// useCount is how many grants have a use status.
type useCount struct {
	Status, Label string
	N             int
}

// useStates orders the use statuses.
var useStates = []string{service.UseUsed, service.UseUnused, service.UseUnknown, service.UseInert}

func countUses(v *view, statuses []string) []useCount {
	var out []useCount
	for _, s := range useStates {
		n := 0
		for _, x := range statuses {
			if x == s {
				n++
			}
		}
		if n > 0 {
			out = append(out, useCount{Status: s, Label: v.T("in.use." + s), N: n})
		}
	}
	return out
}

// unusedView is the unused-permissions list.
type unusedView struct {
	Users     []userUseRow
	Proposals []proposalRow
	UserID    string
}

func (c *Console) unusedPage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, days, err := c.insightStart(r, v, "unused")
	if err != nil || p.DaysError != "" {
		return orDone(err, func() error { return c.insightDone(w, v, "insights_unused", p) })
	}
	q := r.URL.Query()
	uq := service.UnusedQuery{Days: days}
	if uq.After, err = optionalID("cursor", q.Get("cursor")); err == nil {
		uq.UserID, err = optionalID("user_id", q.Get("user_id"))
	}
	var rep service.UnusedReport
	if err == nil {
		rep, err = c.svc.UnusedPermissions(r.Context(), v.act, uq)
	}
	if err != nil {
		if err := listError(v, p, err); err != nil {
			return err
		}
		return c.insightDone(w, v, "insights_unused", p)
	}
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return err
	}
	uv := &unusedView{UserID: q.Get("user_id")}
	for _, u := range rep.Items {
		uv.Users = append(uv.Users, userUseRowOf(v, d, u))
	}
	for _, x := range rep.Proposals {
		uv.Proposals = append(uv.Proposals, proposalRowOf(v, d, x))
	}
	p.Period, p.Data, p.NextURL = &rep.Period, uv, nextURL("/insights/unused", q, rep.NextCursor)
	return c.insightDone(w, v, "insights_unused", p)
}

// orDone returns err if there is one, else what done returns.
func orDone(err error, done func() error) error {
	if err != nil {
		return err
	}
	return done()
}

// optionalID reads an id parameter; empty is 0.
func optionalID(name, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.Field(name, "invalid_parameter", "%s is not valid here", name)
	}
	return n, nil
}

func userUseRowOf(v *view, d *directory, u service.UserUse) userUseRow {
	row := userUseRow{UserUse: u, Department: d.deptName(u.DepartmentID), LastActive: dateOr(v, u.LastActiveAt)}
	if v.CanAdmin() {
		row.URL = userURL(u.UserID)
	}
	for _, ru := range u.Roles {
		var st []string
		for _, c := range ru.Cells {
			st = append(st, c.Status)
		}
		for _, f := range ru.Functions {
			st = append(st, f.Status)
		}
		row.Roles = append(row.Roles, roleUseRow{Name: ru.RoleName, Counts: countUses(v, st), Since: ru.HeldSince.UTC().Format("2006-01-02"),
			WholePeriod: ru.WholePeriod})
	}
	var gs []string
	for _, g := range u.Grants {
		gs = append(gs, g.Status)
	}
	row.Grants = countUses(v, gs)
	return row
}

// dateOr is a day, or "never".
func dateOr(v *view, t *time.Time) string {
	if t == nil {
		return v.T("in.never")
	}
	return t.UTC().Format("2006-01-02")
}

// dormantRow is one dormant account.
type dormantRow struct {
	service.DormantAccount
	Department, LastLogin, LastActive, URL, Roles string
}

func (c *Console) dormantPage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, days, err := c.insightStart(r, v, "dormant")
	if err != nil || p.DaysError != "" {
		return orDone(err, func() error { return c.insightDone(w, v, "insights_dormant", p) })
	}
	q := r.URL.Query()
	after, err := optionalID("cursor", q.Get("cursor"))
	var rep service.DormantReport
	if err == nil {
		rep, err = c.svc.DormantAccounts(r.Context(), v.act, days, after, 0)
	}
	if err != nil {
		if err := listError(v, p, err); err != nil {
			return err
		}
		return c.insightDone(w, v, "insights_dormant", p)
	}
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return err
	}
	var rows []dormantRow
	for _, x := range rep.Items {
		row := dormantRow{DormantAccount: x, Department: d.deptName(x.DepartmentID), LastLogin: dateOr(v, x.LastLoginAt),
			LastActive: dateOr(v, x.LastActiveAt)}
		var roles []string
		for _, k := range x.Roles {
			roles = append(roles, d.roleName(k))
		}
		row.Roles = strings.Join(roles, ", ")
		if v.CanAdmin() {
			row.URL = userURL(x.UserID)
		}
		rows = append(rows, row)
	}
	p.Period, p.Data, p.NextURL = &rep.Period, rows, nextURL("/insights/dormant", q, rep.NextCursor)
	if v.CanRunReviews() && len(rows) > 0 {
		p.ReviewURL = "/reviews/new?" + url.Values{"dormant_days": {strconv.Itoa(days)}}.Encode()
	}
	return c.insightDone(w, v, "insights_dormant", p)
}

// staleRow is one grant without expiry.
type staleRow struct {
	service.StaleGrantItem
	KindText, Who, WhoURL, What, WhatURL, Level, By, Given string
}

// staleView is the stale-grants list with its kind filter.
type staleView struct {
	Kind  string
	Kinds []option
	Rows  []staleRow
}

func (c *Console) stalePage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, days, err := c.insightStart(r, v, "stale")
	q := r.URL.Query()
	sv := &staleView{Kind: q.Get("kind"), Kinds: []option{{Value: "", Label: v.T("rv.filter.any")}}}
	for _, k := range reviewKinds {
		sv.Kinds = append(sv.Kinds, option{Value: k, Label: v.T("rv.kind." + k)})
	}
	if p != nil {
		p.Data = sv
	}
	if err != nil || p.DaysError != "" {
		return orDone(err, func() error { return c.insightDone(w, v, "insights_stale", p) })
	}
	rep, err := c.svc.StaleGrants(r.Context(), v.act, service.StaleQuery{Days: days, Kind: sv.Kind, Cursor: q.Get("cursor")})
	if err != nil {
		if err := listError(v, p, err); err != nil {
			return err
		}
		return c.insightDone(w, v, "insights_stale", p)
	}
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return err
	}
	for _, g := range rep.Items {
		sv.Rows = append(sv.Rows, staleRowOf(v, d, g))
	}
	p.Period, p.NextURL = &rep.Period, nextURL("/insights/stale", q, rep.NextCursor)
	if v.CanRunReviews() && len(sv.Rows) > 0 {
		rq := url.Values{"stale_days": {strconv.Itoa(days)}, "all": {"1"}}
		if sv.Kind != "" {
			rq.Set("kind", sv.Kind)
		}
		p.ReviewURL = "/reviews/new?" + rq.Encode()
	}
	return c.insightDone(w, v, "insights_stale", p)
}

func staleRowOf(v *view, d *directory, g service.StaleGrantItem) staleRow {
	row := staleRow{StaleGrantItem: g, KindText: v.T("rv.kind." + g.Kind), Given: g.CreatedAt.UTC().Format("2006-01-02"), By: "—"}
	switch {
	case g.UserID != nil:
		row.Who = d.userName(*g.UserID)
		if v.CanAdmin() {
			row.WhoURL = userURL(*g.UserID)
		}
	case g.Principal != nil:
		row.Who = d.principal(v, *g.Principal)
	}
	if g.Role != "" {
		row.What = d.roleName(g.Role)
	}
	if g.CustomerID != nil {
		row.What, row.WhatURL = customerRef(*g.CustomerID)
	}
	if g.Level != "" {
		row.Level = v.T("level." + string(g.Level))
	}
	if g.GrantedBy != nil {
		row.By = d.userName(*g.GrantedBy)
	}
	return row
}

// roleSummaryRow is one role of the analysis.
type roleSummaryRow struct {
	service.RoleSummary
	Cells, Functions []useCount
}

// rolesView is the role analysis.
type rolesView struct {
	Roles     []roleSummaryRow
	Identical []string
	Subsets   []string
	Empty     string
	Proposals []proposalRow
}

func (c *Console) rolesPage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, days, err := c.insightStart(r, v, "roles")
	if err != nil || p.DaysError != "" {
		return orDone(err, func() error { return c.insightDone(w, v, "insights_roles", p) })
	}
	rep, err := c.svc.AnalyseRoles(r.Context(), v.act, days)
	if err != nil {
		return err
	}
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return err
	}
	rv := &rolesView{}
	for _, x := range rep.Roles {
		var cells, fns []string
		for _, c := range x.Cells {
			cells = append(cells, c.Status)
		}
		for _, f := range x.Functions {
			fns = append(fns, f.Status)
		}
		rv.Roles = append(rv.Roles, roleSummaryRow{RoleSummary: x, Cells: countUses(v, cells), Functions: countUses(v, fns)})
	}
	names := func(keys []string) string {
		var out []string
		for _, k := range keys {
			out = append(out, d.roleName(k))
		}
		return strings.Join(out, ", ")
	}
	for _, g := range rep.Identical {
		rv.Identical = append(rv.Identical, names(g))
	}
	for _, s := range rep.Subsets {
		rv.Subsets = append(rv.Subsets, v.Tf("in.roles.within", d.roleName(s.Role), names(s.Within)))
	}
	rv.Empty = names(rep.Empty)
	for _, x := range rep.Proposals {
		rv.Proposals = append(rv.Proposals, proposalRowOf(v, d, x))
	}
	p.Period, p.Data = &rep.Period, rv
	return c.insightDone(w, v, "insights_roles", p)
}
