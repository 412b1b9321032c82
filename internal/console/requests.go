package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
)

// The My access page shows every user what was given to them besides
// their roles' own reach (role assignments, team memberships, shares),
// until when, and their access requests with what became of them, with
// two forms to ask: for a role, or for a customer by its number. The
// requests-to-decide page lists what the user may approve or refuse.
// Everything is one service call each (MyGrants, AccessRequests,
// RequestAccess, DecideAccessRequest, CancelAccessRequest), the calls the
// API makes; the service decides who may see and decide what.
//
// A customer page the user cannot open offers to ask for access. It does
// so for any number, whether a customer has it or not, so the offer tells
// nothing about existence: service.RequestAccess treats both alike.

func (c *Console) requestRoutes(mux *http.ServeMux) {
	mux.Handle("GET /access", c.private(c.myAccess))
	mux.Handle("POST /access/requests", c.private(c.createAccessRequest))
	mux.Handle("POST /access/requests/{id}/cancel", c.private(c.cancelAccessRequest))
	mux.Handle("GET /access/decide", c.private(c.decidePage))
	mux.Handle("POST /access/requests/{id}/approve", c.private(c.approveAccessRequest))
	mux.Handle("POST /access/requests/{id}/refuse", c.private(c.refuseAccessRequest))
	mux.Handle("GET /customers/{id}/request-access", c.private(c.requestCustomerAccess))
}

// requestDurations are the durations the forms offer (the API takes any
// whole number of hours or days from 1h to 90d).
var requestDurations = []string{"8h", "1d", "3d", "7d", "14d", "30d", "90d"}

// grantFilters are the expiry filters the grants offer.
var grantFilters = []string{"", "7d", "30d"}

// accessDone are the notices a redirect to either page may ask for.
var accessDone = []string{"requested", "cancelled", "approved", "refused"}

// myAccessPage is what the myaccess template shows.
type myAccessPage struct {
	Done, Error string
	Filter      string
	Filters     []option
	Roles       []heldRoleRow
	Customers   []heldCustomerRow
	Truncated   bool
	Requests    []requestRow
	ToDecide    int
	// ReviewsPending counts the access-review items waiting for the user.
	ReviewsPending int
	CustomerForm   form
	RoleForm       form
}

type heldRoleRow struct {
	Name, Reason, By, Expires string
}

type heldCustomerRow struct {
	ID                                    int64
	Name, Level, Through, Reason, Expires string
}

// requestRow is one access request as either page shows it.
type requestRow struct {
	service.AccessRequest
	Asked, AskedURL, LevelText, State string
	DecidedByName, GrantUntil         string
	Requester, Lapses, Typed, Error   string
}

func (c *Console) myAccess(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.loadMyAccess(r, v, nil)
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("done"); slices.Contains(accessDone, d) {
		p.Done = v.T("done.access." + d)
	}
	c.render(w, v, http.StatusOK, "myaccess", p)
	return nil
}

// requestCustomerAccess is the My access page with the customer form
// filled in with the number from the address. It reads nothing about the
// customer, so it answers the same for every number.
func (c *Console) requestCustomerAccess(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotVisible("customer")
	}
	p, err := c.loadMyAccess(r, v, map[string]string{"kind": "customer", "customer_id": strconv.FormatInt(id, 10)})
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "myaccess", p)
	return nil
}

