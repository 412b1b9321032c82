package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// The exports page lists the user's own exports with their progress and a
// download button once the file is ready, and, for holders of
// approve_exports, the exports waiting for a decision. Approving and
// refusing go through service.DecideExport, which refuses an approver their
// own export; the page therefore offers no buttons on those. Downloads go
// through service.DownloadExport, which counts and audits each one.

// exportRefresh is how often, in seconds, the page reloads while one of
// the user's exports is queued or running.
const exportRefresh = 3

// exportsPage is what the exports template shows.
type exportsPage struct {
	Done     string
	Mine     []exportRow
	ShowMine bool // the user may export, or has exported before
	Approver bool
	Pending  []exportRow
	Volumes  *volumeChart // everyone's exports per day, for approvers
	Error    string       // a refused approval or refusal
}

// exportRow is one export as the page shows it.
type exportRow struct {
	store.Export
	State        string // the status, translated
	Percent      int
	ShortSHA     string
	Left         int // downloads left
	Downloadable bool
	Expired      bool
	Filter       string
	Columns      string
	Problem      string // why it failed, translated
	Requester    string
	Own          bool   // the approver's own request: another approver decides
	Typed        string // the reason typed into a refused decision, kept
	DecideError  string // the refusal of a decision on this row
}

// exportsDone are the notices a redirect to the page may ask for.
var exportsDone = []string{"queued", "pending", "approved", "refused"}

func (c *Console) exportList(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.exportsPage(r, v)
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("done"); slices.Contains(exportsDone, d) {
		p.Done = v.T("done.export." + d)
	}
	c.render(w, v, http.StatusOK, "exports", p)
	return nil
}

// exportsPage reads the user's exports and, for approvers, those waiting.
func (c *Console) exportsPage(r *http.Request, v *view) (*exportsPage, error) {
	if !v.CanExports() {
		return nil, errs.E(errs.Forbidden, "forbidden", "no role of yours may export customers or approve exports")
	}
	v.Title = v.T("exports.title")
	mine, err := c.svc.Exports(r.Context(), v.act, false, "")
	if err != nil {
		return nil, err
	}
	p := &exportsPage{Approver: v.can(access.ApproveExports)}
	p.ShowMine = len(mine) > 0 || v.act.Subject.Holds(access.Customer, access.Export)
	names := map[int64]string{}
	for _, e := range mine {
		row := c.exportRow(r, v, e, names)
		if e.Status == store.ExportQueued || e.Status == store.ExportRunning {
			v.Refresh, v.RefreshURL = exportRefresh, "/exports"
		}
		p.Mine = append(p.Mine, row)
	}
	if !p.Approver {
		return p, nil
	}
	pending, err := c.svc.Exports(r.Context(), v.act, true, store.ExportPending)
	if err != nil {
		return nil, err
	}
	for _, e := range pending {
		p.Pending = append(p.Pending, c.exportRow(r, v, e, names))
	}
	p.Volumes, err = c.volumeChart(r, v)
	return p, err
}

// exportRow describes an export for the page; names caches the
// requesters' names across rows.
func (c *Console) exportRow(r *http.Request, v *view, e store.Export, names map[int64]string) exportRow {
	row := exportRow{Export: e, State: v.T("exportstatus." + e.Status), Own: e.UserID == v.act.UserID,
		Filter: filterText(v, e.Filter), Columns: columnsText(v, e.Fields)}
	if e.RowsTotal > 0 {
		row.Percent = int(min(100, e.RowsWritten*100/e.RowsTotal))
	}
	if len(e.SHA256) > 12 {
		row.ShortSHA = e.SHA256[:12] + "…"
	}
	row.Left = max(0, e.MaxDownloads-e.Downloads)
	row.Expired = e.Status == store.ExportExpired || e.ExpiresAt != nil && !c.svc.Now().Before(*e.ExpiresAt)
	row.Downloadable = row.Own && e.Status == store.ExportDone && !row.Expired && row.Left > 0
	if row.Expired && e.Status == store.ExportDone {
		row.State = v.T("exportstatus.expired")
	}
	if e.Error != "" {
		row.Problem = e.Error
		if _, ok := messages["exportfail."+e.Error]; ok {
			row.Problem = v.T("exportfail." + e.Error)
		}
	}
	if _, ok := names[e.UserID]; !ok {
		names[e.UserID] = c.userName(r, v, e.UserID)
	}
	row.Requester = names[e.UserID]
	return row
}

