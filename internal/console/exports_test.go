package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/fields"
	"steward/internal/service"
	"steward/internal/store"
)

// exportIDRE reads an export's id from its row on the exports page.
var exportIDRE = regexp.MustCompile(`data-export="(\d+)"`)

// exportSettings changes the tenant's export controls as the administrator.
func (s *site) exportSettings(t testing.TB, change func(*store.ExportSettings)) {
	t.Helper()
	admin := s.actor(t, "admin@demo.example")
	st, err := s.svc.ExportSettings(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	change(&st)
	if _, err := s.svc.SaveExportSettings(context.Background(), admin, st); err != nil {
		t.Fatal(err)
	}
}

// requestExport posts the export form with the filter and fields given,
// as the signed-in user, and returns the response.
func (c *client) requestExport(filter url.Values, fields ...string) (*http.Response, string) {
	c.t.Helper()
	_, body := c.get("/customers/export?" + filter.Encode())
	form := url.Values{"csrf": {csrf(c.t, body)}, "format": {"csv"}, "reason": {"Quarterly review"}, "fields": fields}
	for k := range filter {
		form.Set("filter."+k, filter.Get(k))
	}
	return c.post("/customers/export", form)
}

// A rep, whose role may neither export nor import, is offered neither and
// is refused both pages when typing them in.
func TestExportAndImportNeedTheRight(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.signIn("east.rep1@demo.example")
	_, body := c.get("/customers")
	for _, link := range []string{`id="nav-exports"`, `id="export-customers"`, `id="import-customers"`} {
		if strings.Contains(body, link) {
			t.Errorf("a rep's list has %s", link)
		}
	}
	for _, p := range []string{"/customers/export", "/customers/export?level=A", "/exports", "/imports", "/imports/template.csv", "/admin/export-settings"} {
		if resp, _ := c.get(p); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a rep's GET %s: %d, want 403", p, resp.StatusCode)
		}
	}
	resp, _ := c.post("/customers/export", url.Values{"csrf": {csrf(t, body)}, "format": {"csv"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a rep's export request: %d, want 403", resp.StatusCode)
	}
	exports, err := s.svc.Exports(context.Background(), s.actor(t, "east.rep1@demo.example"), false, "")
	if err != nil || len(exports) != 0 {
		t.Errorf("the rep has %d exports (err %v), want none", len(exports), err)
	}

	m := newClient(t, s.URL)
	m.signIn("east.manager@demo.example")
	_, body = m.get("/customers?level=A&sort=name")
	for _, link := range []string{`id="nav-exports"`, `href="/customers/export?level=A"`, `id="import-customers"`} {
		if !strings.Contains(body, link) {
			t.Errorf("the manager's list lacks %s", link)
		}
	}
}

// A manager exports from the list with its filter; the export is queued,
// runs, and its file downloads once per click, counted, to them alone.
func TestExportFromTheList(t *testing.T) {
	s := newSite(t)
	admin := s.actor(t, "admin@demo.example")
	o, key, typ, zh, en := access.Customer, "tax_id", fields.Text, "税号", "Tax ID"
	sensitive := true
	if _, err := s.svc.SaveField(context.Background(), admin, o, "", service.FieldInput{Object: &o, Key: &key, Type: &typ,
		LabelZh: &zh, LabelEn: &en, Sensitive: &sensitive}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s.URL)
	c.signIn("east.manager@demo.example")
	resp, body := c.get("/customers/export?level=A&sort=name")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="filter.level" value="A"`) || strings.Contains(body, `name="filter.sort"`) {
		t.Fatalf("the export form: status %d; want 200 carrying level and not sort", resp.StatusCode)
	}
	if !strings.Contains(body, `value="custom.tax_id" checked> Tax ID (exported masked)`) {
		t.Errorf("the sensitive custom field is not offered marked as exported masked")
	}
	resp, _ = c.requestExport(url.Values{"level": {"A"}}, "name", "level", "phone")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/exports?done=queued" {
		t.Fatalf("export request: %d to %q, want 303 to /exports?done=queued", resp.StatusCode, resp.Header.Get("Location"))
	}
	s.svc.Wait()
	_, body = c.get("/exports")
	m := exportIDRE.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `data-status="done"`) || strings.Contains(body, "data-refresh") {
		t.Fatalf("the exports page does not list a finished export without refreshing:\n%s", body)
	}
	id := m[1]
	if !strings.Contains(body, `href="/exports/`+id+`/download"`) || !strings.Contains(body, `<td data-label="Downloads left" class="num">3</td>`) {
		t.Errorf("no download button or not 3 downloads left")
	}

	resp, file := c.get("/exports/" + id + "/download")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(file, "\ufeff# Steward export exp_"+id) {
		t.Fatalf("download: status %d, file begins %.40q", resp.StatusCode, file)
	}
	if got := resp.Header.Get("Content-Disposition"); got != `attachment; filename="customers-exp_`+id+`.csv"` {
		t.Errorf("Content-Disposition %q", got)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if lines := strings.Count(file, "\r\n"); lines < 3 || !strings.Contains(file, "id,owner_id,created_at,last_activity_at,name,level,phone\r\n") {
		t.Errorf("the file has %d lines and header %q", lines, strings.SplitN(file, "\r\n", 3)[1])
	}
	_, body = c.get("/exports")
	if !strings.Contains(body, `<td data-label="Downloads left" class="num">2</td>`) {
		t.Errorf("after one download, 2 are not shown as left")
	}

	c.header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := c.get("/exports/" + id + "/download"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a download another site started: %d, want 403", resp.StatusCode)
	}
	c.header.Del("Sec-Fetch-Site")
	a := newClient(t, s.URL)
	a.signIn("admin@demo.example")
	if resp, body := a.get("/exports/" + id + "/download"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "only the requester") {
		t.Errorf("the approver's download: %d, want 403 saying only the requester downloads", resp.StatusCode)
	}
	if resp, _ := c.get("/exports/999999/download"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a missing export's download: %d, want 404", resp.StatusCode)
	}
}

// The service's refusals of an export, over the row limit or naming a
// field hidden from the user, are shown on the form, which does not offer
// the hidden field in the first place.
func TestExportRefusalsOnTheForm(t *testing.T) {
	s := newSite(t)
	s.exportSettings(t, func(st *store.ExportSettings) { st.RoleLimits["sales_manager"] = 5 })
	c := newClient(t, s.URL)
	c.signIn("east.manager@demo.example")
	resp, body := c.requestExport(url.Values{"level": {"A"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `id="export-form-error"`) || !strings.Contains(body, "at most 5") {
		t.Errorf("over the row limit: status %d, want 403 with the limit on the form", resp.StatusCode)
	}
	if !strings.Contains(body, `name="filter.level" value="A"`) || !strings.Contains(body, "Quarterly review") {
		t.Errorf("the refused form lost the filter or the reason")
	}

	admin := s.actor(t, "admin@demo.example")
	role, err := s.svc.Role(context.Background(), admin, "sales_manager")
	if err != nil {
		t.Fatal(err)
	}
	rules := append(role.Fields, access.FieldRule{Object: access.Customer, Field: "notes", Access: access.FieldHidden})
	if _, err := s.svc.SaveRole(context.Background(), admin, "sales_manager", service.RoleInput{Fields: &rules}); err != nil {
		t.Fatal(err)
	}
	s.exportSettings(t, func(st *store.ExportSettings) { delete(st.RoleLimits, "sales_manager") })
	_, body = c.get("/customers/export")
	if strings.Contains(body, `value="notes"`) || !strings.Contains(body, `value="name"`) {
		t.Errorf("the form offers the hidden notes, or not the name")
	}
	resp, body = c.requestExport(url.Values{}, "name", "notes")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "you may not export notes") {
		t.Errorf("asking for a hidden field: status %d, want 403 naming notes on the form", resp.StatusCode)
	}
}

// Above the approval threshold an export waits. An approver cannot decide
// their own (the page offers no buttons, and says why if posted anyway);
// another approver must give a reason to refuse, and approving runs it.
func TestExportApproval(t *testing.T) {
	s := newSite(t)
	s.exportSettings(t, func(st *store.ExportSettings) { st.ApprovalThreshold = 0 })
	d := newClient(t, s.URL)
	d.signIn("director@demo.example")
	resp, _ := d.requestExport(url.Values{"source": {"referral"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/exports?done=pending" {
		t.Fatalf("export request: %d to %q, want 303 to /exports?done=pending", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := d.get("/exports?done=pending")
	m := exportIDRE.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "waits for an approver") || !strings.Contains(body, `id="pending-exports"`) {
		t.Fatalf("the director's exports page lacks the notice or the pending list:\n%s", body)
	}
	id := m[1]
	if !strings.Contains(body, `class="hint own-export"`) || strings.Contains(body, `id="approve-`+id+`"`) {
		t.Errorf("the director is offered to approve their own export")
	}
	resp, body = d.post("/exports/"+id+"/approve", url.Values{"csrf": {csrf(t, body)}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `id="decide-error"`) || !strings.Contains(body, "their own export") {
		t.Errorf("approving one's own export: status %d, want 403 with the error on the page", resp.StatusCode)
	}

	a := newClient(t, s.URL)
	a.signIn("admin@demo.example")
	_, body = a.get("/exports")
	if !strings.Contains(body, `id="approve-`+id+`"`) || !strings.Contains(body, "Dong Director") || !strings.Contains(body, "Quarterly review") {
		t.Fatalf("the administrator's pending list lacks the button, the requester or the reason")
	}
	token := csrf(t, body)
	resp, body = a.post("/exports/"+id+"/refuse", url.Values{"csrf": {token}, "reason": {"  "}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="decide-error-`+id+`"`) {
		t.Errorf("a refusal without a reason: status %d, want 400 with the error on the row", resp.StatusCode)
	}
	resp, _ = a.post("/exports/"+id+"/approve", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/exports?done=approved" {
		t.Fatalf("approval: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	s.svc.Wait()
	e, err := s.svc.Export(context.Background(), s.actor(t, "director@demo.example"), mustID(t, id))
	if err != nil || e.Status != store.ExportDone {
		t.Errorf("after approval the export is %q (err %v), want done", e.Status, err)
	}
	resp, _ = a.post("/exports/"+id+"/refuse", url.Values{"csrf": {token}, "reason": {"too late"}})
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("refusing a decided export: %d, want 409", resp.StatusCode)
	}
}

// The export controls tab reads and saves the settings; an empty role
// limit means none; a bad number is shown by its input; an old sign-in is
// asked for the password first.
func TestExportSettingsPage(t *testing.T) {
	s := newSite(t)
	a := newClient(t, s.URL)
	a.signIn("admin@demo.example")
	_, body := a.get("/admin/security")
	if !strings.Contains(body, `id="tab-exports"`) {
		t.Errorf("the security page has no export controls tab")
	}
	resp, body := a.get("/admin/export-settings")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="exports-f-role_limits-sales_rep" name="role_limits.sales_rep" type="number" value="2000"`) {
		t.Fatalf("the tab: status %d, want the rep's limit of 2000 in its input", resp.StatusCode)
	}
	form := url.Values{"csrf": {csrf(t, body)}, "approval_threshold": {"many"}, "link_hours": {"48"}, "max_downloads": {"2"},
		"role_limits.sales_rep": {""}, "role_limits.marketing": {"100"}}
	resp, body = a.post("/admin/export-settings", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="exports-e-approval_threshold"`) {
		t.Errorf("a threshold of %q: status %d, want 400 with the error by it", "many", resp.StatusCode)
	}
	form.Set("approval_threshold", "500")
	form.Set("role_limits.marketing", "-1")
	if resp, body = a.post("/admin/export-settings", form); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="exports-e-role_limits-marketing"`) {
		t.Errorf("a negative limit: status %d, want 400 with the error by marketing's input", resp.StatusCode)
	}
	form.Set("role_limits.marketing", "100")
	if resp, _ = a.post("/admin/export-settings", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving: %d, want 303", resp.StatusCode)
	}
	st, err := s.svc.ExportSettings(context.Background(), s.actor(t, "admin@demo.example"))
	if err != nil || st.ApprovalThreshold != 500 || st.LinkHours != 48 || st.MaxDownloads != 2 || len(st.RoleLimits) != 1 || st.RoleLimits["marketing"] != 100 {
		t.Errorf("saved %+v (err %v); want 500, 48, 2 and only marketing limited to 100", st, err)
	}

	s.advance(11 * time.Minute)
	resp, body = a.post("/admin/export-settings", form)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `id="stepup-form"`) || !strings.Contains(body, `name="keep.role_limits.marketing" value="100"`) {
		t.Errorf("saving on an old sign-in: status %d, want 401 with the step-up form keeping the fields", resp.StatusCode)
	}

	d := newClient(t, s.URL)
	d.signIn("director@demo.example") // approves exports, but does not manage security
	if resp, _ := d.get("/admin/export-settings"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the director's GET of the export controls: %d, want 403", resp.StatusCode)
	}
}

func mustID(t testing.TB, s string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(s, &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// seedTransfers gives the transfer pages something to show: the
// administrator's finished export and their import, and the director's
// export waiting for approval. It returns the import report's path.
func (s *site) seedTransfers(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin, director := s.actor(t, "admin@demo.example"), s.actor(t, "director@demo.example")
	req := service.ExportRequest{Object: "customer", Format: "xlsx", Filter: map[string]string{"level": "A"}, Reason: "Board pack"}
	if _, err := s.svc.RequestExport(ctx, admin, req); err != nil {
		t.Fatal(err)
	}
	s.svc.Wait()
	s.exportSettings(t, func(st *store.ExportSettings) { st.ApprovalThreshold = 0 })
	req.Format = "csv"
	if _, err := s.svc.RequestExport(ctx, director, req); err != nil {
		t.Fatal(err)
	}
	im, err := s.svc.Import(ctx, admin, "csv", "dry_run", strings.NewReader("name,email\r\nSeed Co,x\r\nSeed Co,\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("/imports/%d", im.ID)
}
