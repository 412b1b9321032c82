package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
)

// A lifecycle report is drawn the same way on a preview and on the stored
// report's page (the "lcreport" template in part_lifecycle.html): the
// service answers one document for both, and the console names its ids.
// Customer names come from the service, which leaves out those the reader
// may not see; those are shown by number.

// reportView is a lifecycle report as the pages show it.
type reportView struct {
	ID            int64
	Kind          string // move, offboard
	Preview       bool
	Who, WhoURL   string
	At            time.Time
	By            string
	CSVURL        string
	Facts         []factRow
	Records       string // move: what happened to the customers
	Handovers     []handoverRow
	Changes       []changeRow
	Orphaned      []orphanRow
	OrphanedTotal int
	Off           *offboardView
}

// factRow is one of the user's facts before and after.
type factRow struct {
	Label, Before, After string
	Changed              bool
}

// handoverRow is the customers that went to one successor or pool.
type handoverRow struct {
	To, ToURL string
	Counts    []countCell
}

// countCell is a number of records of one object.
type countCell struct {
	Label string
	N     int64
}

// changeRow is how one person's access changes.
type changeRow struct {
	UserID                   int64
	Name, URL                string
	Relations                []string
	Gained, Lost             []countCell
	GainedSample, LostSample []sampleRef
}

// sampleRef is one example customer: a link by name where the reader may
// see it, its number otherwise.
type sampleRef struct{ Label, URL string }

// orphanRow is a grant the user gave that someone should review.
type orphanRow struct {
	Kind, Customer, CustomerURL, Principal, Level, Expires string
}

// offboardView is what an offboarding did besides handing customers over.
type offboardView struct {
	Reason                            string
	CustomersBefore                   int64
	Removed                           []removedTable // team memberships, then shares
	ReportsMoved                      []string
	ReportsTo                         string
	RefusedExports, CancelledRequests []int64
	RolesKept                         string
}

// removedTable lists the leaver's team memberships or shares, removed.
type removedTable struct {
	ID, Title string
	Rows      []removedRow
}

// removedRow is a team membership or share of the leaver's, removed.
type removedRow struct {
	Customer, CustomerURL, Level, Reason, Expires string
}

func reportURL(id int64) string { return "/admin/lifecycle-reports/" + strconv.FormatInt(id, 10) }

func userURL(id int64) string { return "/admin/users/" + strconv.FormatInt(id, 10) }

func customerRef(id int64) (string, string) {
	return "#" + strconv.FormatInt(id, 10), "/customers/" + strconv.FormatInt(id, 10)
}

// reportView names a report's people, departments, pools and roles.
func (c *Console) reportView(r *http.Request, v *view, d *directory, rep service.LifecycleReport) (*reportView, error) {
	cache := map[int64]string{}
	name := func(id int64) string {
		if u, ok := d.users[id]; ok {
			return u.Name
		}
		return c.cachedName(r, v, id, cache)
	}
	rv := &reportView{ID: rep.ID, Kind: rep.Kind, Preview: rep.Preview, Who: name(rep.UserID), WhoURL: userURL(rep.UserID),
		At: rep.At, By: name(rep.ActorID), Facts: factRows(v, d, name, rep.Before, rep.After), OrphanedTotal: rep.OrphanedTotal}
	if rep.ID != 0 {
		rv.CSVURL = reportURL(rep.ID) + "/csv"
	}
	if rep.Records != "" {
		rv.Records = v.T("lc.records." + rep.Records)
	}
	pools, err := c.poolNames(r, v, rep.Handovers)
	if err != nil {
		return nil, err
	}
	for _, h := range rep.Handovers {
		row := handoverRow{Counts: countCells(v, h.Counts)}
		switch {
		case h.SuccessorID != nil:
			row.To, row.ToURL = name(*h.SuccessorID), userURL(*h.SuccessorID)
		case h.PoolID != nil:
			row.To, row.ToURL = v.Tf("lc.pool", pools[*h.PoolID]), "/pools/"+strconv.FormatInt(*h.PoolID, 10)
		}
		rv.Handovers = append(rv.Handovers, row)
	}
	for _, ch := range rep.AccessChanges {
		rv.Changes = append(rv.Changes, changeRowOf(v, ch))
	}
	for _, g := range rep.OrphanedGrants {
		row := orphanRow{Kind: v.T("lc.grant." + g.Kind), Principal: d.principal(v, g.Principal), Level: v.T("level." + string(g.Level)),
			Expires: until(v, g.ExpiresAt)}
		row.Customer, row.CustomerURL = customerRef(g.CustomerID)
		rv.Orphaned = append(rv.Orphaned, row)
	}
	if o := rep.Offboarding; o != nil {
		rv.Off = offboardViewOf(v, d, name, o)
	}
	return rv, nil
}