// loadMyAccess reads the user's grants and requests and fills the forms,
// the one vals["kind"] names with vals.
func (c *Console) loadMyAccess(r *http.Request, v *view, vals map[string]string) (*myAccessPage, error) {
	ctx := r.Context()
	v.Title = v.T("access.title")
	p := &myAccessPage{Filter: r.URL.Query().Get("expiring")}
	if !slices.Contains(grantFilters, p.Filter) {
		p.Filter = ""
	}
	for _, f := range grantFilters {
		label := v.T("access.filter.all")
		if f != "" {
			label = v.T("access.filter." + f)
		}
		p.Filters = append(p.Filters, option{Value: f, Label: label})
	}
	q := service.MyGrantsQuery{}
	if p.Filter != "" {
		q.ExpiringWithin, _ = service.ParseExpiringWithin(p.Filter)
	}
	g, err := c.svc.MyGrants(ctx, v.act, q)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	p.Truncated = g.Truncated
	for _, h := range g.Roles {
		p.Roles = append(p.Roles, heldRoleRow{Name: h.RoleName, Reason: h.Reason, By: c.grantedBy(r, v, h.GrantedBy, names), Expires: until(v, h.ExpiresAt)})
	}
	for _, h := range g.Customers {
		p.Customers = append(p.Customers, heldCustomerRow{ID: h.CustomerID, Name: h.CustomerName, Level: v.T("level." + string(h.Level)),
			Through: through(v, h), Reason: h.Reason, Expires: until(v, h.ExpiresAt)})
	}
	mine, err := c.svc.AccessRequests(ctx, v.act, service.AccessRequestList{Mine: true})
	if err != nil {
		return nil, err
	}
	for _, x := range mine {
		p.Requests = append(p.Requests, c.requestRow(r, v, x, names))
	}
	waiting, err := c.svc.AccessRequests(ctx, v.act, service.AccessRequestList{ToDecide: true})
	if err != nil {
		return nil, err
	}
	p.ToDecide = len(waiting)
	reviews, err := c.pendingReviews(r, v)
	if err != nil {
		return nil, err
	}
	for _, x := range reviews {
		p.ReviewsPending += x.Pending
	}
	roles, err := c.svc.RequestableRoles(ctx, v.act)
	if err != nil {
		return nil, err
	}
	cv, rv := vals, vals
	if vals["kind"] == "role" {
		cv = nil
	} else {
		rv = nil
	}
	p.CustomerForm, p.RoleForm = customerAskForm(v, cv), roleAskForm(v, roles, rv)
	return p, nil
}

