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

	"steward/internal/demo"
	"steward/internal/org"
)

// reportLocationRE reads a stored report's id from the redirect after Apply.
var reportLocationRE = regexp.MustCompile(`^/admin/lifecycle-reports/(\d+)\?done=(move|offboard)$`)

// userFacts reads a user as the administrator sees them.
func (s *site) userFacts(t testing.TB, id int64) org.User {
	t.Helper()
	u, err := s.svc.User(context.Background(), s.actor(t, "admin@demo.example"), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// demoUser reads a demo user who may still sign in.
func (s *site) demoUser(t testing.TB, email string) org.User {
	t.Helper()
	return s.userFacts(t, s.actor(t, email).UserID)
}

// The move, offboarding, report and settings pages render in both
// languages, previews included; a move and an offboarding applied from the
// console land on their stored reports, which the user's page lists with
// their CSV, a file with one row per customer handed over.
func TestLifecyclePagesRender(t *testing.T) {
	s := newSite(t)
	rep1, rep2 := s.demoUser(t, "east.rep1@demo.example"), s.demoUser(t, "east.rep2@demo.example")
	west := s.department(t, s.actor(t, "admin@demo.example"), "West Team")
	westManager := s.demoUser(t, "west.manager@demo.example")
	move := url.Values{"department_id": {fmt.Sprint(west.ID)}, "manager_id": {fmt.Sprint(westManager.ID)}, "records": {"follow"}}
	off := url.Values{"successor_id": {fmt.Sprint(rep1.ID)}, "reason": {"Left the company"}}
	for _, lang := range []string{"en", "zh-CN"} {
		c := newClient(t, s.URL)
		c.signIn("admin@demo.example")
		c.get("/lang/" + lang)
		for _, p := range []string{fmt.Sprintf("/admin/users/%d", rep1.ID), fmt.Sprintf("/admin/users/%d/move", rep1.ID),
			fmt.Sprintf("/admin/users/%d/offboard", rep2.ID), "/admin/lifecycle-settings", "/admin/lifecycle-settings?done=saved"} {
			resp, body := c.get(p)
			checkPage(t, lang+" "+p, resp, body, http.StatusOK)
		}
		_, page := c.get(fmt.Sprintf("/admin/users/%d/move", rep1.ID))
		move.Set("csrf", csrf(t, page))
		off.Set("csrf", csrf(t, page))
		resp, body := c.post(fmt.Sprintf("/admin/users/%d/move/preview", rep1.ID), move)
		checkPage(t, lang+" move preview", resp, body, http.StatusOK)
		if !strings.Contains(body, `id="access-changes"`) || !strings.Contains(body, `id="apply-form"`) {
			t.Errorf("%s: the move preview has no access changes or no Apply", lang)
		}
		resp, body = c.post(fmt.Sprintf("/admin/users/%d/offboard/preview", rep2.ID), off)
		checkPage(t, lang+" offboarding preview", resp, body, http.StatusOK)
		if !strings.Contains(body, `id="handovers"`) || !strings.Contains(body, `id="apply-f-confirm"`) {
			t.Errorf("%s: the offboarding preview has no handovers or no confirmation", lang)
		}
	}

	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, page := c.get(fmt.Sprintf("/admin/users/%d/move", rep1.ID))
	move.Set("csrf", csrf(t, page))
	off.Set("csrf", csrf(t, page))
	off.Set("confirm", "1")
	var reports []string
	for _, x := range []struct {
		path string
		form url.Values
	}{{fmt.Sprintf("/admin/users/%d/move", rep1.ID), move}, {fmt.Sprintf("/admin/users/%d/offboard", rep2.ID), off}} {
		resp, _ := c.post(x.path, x.form)
		m := reportLocationRE.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("applying %s: status %d to %q, want 303 to the stored report", x.path, resp.StatusCode, resp.Header.Get("Location"))
		}
		reports = append(reports, m[1])
		for _, lang := range []string{"zh-CN", "en"} {
			c.get("/lang/" + lang)
			resp, body := c.get(resp.Header.Get("Location"))
			checkPage(t, lang+" "+x.path+" report", resp, body, http.StatusOK)
			if !strings.Contains(body, `id="done"`) || !strings.Contains(body, `href="/admin/lifecycle-reports/`+m[1]+`/csv"`) {
				t.Errorf("%s: the stored report has no notice or no CSV link", x.path)
			}
		}
	}
	if u := s.userFacts(t, rep1.ID); u.DepartmentID != west.ID || u.ManagerID == nil || *u.ManagerID != westManager.ID {
		t.Errorf("after the move east.rep1 is in department %d under %v, want %d under %d", u.DepartmentID, u.ManagerID, west.ID, westManager.ID)
	}
	if u := s.userFacts(t, rep2.ID); u.Status != org.StatusDeactivated {
		t.Errorf("after the offboarding east.rep2 is %s", u.Status)
	}
	_, body := c.get(fmt.Sprintf("/admin/users/%d", rep2.ID))
	if !strings.Contains(body, `data-report="`+reports[1]+`"`) {
		t.Errorf("east.rep2's page does not list the offboarding report %s", reports[1])
	}
	resp, file := c.get("/admin/lifecycle-reports/" + reports[1] + "/csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="offboard-report-`+reports[1]+`.csv"` {
		t.Fatalf("the CSV: status %d, %q, %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if n := strings.Count(file, "\nhandover,"); n != 30 {
		t.Errorf("the CSV has %d handover rows, want east.rep2's 30 customers", n)
	}
}

// Only holders of manage_users reach the move and offboarding pages and
// the settings; the reports are also open to view_audit, as in the API.
// Everyone else is refused, typed in or posted.
func TestLifecyclePagesNeedManageUsers(t *testing.T) {
	s := newSite(t)
	admin := newClient(t, s.URL)
	admin.signIn("admin@demo.example")
	rep2 := s.demoUser(t, "east.rep2@demo.example")
	_, page := admin.get(fmt.Sprintf("/admin/users/%d/offboard", rep2.ID))
	resp, _ := admin.post(fmt.Sprintf("/admin/users/%d/offboard", rep2.ID), url.Values{"csrf": {csrf(t, page)},
		"successor_id": {fmt.Sprint(s.actor(t, "east.rep1@demo.example").UserID)}, "confirm": {"1"}})
	m := reportLocationRE.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("offboarding: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	report := "/admin/lifecycle-reports/" + m[1]
	for who, wants := range map[string]map[string]int{
		"east.rep1@demo.example": {"/admin/users/%d/move": 403, "/admin/users/%d/offboard": 403, "/admin/lifecycle-settings": 403, report: 403, report + "/csv": 403},
		"auditor@demo.example":   {"/admin/users/%d/move": 403, "/admin/users/%d/offboard": 403, "/admin/lifecycle-settings": 403, report: 200, report + "/csv": 200},
	} {
		c := newClient(t, s.URL)
		c.signIn(who)
		for p, want := range wants {
			if strings.Contains(p, "%d") {
				p = fmt.Sprintf(p, rep2.ID)
			}
			if resp, _ := c.get(p); resp.StatusCode != want {
				t.Errorf("%s GET %s: %d, want %d", who, p, resp.StatusCode, want)
			}
		}
		_, body := c.get("/customers")
		for _, p := range []string{fmt.Sprintf("/admin/users/%d/move/preview", rep2.ID), fmt.Sprintf("/admin/users/%d/offboard", rep2.ID), "/admin/lifecycle-settings"} {
			resp, _ := c.post(p, url.Values{"csrf": {csrf(t, body)}, "department_id": {"1"}, "manager_id": {"0"}, "move_records": {"stay"}, "confirm": {"1"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", who, p, resp.StatusCode)
			}
		}
	}
	if resp, _ := admin.get("/admin/lifecycle-reports/999999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a missing report: %d, want 404", resp.StatusCode)
	}
}

// What the service refuses is shown by its field with the values kept, and
// nothing is applied: a move that changes nothing, customers that stay
// without a successor, an offboarding applied without its confirmation.
// Nobody is offered moving or offboarding themselves.
func TestLifecycleRefusalsByField(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	rep1 := s.demoUser(t, "east.rep1@demo.example")
	north := s.department(t, s.actor(t, "admin@demo.example"), "North Team")
	path := fmt.Sprintf("/admin/users/%d/move", rep1.ID)
	_, page := c.get(path)
	token := csrf(t, page)
	for name, x := range map[string]struct {
		form  url.Values
		error string
	}{
		"nothing to change":  {url.Values{"department_id": {fmt.Sprint(rep1.DepartmentID)}, "manager_id": {fmt.Sprint(*rep1.ManagerID)}, "records": {"follow"}}, `id="move-e-department_id"`},
		"stay, no successor": {url.Values{"department_id": {fmt.Sprint(north.ID)}, "manager_id": {fmt.Sprint(*rep1.ManagerID)}, "records": {"stay"}}, `id="move-e-successor_id"`},
	} {
		for _, p := range []string{path + "/preview", path} {
			x.form.Set("csrf", token)
			resp, body := c.post(p, x.form)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, x.error) {
				t.Errorf("%s, POST %s: status %d, want 400 with %s", name, p, resp.StatusCode, x.error)
			}
			if strings.Contains(body, `id="apply-form"`) {
				t.Errorf("%s, POST %s: Apply offered on a refusal", name, p)
			}
		}
	}
	if u := s.userFacts(t, rep1.ID); u.DepartmentID != rep1.DepartmentID {
		t.Errorf("a refused move moved east.rep1 to department %d", u.DepartmentID)
	}

	rep2 := s.demoUser(t, "east.rep2@demo.example")
	resp, body := c.post(fmt.Sprintf("/admin/users/%d/offboard", rep2.ID), url.Values{"csrf": {token}, "successor_id": {fmt.Sprint(rep1.ID)}, "reason": {"Left"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="apply-e-confirm"`) || !strings.Contains(body, `id="access-changes"`) {
		t.Errorf("an offboarding without confirmation: status %d, want 400 with the preview again and the box marked", resp.StatusCode)
	}
	if !strings.Contains(body, `name="reason" value="Left"`) {
		t.Errorf("the apply form lost the reason")
	}
	resp, body = c.post(fmt.Sprintf("/admin/users/%d/offboard/preview", rep2.ID), url.Values{"csrf": {token}, "reason": {"Left"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="off-e-successor_id"`) {
		t.Errorf("an offboarding with nowhere for the customers: status %d, want 400 by the successor", resp.StatusCode)
	}
	if u := s.userFacts(t, rep2.ID); u.Status != org.StatusActive {
		t.Errorf("a refused offboarding left east.rep2 %s", u.Status)
	}

	me := s.actor(t, "admin@demo.example").UserID
	_, body = c.get(fmt.Sprintf("/admin/users/%d", me))
	if strings.Contains(body, `id="user-move"`) || strings.Contains(body, `id="user-offboard"`) {
		t.Error("the administrator's own page offers moving or offboarding themselves")
	}
	_, body = c.get(fmt.Sprintf("/admin/users/%d", rep1.ID))
	if !strings.Contains(body, `id="user-move"`) || !strings.Contains(body, `id="user-offboard"`) {
		t.Error("a rep's page does not offer Move and Offboard")
	}
	resp, body = c.post(fmt.Sprintf("/admin/users/%d/offboard/preview", me), url.Values{"csrf": {token}, "successor_id": {fmt.Sprint(rep1.ID)}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="off-form-error"`) {
		t.Errorf("offboarding oneself: status %d, want 409 with the refusal on the form", resp.StatusCode)
	}
}

// The lifecycle settings save, and the move form then starts at them.
func TestLifecycleSettingsPage(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, page := c.get("/admin/lifecycle-settings")
	if !strings.Contains(page, `id="tab-lifecycle"`) {
		t.Error("the admin tabs do not offer the lifecycle settings")
	}
	if resp, body := c.post("/admin/lifecycle-settings", url.Values{"csrf": {csrf(t, page)}, "move_records": {"sideways"}}); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `id="lc-e-move_records"`) {
		t.Errorf("a bad choice: status %d, want 400 by the field", resp.StatusCode)
	}
	resp, _ := c.post("/admin/lifecycle-settings", url.Values{"csrf": {csrf(t, page)}, "move_records": {"stay"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving: status %d", resp.StatusCode)
	}
	_, body := c.get(fmt.Sprintf("/admin/users/%d/move", s.actor(t, "east.rep1@demo.example").UserID))
	if !strings.Contains(body, `<option value="stay" selected>`) {
		t.Error("the move form does not start at the tenant's policy, stay")
	}
}

// A preview needs no recent sign-in; applying does, and the step-up form
// carries the previewed input and applies it once the password is given.
func TestMoveApplyAfterStepUp(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	rep1 := s.demoUser(t, "east.rep1@demo.example")
	north := s.department(t, s.actor(t, "admin@demo.example"), "North Team")
	path := fmt.Sprintf("/admin/users/%d/move", rep1.ID)
	_, page := c.get(path)
	s.advance(11 * time.Minute)
	form := url.Values{"csrf": {csrf(t, page)}, "department_id": {fmt.Sprint(north.ID)}, "manager_id": {fmt.Sprint(*rep1.ManagerID)}, "records": {"follow"}}
	if resp, body := c.post(path+"/preview", form); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="apply-form"`) {
		t.Fatalf("a preview on an old sign-in: status %d, want 200 with Apply", resp.StatusCode)
	}
	resp, body := c.post(path, form)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, fmt.Sprintf(`name="keep.department_id" value="%d"`, north.ID)) {
		t.Fatalf("applying on an old sign-in: status %d, want 401 with the step-up form carrying the move", resp.StatusCode)
	}
	redo := url.Values{"csrf": {csrf(t, body)}, "password": {demo.Password}, "redo": {path}, "method": {"POST"}}
	for k, v := range form {
		if k != "csrf" {
			redo["keep."+k] = v
		}
	}
	resp, _ = c.post("/stepup", redo)
	if resp.StatusCode != http.StatusSeeOther || !reportLocationRE.MatchString(resp.Header.Get("Location")) {
		t.Fatalf("after the step-up: %d to %q, want 303 to the stored report", resp.StatusCode, resp.Header.Get("Location"))
	}
	if u := s.userFacts(t, rep1.ID); u.DepartmentID != north.ID {
		t.Errorf("after the step-up east.rep1 is in department %d, want %d", u.DepartmentID, north.ID)
	}
}