// factRows are the department, manager and status, before and after.
func factRows(v *view, d *directory, name func(int64) string, before, after service.UserFacts) []factRow {
	manager := func(id *int64) string {
		if id == nil {
			return v.T("lc.f.no_manager")
		}
		return name(*id)
	}
	rows := []factRow{
		{Label: v.T("admin.department"), Before: d.deptName(before.DepartmentID), After: d.deptName(after.DepartmentID)},
		{Label: v.T("admin.manager"), Before: manager(before.ManagerID), After: manager(after.ManagerID)},
		{Label: v.T("admin.status"), Before: v.Val(before.Status), After: v.Val(after.Status)},
	}
	for i := range rows {
		rows[i].Changed = rows[i].Before != rows[i].After
	}
	return rows
}

// poolNames names the pools customers went back to, as far as the reader
// may see them.
func (c *Console) poolNames(r *http.Request, v *view, hs []service.Handover) (map[int64]string, error) {
	out := map[int64]string{}
	for _, h := range hs {
		if h.PoolID != nil {
			out[*h.PoolID] = "#" + strconv.FormatInt(*h.PoolID, 10)
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	pools, err := c.svc.Pools(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	for _, p := range pools {
		if _, ok := out[p.ID]; ok {
			out[p.ID] = p.Name
		}
	}
	return out, nil
}

// countCells lists the objects with records counted, in the matrix's order.
func countCells(v *view, n service.ObjectCounts) []countCell {
	var out []countCell
	for _, x := range []struct {
		key string
		n   int64
	}{{"customers", n.Customers}, {"contacts", n.Contacts}, {"deals", n.Deals}, {"activities", n.Activities}} {
		if x.n != 0 {
			out = append(out, countCell{Label: v.T("lc.obj." + x.key), N: x.n})
		}
	}
	return out
}

func changeRowOf(v *view, ch service.AccessChange) changeRow {
	row := changeRow{UserID: ch.UserID, Name: ch.Name, URL: userURL(ch.UserID), Gained: countCells(v, ch.Gained), Lost: countCells(v, ch.Lost)}
	for _, rel := range ch.Relations {
		row.Relations = append(row.Relations, v.T("lc.rel."+rel))
	}
	row.GainedSample, row.LostSample = samples(ch.GainedSample), samples(ch.LostSample)
	return row
}

func samples(refs []service.CustomerRef) []sampleRef {
	var out []sampleRef
	for _, ref := range refs {
		s := sampleRef{Label: ref.Name}
		if ref.Name == "" {
			s.Label, _ = customerRef(ref.ID)
		} else {
			_, s.URL = customerRef(ref.ID)
		}
		out = append(out, s)
	}
	return out
}

func offboardViewOf(v *view, d *directory, name func(int64) string, o *service.OffboardOutcome) *offboardView {
	out := &offboardView{Reason: o.Reason, CustomersBefore: o.CustomersBefore, RefusedExports: o.RefusedExports,
		CancelledRequests: o.CancelledRequests, ReportsTo: v.T("lc.f.no_manager")}
	if o.ReportsTo != nil {
		out.ReportsTo = name(*o.ReportsTo)
	}
	removed := func(gs []store.Grant) []removedRow {
		var rows []removedRow
		for _, g := range gs {
			row := removedRow{Level: v.T("level." + string(g.Level)), Reason: g.Reason, Expires: until(v, g.ExpiresAt)}
			row.Customer, row.CustomerURL = customerRef(g.CustomerID)
			rows = append(rows, row)
		}
		return rows
	}
	out.Removed = []removedTable{{ID: "removed-team", Title: "lc.off.team", Rows: removed(o.RemovedTeam)},
		{ID: "removed-shares", Title: "lc.off.shares", Rows: removed(o.RemovedShares)}}
	for _, id := range o.ReportsMoved {
		out.ReportsMoved = append(out.ReportsMoved, name(id))
	}
	var roles []string
	for _, k := range o.RolesKept {
		roles = append(roles, d.roleName(k))
	}
	out.RolesKept = strings.Join(roles, ", ")
	return out
}

// storedReportPage is what the lifecycle_report template shows.
type storedReportPage struct {
	Done   string
	Report *reportView
}

func reportID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotVisible("lifecycle report")
	}
	return id, nil
}

// lifecycleReport shows a stored report. The service lets holders of
// manage_users or view_audit read it, and refuses anyone else.
func (c *Console) lifecycleReport(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := reportID(r)
	if err != nil {
		return err
	}
	rep, err := c.svc.LifecycleReportByID(r.Context(), v.act, id)
	if err != nil {
		return err
	}
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return err
	}
	p := &storedReportPage{}
	if p.Report, err = c.reportView(r, v, d, rep); err != nil {
		return err
	}
	if done := r.URL.Query().Get("done"); done == rep.Kind {
		p.Done = v.Tf("done.lc."+done, rep.ID)
	}
	v.Title = v.Tf("lc.report.title", v.T("lc.kind."+rep.Kind), p.Report.Who)
	c.render(w, v, http.StatusOK, "lifecycle_report", p)
	return nil
}