// until is an expiry to the minute, or "never".
func until(v *view, t *time.Time) string {
	if t == nil {
		return v.T("grant.never")
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// through says how a customer grant reaches the user.
func through(v *view, h service.HeldCustomer) string {
	switch {
	case h.Source == "team":
		return v.T("access.through.team")
	case h.Through.Type == "user":
		return v.T("access.through.you")
	}
	s := v.T("principal."+h.Through.Type) + " " + h.Through.Name
	if h.Through.IncludeSubDept {
		s += " " + v.T("principal.andbelow")
	}
	return s
}

func (c *Console) grantedBy(r *http.Request, v *view, id *int64, names map[int64]string) string {
	if id == nil {
		return "—"
	}
	return c.cachedName(r, v, *id, names)
}

func (c *Console) cachedName(r *http.Request, v *view, id int64, names map[int64]string) string {
	if _, ok := names[id]; !ok {
		names[id] = c.userName(r, v, id)
	}
	return names[id]
}

// requestRow describes a request for either page.
func (c *Console) requestRow(r *http.Request, v *view, x service.AccessRequest, names map[int64]string) requestRow {
	row := requestRow{AccessRequest: x, State: v.T("requeststatus." + x.Status), Requester: c.cachedName(r, v, x.RequesterID, names)}
	switch {
	case x.Kind == "role":
		row.Asked = x.RoleName
		if row.Asked == "" {
			row.Asked = x.Role
		}
	case x.CustomerName != "":
		row.Asked, row.AskedURL = x.CustomerName, "/customers/"+strconv.FormatInt(*x.CustomerID, 10)
	default:
		row.Asked = v.Tf("access.customer.number", *x.CustomerID)
	}
	if x.Level != "" {
		row.LevelText = v.T("level." + string(x.Level))
	}
	if x.DecidedBy != nil && x.Status != "cancelled" {
		row.DecidedByName = c.cachedName(r, v, *x.DecidedBy, names)
	}
	if x.GrantExpiresAt != nil {
		row.GrantUntil = until(v, x.GrantExpiresAt)
	}
	if x.LapsesAt != nil {
		row.Lapses = until(v, x.LapsesAt)
	}
	return row
}

// durationField offers the durations, 7 days unless another was chosen.
func durationField(v *view, val string) field {
	if val == "" {
		val = "7d"
	}
	f := field{Name: "duration", Label: v.T("access.f.duration"), Kind: "select", Value: val, Required: true}
	for _, d := range requestDurations {
		f.Options = append(f.Options, option{Value: d, Label: v.T("dur." + d)})
	}
	return f
}

func reasonField(v *view, val string) field {
	return field{Name: "reason", Label: v.T("access.f.reason"), Kind: "text", Value: val, Required: true, Max: 500, Hint: v.T("access.f.reason.hint")}
}

func customerAskForm(v *view, vals map[string]string) form {
	level := field{Name: "level", Label: v.T("access.f.level"), Kind: "select", Value: vals["level"], Required: true,
		Options: []option{{Value: "read", Label: v.T("level.read")}, {Value: "edit", Label: v.T("level.edit")}}}
	return form{Action: "/access/requests", Submit: v.T("access.submit"), Prefix: "cust-", Hidden: []hidden{{Name: "kind", Value: "customer"}},
		Fields: []field{{Name: "customer_id", Label: v.T("access.f.customer_id"), Kind: "number", Value: vals["customer_id"], Required: true, Step: "1"},
			level, durationField(v, vals["duration"]), reasonField(v, vals["reason"])}}
}

func roleAskForm(v *view, roles []service.RequestableRole, vals map[string]string) form {
	role := field{Name: "role", Label: v.T("access.f.role"), Kind: "select", Value: vals["role"], Required: true}
	for _, x := range roles {
		role.Options = append(role.Options, option{Value: x.Key, Label: x.Name})
	}
	return form{Action: "/access/requests", Submit: v.T("access.submit"), Prefix: "role-", Hidden: []hidden{{Name: "kind", Value: "role"}},
		Fields: []field{role, durationField(v, vals["duration"]), reasonField(v, vals["reason"])}}
}

// createAccessRequest sends the form's request; what the service refuses
// is shown next to its field, the values kept.
func (c *Console) createAccessRequest(w http.ResponseWriter, r *http.Request, v *view) error {
	vals := map[string]string{}
	for _, k := range []string{"kind", "role", "customer_id", "level", "duration", "reason"} {
		vals[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	in := service.AccessRequestInput{Kind: vals["kind"], Reason: vals["reason"], Duration: vals["duration"]}
	if in.Kind == "role" {
		in.Role = vals["role"]
	} else {
		in.CustomerID, _ = strconv.ParseInt(vals["customer_id"], 10, 64)
		in.Level = access.Level(vals["level"])
	}
	_, err := c.svc.RequestAccess(r.Context(), v.act, in)
	if err == nil {
		http.Redirect(w, r, "/access?done=requested", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.loadMyAccess(r, v, vals)
	if lerr != nil {
		return lerr
	}
	if vals["kind"] == "role" {
		p.RoleForm.place(fe)
	} else {
		p.CustomerForm.place(fe)
	}
	c.render(w, v, status, "myaccess", p)
	return nil
}

func (c *Console) cancelAccessRequest(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := requestID(r)
	if err != nil {
		return err
	}
	_, err = c.svc.CancelAccessRequest(r.Context(), v.act, id)
	if err == nil {
		http.Redirect(w, r, "/access?done=cancelled", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.loadMyAccess(r, v, nil)
	if lerr != nil {
		return lerr
	}
	p.Error = fe.Message
	c.render(w, v, status, "myaccess", p)
	return nil
}

func requestID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotVisible("access request")
	}
	return id, nil
}

// customerNotFound is the not-found page of a customer, with the offer to
// ask for access to its number. Missing and hidden customers get the same
// page, as the service answers them alike; the offer depends on the
// number in the address alone.
func (c *Console) customerNotFound(w http.ResponseWriter, r *http.Request, v *view, id int64, err error) error {
	if r.Method != http.MethodGet {
		return err
	}
	p := errorPage{Status: http.StatusNotFound, Title: v.T("error.notfound"), Message: v.T("error.notfound.text"),
		RequestAccess: "/customers/" + strconv.FormatInt(id, 10) + "/request-access"}
	v.Title = p.Title
	c.render(w, v, http.StatusNotFound, "error", p)
	return nil
}
