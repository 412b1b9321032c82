package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"steward/internal/access"
	"steward/internal/service"
)

// These flows drive the move and offboarding pages in headless Chromium:
// preview, apply, the stored report and its CSV.

// csvAnswer is what fetching a report's CSV link answered.
type csvAnswer struct {
	Status      int    `json:"status"`
	Disposition string `json:"disposition"`
	Body        string `json:"body"`
}

// fetchLink fetches the link sel points at from the page, as the browser
// would with the session's cookie, and returns the answer.
func (b *browser) fetchLink(sel string) csvAnswer {
	b.t.Helper()
	js := `fetch(document.querySelector("` + sel + `").href).then(async r => ({status: r.status, disposition: r.headers.get("Content-Disposition") || "", body: await r.text()}))`
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[csvAnswer](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("fetch %s: %v", sel, err)
	}
	return v
}

// previewMove opens east.rep1's page, chooses Move… and previews moving
// them to the West team under its manager.
func previewMove(t *testing.T, s *site, b *browser) (east, westManager int64) {
	t.Helper()
	admin := s.actor(t, "admin@demo.example")
	rep1 := s.actor(t, "east.rep1@demo.example").UserID
	east, westManager = s.actor(t, "east.manager@demo.example").UserID, s.actor(t, "west.manager@demo.example").UserID
	b.open(fmt.Sprintf("/admin/users/%d", rep1))
	b.click("#user-move")
	b.setValue("#move-f-department_id", fmt.Sprint(s.department(t, admin, "West Team").ID))
	b.setValue("#move-f-manager_id", fmt.Sprint(westManager))
	if st := b.click("#move-preview"); st != 200 {
		t.Fatalf("the move's preview: status %d", st)
	}
	return east, westManager
}

// previewOffboarding opens east.rep2's page, chooses Offboard… and
// previews handing everything to west.rep1.
func previewOffboarding(t *testing.T, s *site, b *browser) (successor int64) {
	t.Helper()
	successor = s.actor(t, "west.rep1@demo.example").UserID
	b.open(fmt.Sprintf("/admin/users/%d", s.actor(t, "east.rep2@demo.example").UserID))
	b.click("#user-offboard")
	b.setValue("#off-f-successor_id", fmt.Sprint(successor))
	b.do(chromedp.SendKeys(chromedp.CSS("#off-f-reason"), "Left the company"))
	if st := b.click("#offboard-preview"); st != 200 {
		t.Fatalf("the offboarding's preview: status %d", st)
	}
	return successor
}

// The administrator previews moving an East rep to the West team: the East
// manager, in the old manager chain, loses the rep's 30 customers. Applied,
// the move lands on its stored report. Then the administrator offboards
// another East rep to a West rep: the preview hands over 30 customers, the
// apply needs its box ticked, and the stored report's CSV link answers a
// file with a handover row per customer. A rep may not open the report.
func TestE2EMoveAndOffboard(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	east, _ := previewMove(t, s, b)
	row := fmt.Sprintf(`#access-changes tr[data-user="%d"]`, east)
	if got := b.text(row + " .name"); got != "Emma East" {
		t.Errorf("the preview's row names %q, want Emma East", got)
	}
	if got := b.text(row + " .relations"); !strings.Contains(got, "old manager chain") {
		t.Errorf("Emma East is affected as %q, want the old manager chain", got)
	}
	if got := b.text(row + " .lost"); !strings.Contains(got, "30 customers") {
		t.Errorf("Emma East loses %q, want 30 customers", got)
	}
	if got := b.text(row + " .gained"); got != "—" {
		t.Errorf("Emma East gains %q, want nothing", got)
	}
	b.click("#apply-submit")
	if got := b.text("#done"); !strings.Contains(got, "The move was applied") {
		t.Errorf("after applying the move: notice %q", got)
	}
	if got := eval[string](b, `document.querySelector("#report-link").getAttribute("href")`); !strings.HasPrefix(got, "/admin/lifecycle-reports/") {
		t.Errorf("the notice links %q, want the stored report", got)
	}

	successor := previewOffboarding(t, s, b)
	handover := b.text("#handovers tbody tr")
	if !strings.Contains(handover, "Wang Fang") || !strings.Contains(handover, "30 customers") {
		t.Errorf("the offboarding's handover reads %q, want 30 customers to Wang Fang", handover)
	}
	if got := b.text(fmt.Sprintf(`#access-changes tr[data-user="%d"] .gained`, successor)); !strings.Contains(got, "30 customers") {
		t.Errorf("the successor gains %q, want 30 customers", got)
	}
	if st := b.click("#apply-submit"); st != 400 || b.text("#apply-e-confirm") == "" {
		t.Errorf("applying without the box ticked: status %d, want 400 with the box marked", st)
	}
	b.do(chromedp.Click(chromedp.CSS("#apply-f-confirm")))
	b.click("#apply-submit")
	if got := b.text("#done"); !strings.Contains(got, "The offboarding was applied") {
		t.Errorf("after applying the offboarding: notice %q", got)
	}
	id := strings.TrimPrefix(eval[string](b, `document.querySelector("#report-link").getAttribute("href")`), "/admin/lifecycle-reports/")
	file := b.fetchLink("#report-csv")
	if file.Status != 200 || file.Disposition != `attachment; filename="offboard-report-`+id+`.csv"` {
		t.Errorf("the CSV link answers %d with %q", file.Status, file.Disposition)
	}
	if !strings.Contains(file.Body, "\nhandover,") || !strings.Contains(file.Body, ","+fmt.Sprint(successor)+",") {
		t.Errorf("the CSV has no handover row to the successor:\n%.400s", file.Body)
	}

	b.switchTo("east.rep1@demo.example")
	if st := b.open("/admin/lifecycle-reports/" + id); st != 403 {
		t.Errorf("a rep opens the report: status %d, want 403", st)
	}
}

// TestScreenshotsLifecycle rewrites the move and offboarding previews in
// docs/screenshots when run with -screenshots (TestScreenshots' pattern
// runs it too).
func TestScreenshotsLifecycle(t *testing.T) {
	if !*screenshots {
		t.Skip("run with -screenshots to rewrite docs/screenshots")
	}
	s := newE2ESite(t)
	b := newBrowser(t, s.URL)
	b.do(chromedp.EmulateViewport(1280, 800))
	b.signIn("admin@demo.example")
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	previewMove(t, s, b)
	shot("move-preview")
	// A team place of the leaver's, to show its removal.
	admin, rep1 := s.actor(t, "admin@demo.example"), s.actor(t, "east.rep1@demo.example")
	if _, err := s.svc.AddTeamMember(context.Background(), admin, s.customers(t, rep1)[0].ID, service.TeamInput{
		UserID: s.actor(t, "east.rep2@demo.example").UserID, Level: access.EditLevel, Reason: "Co-owner of the Pudong deal"}); err != nil {
		t.Fatal(err)
	}
	previewOffboarding(t, s, b)
	shot("offboard-preview")
}