// lifecycleReportCSV answers the report as a file. The service writes it
// with the export machinery (watermark, an audit entry with its SHA-256),
// so a request another site starts is refused, as an export download is:
// a link elsewhere must not write files in someone's name.
func (c *Console) lifecycleReportCSV(w http.ResponseWriter, r *http.Request, v *view) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errCSRF
	}
	id, err := reportID(r)
	if err != nil {
		return err
	}
	data, name, err := c.svc.LifecycleReportCSV(r.Context(), v.act, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(data)
	return nil
}

// userLifecycle is what a user's page offers about moves and offboardings.
type userLifecycle struct {
	// MoveURL and OffboardURL are empty on one's own page: the service
	// refuses to move or offboard oneself.
	MoveURL, OffboardURL string
	Reports              []lifecycleRow
}

// lifecycleRow is one stored report on the user's page.
type lifecycleRow struct {
	ID          int64
	Kind, By    string
	At          time.Time
	URL, CSVURL string
}

func (c *Console) userLifecycle(r *http.Request, v *view, d *directory, u org.User) (userLifecycle, error) {
	var out userLifecycle
	if u.ID != v.act.UserID {
		out.MoveURL, out.OffboardURL = userURL(u.ID)+"/move", userURL(u.ID)+"/offboard"
	}
	reps, err := c.svc.LifecycleReports(r.Context(), v.act, u.ID)
	if err != nil {
		return out, err
	}
	for _, x := range reps {
		row := lifecycleRow{ID: x.ID, Kind: v.T("lc.kind." + x.Kind), At: x.CreatedAt, URL: reportURL(x.ID), CSVURL: reportURL(x.ID) + "/csv", By: "—"}
		if x.ActorID != nil {
			row.By = d.userName(*x.ActorID)
		}
		out.Reports = append(out.Reports, row)
	}
	return out, nil
}