// userName names a user through the directory, open to every member.
func (c *Console) userName(r *http.Request, v *view, id int64) string {
	if u, err := c.svc.User(r.Context(), v.act, id); err == nil {
		return u.Name
	}
	return "#" + strconv.FormatInt(id, 10)
}

// filterText states an export's filter in words; no filter reads "all".
func filterText(v *view, f map[string]string) string {
	var parts []string
	for _, row := range filterRows(v, f) {
		parts = append(parts, row.Label+": "+row.Value)
	}
	if len(parts) == 0 {
		return v.T("export.filter.none")
	}
	return strings.Join(parts, " · ")
}

// filterRows are the filters of an export, labelled as the list labels them.
func filterRows(v *view, f map[string]string) []filterRow {
	var out []filterRow
	for _, k := range append(slices.Clone(exportFilters), "owner_id") {
		val, ok := f[k]
		switch {
		case !ok:
			continue
		case k == "q":
			out = append(out, filterRow{Label: v.T("customers.search"), Value: val})
		case k == "source":
			out = append(out, filterRow{Label: v.Label(access.Customer, k), Value: v.Val(val)})
		case k == "owner_id":
			out = append(out, filterRow{Label: v.T("field.owner"), Value: "#" + val})
		default:
			out = append(out, filterRow{Label: v.Label(access.Customer, k), Value: val})
		}
	}
	return out
}

// columnsText names an export's fields by their labels.
func columnsText(v *view, names []string) string {
	labels := make([]string, 0, len(names))
	for _, n := range names {
		labels = append(labels, v.Label(access.Customer, strings.TrimPrefix(n, "custom.")))
	}
	return strings.Join(labels, ", ")
}

func (c *Console) approveExport(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.decideExport(w, r, v, true)
}

func (c *Console) refuseExport(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.decideExport(w, r, v, false)
}

// decideExport approves or refuses; a refusal of the decision (one's own
// export, a refusal without a reason, an export decided meanwhile) is
// shown on the page, on the export's row.
func (c *Console) decideExport(w http.ResponseWriter, r *http.Request, v *view, approve bool) error {
	id, err := exportID(r)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	_, err = c.svc.DecideExport(r.Context(), v.act, id, approve, reason)
	if err == nil {
		done := "approved"
		if !approve {
			done = "refused"
		}
		http.Redirect(w, r, "/exports?done="+done, http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.exportsPage(r, v)
	if lerr != nil {
		return lerr
	}
	p.Error = fe.Message
	for i := range p.Pending {
		if p.Pending[i].ID == id {
			p.Pending[i].DecideError, p.Pending[i].Typed = fe.Message, reason
		}
	}
	c.render(w, v, status, "exports", p)
	return nil
}

// download streams a finished export to its requester. The service spends
// one of the export's downloads, so a request another site starts is
// refused: a link elsewhere must not use up someone's downloads.
func (c *Console) download(w http.ResponseWriter, r *http.Request, v *view) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errCSRF
	}
	id, err := exportID(r)
	if err != nil {
		return err
	}
	e, write, err := c.svc.DownloadExport(r.Context(), v.act, id)
	if err != nil {
		return err
	}
	ct := "text/csv; charset=utf-8"
	if e.Format == "xlsx" {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	// A large file takes longer than the server's two-minute write timeout
	// over a slow line.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(30 * time.Minute))
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="customers-exp_`+strconv.FormatInt(e.ID, 10)+"."+e.Format+`"`)
	w.WriteHeader(http.StatusOK)
	if err := write(w); err != nil {
		// The status is sent; all that is left is to cut the body short,
		// so the browser reports a failed download, not a short file.
		c.log.Error("console: export download cut short", "export_id", e.ID, "request_id", w.Header().Get("X-Request-Id"), "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

func exportID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotVisible("export")
	}
	return id, nil
}
