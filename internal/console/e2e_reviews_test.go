package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"steward/internal/access"
	"steward/internal/service"
)

// These flows drive the governance pages in headless Chromium: an access
// review from its form to its evidence, insights leading to a review,
// a separation-of-duties rule and its conflicts, and a policy document
// exported, dry-run and applied.

// openGovernance opens the governance pages as a person would: from the
// nav, or for an administrator, whose nav is full, from the tabs of Org &
// users.
func (b *browser) openGovernance() {
	b.t.Helper()
	if b.count1("#nav-governance") == 0 {
		b.click("#nav-admin")
		b.click("#tab-governance")
		return
	}
	b.click("#nav-governance")
}

// tick ticks the box of a checkbox list whose value is value.
func (b *browser) tick(list, value string) {
	b.t.Helper()
	sel := fmt.Sprintf(`%s input[value='%s']`, list, value)
	if b.count1(sel) != 1 {
		b.t.Fatalf("no box %s", sel)
	}
	b.do(chromedp.Click(chromedp.CSS(sel)))
}

// itemID reads the id of the first item row sel finds.
func (b *browser) itemID(sel string) string {
	b.t.Helper()
	id := eval[string](b, `(document.querySelector('`+sel+`') || {dataset: {}}).dataset.item || ""`)
	if id == "" {
		b.t.Fatalf("no item %s", sel)
	}
	return id
}

// holdsRole reports whether the user holds the role through an unexpired
// assignment, as the service has it.
func (s *site) holdsRole(t testing.TB, userID int64, role string) bool {
	t.Helper()
	as, err := s.svc.Assignments(context.Background(), s.actor(t, "admin@demo.example"), userID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.RoleKey == role && (a.ExpiresAt == nil || a.ExpiresAt.After(s.svc.Now())) {
			return true
		}
	}
	return false
}

// The administrator creates a campaign of the East team's access through
// its form and starts it. The East manager finds their items from My
// access, is refused a revocation without a comment, revokes Eric's role
// (gone at once) and certifies the rest in one go. The administrator
// closes the campaign and takes the evidence CSV, which lists the
// revocation with its comment.
func TestE2EAccessReview(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	admin := s.actor(t, "admin@demo.example")
	east := s.department(t, admin, "East Team").ID
	rep1 := s.actor(t, "east.rep1@demo.example").UserID
	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.openGovernance()
	b.click("#new-review")
	b.do(chromedp.SendKeys(chromedp.CSS("#rv-f-name"), "East team, Q3"))
	b.tick("#review-form", fmt.Sprint(east))
	if st := b.click("#review-create"); st != 200 {
		t.Fatalf("creating the campaign: status %d", st)
	}
	if got := b.text("#done"); !strings.Contains(got, "Draft created") {
		t.Errorf("after creating: notice %q", got)
	}
	if got := b.text("#review-scope"); !strings.Contains(got, "members of East Team") {
		t.Errorf("the scope reads %q", got)
	}
	id := strings.TrimPrefix(eval[string](b, "location.pathname"), "/reviews/")
	b.click("#review-start")
	if got := eval[string](b, `document.querySelector("#review-status").dataset.status`); got != "active" {
		t.Fatalf("after Start the campaign is %q, want active", got)
	}
	if n := b.count1("#items tbody tr"); n < 3 {
		t.Errorf("the started campaign lists %d items, want the East team's roles and more", n)
	}

	b.switchTo("east.manager@demo.example")
	b.click("#nav-access")
	b.click("#to-review")
	b.click("#my-review-" + id)
	role := b.itemID(fmt.Sprintf(`#items tr[data-user="%d"][data-kind="role"]`, rep1))
	if st := b.click("#revoke-" + role); st != 400 || b.text("#item-error-"+role) == "" {
		t.Errorf("revoking without a comment: status %d, want 400 with the error on the item's row", st)
	}
	if !s.holdsRole(t, rep1, "sales_rep") {
		t.Fatal("a refused revocation took the role")
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#comment-"+role), "Moved to key accounts"))
	b.click("#revoke-" + role)
	if got := b.text("#done"); !strings.Contains(got, "Decided") {
		t.Errorf("after revoking: notice %q", got)
	}
	if s.holdsRole(t, rep1, "sales_rep") {
		t.Error("Eric still holds sales_rep after the revocation")
	}
	left := eval[[]string](b, `Array.from(document.querySelectorAll('#items input[name="item"]'), e => e.value)`)
	for _, x := range left {
		b.do(chromedp.Click(chromedp.CSS("#tick-" + x)))
	}
	if len(left) > 0 {
		b.click("#bulk-certify")
	}
	if n := b.count1("#items tbody tr"); n != 0 {
		t.Errorf("%d items still wait for the manager after certifying the rest", n)
	}

	b.switchTo("admin@demo.example")
	b.open("/reviews/" + id)
	if got := b.text(fmt.Sprintf(`#progress tr[data-reviewer="%d"] .revoked`, s.actor(t, "east.manager@demo.example").UserID)); got != "1" {
		t.Errorf("the manager's progress shows %q revoked, want 1", got)
	}
	// The chart draws the same: the bar of all items has the revocation,
	// and it is drawn (not merely in the page) with its text alternative.
	if got := eval[string](b, `document.querySelector('#progress-chart li[data-bar="all"] rect[data-key="revoked"]').dataset.n`); got != "1" {
		t.Errorf("the progress chart shows %q revoked, want 1", got)
	}
	if w := eval[float64](b, `document.querySelector('#progress-chart li[data-bar="all"] svg').getBoundingClientRect().width`); w < 50 {
		t.Errorf("the progress bar is %.0fpx wide, want it drawn", w)
	}
	if alt := eval[string](b, `document.querySelector('#progress-chart li[data-bar="all"] svg').getAttribute("aria-label")`); !strings.Contains(alt, "1 revoked") {
		t.Errorf("the progress bar's text alternative reads %q", alt)
	}
	if st := b.click("#review-close"); st != 400 || b.count1("#close-error") != 1 {
		t.Errorf("closing without the box ticked: status %d, want 400 with the box marked", st)
	}
	b.do(chromedp.Click(chromedp.CSS("#close-confirm")))
	b.click("#review-close")
	if got := eval[string](b, `document.querySelector("#review-status").dataset.status`); got != "closed" {
		t.Errorf("after Close the campaign is %q, want closed", got)
	}
	file := b.fetchLink("#evidence-csv")
	if file.Status != 200 || file.Disposition != `attachment; filename="review-`+id+`-evidence.csv"` {
		t.Errorf("the evidence link answers %d with %q", file.Status, file.Disposition)
	}
	if !strings.Contains(file.Body, ",revoke,Moved to key accounts,") || !strings.Contains(file.Body, "Eric Chen") {
		t.Errorf("the evidence CSV has no revocation of Eric's role with its comment:\n%.600s", file.Body)
	}
}

// Three days on, the administrator reads the insights: unused permissions,
// then the accounts dormant for a day, from which they start a review; the
// form comes filled in, and the campaign's items are the dormant users'
// grants only. Stale grants offer the same for every user's old grants.
func TestE2EInsightsStartReview(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	s.advance(72 * time.Hour)
	rep2 := s.actor(t, "east.rep2@demo.example") // signs in: active, not dormant
	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.openGovernance()
	b.click("#tab-insights")
	if n := b.count1("#unused-users tbody tr"); n == 0 {
		t.Error("the unused-permissions page lists no user")
	}
	b.click("#tab-roles")
	if got := b.text(`#role-use tr[data-role="sales_rep"] .holders`); got != "5" {
		t.Errorf("sales_rep has %q holders, want 5", got)
	}
	b.click("#tab-dormant")
	b.setValue("#days", "1")
	b.click("#days-apply")
	dormant := eval[[]string](b, `Array.from(document.querySelectorAll("#dormant tbody tr"), tr => tr.dataset.user)`)
	if len(dormant) == 0 || slices.Contains(dormant, fmt.Sprint(rep2.UserID)) || slices.Contains(dormant, fmt.Sprint(s.actor(t, "admin@demo.example").UserID)) {
		t.Fatalf("dormant for a day: %v; want some, without those who signed in", dormant)
	}
	b.click("#start-review")
	if got := eval[string](b, `document.querySelector("#rv-f-scope-dormant_days").value`); got != "1" {
		t.Errorf("the form's dormant days hold %q, want 1", got)
	}
	if b.count1("#review-from") != 1 {
		t.Error("the form does not say it was filled in from the dormant accounts")
	}
	b.click("#review-create")
	b.click("#review-start")
	users := eval[[]string](b, `Array.from(document.querySelectorAll("#items tbody tr"), tr => tr.dataset.user)`)
	if len(users) == 0 {
		t.Fatal("the campaign from the dormant accounts has no item")
	}
	for _, u := range users {
		if !slices.Contains(dormant, u) {
			t.Errorf("the campaign reviews user %s, who is not dormant", u)
		}
	}

	b.open("/insights/stale?days=1&kind=role")
	if n := b.count1(`#stale tbody tr[data-kind='role']`); n == 0 {
		t.Error("no role assignment is older than a day")
	}
	href := eval[string](b, `document.querySelector("#start-review").getAttribute("href")`)
	if !strings.Contains(href, "stale_days=1") || !strings.Contains(href, "all=1") {
		t.Errorf("stale grants start a review at %q", href)
	}
	b.click("#start-review")
	if !eval[bool](b, `document.querySelector("#rv-f-scope-all").checked`) || eval[string](b, `document.querySelector("#rv-f-scope-stale_days").value`) != "1" {
		t.Error("the form from stale grants is not filled in with everyone and the days")
	}
}

// The administrator adds a rule that nobody both exports customers and
// approves exports: a rule of one holding is refused by its field; the
// rule saved breaks for the sales director, listed among the conflicts.
// Switching the 三员分立 profile on is refused while the administrator
// holds every duty.
func TestE2ESeparationOfDuties(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	director := s.actor(t, "director@demo.example").UserID
	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.openGovernance()
	b.click("#tab-sod")
	if b.count1("#no-conflicts") != 1 {
		t.Error("conflicts are listed before any rule")
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#sod-f-name"), "Four eyes on exports"),
		chromedp.SendKeys(chromedp.CSS("#sod-f-holdings"), "customer.export"))
	if st := b.click("#sod-save"); st != 400 || b.text("#sod-e-holdings") == "" {
		t.Errorf("a rule of one holding: status %d, want 400 with the error by the holdings", st)
	}
	b.setValue("#sod-f-holdings", "customer.export\nfunction:approve_exports")
	b.click("#sod-save")
	if got := b.text("#done"); got != "Rule added." {
		t.Errorf("after adding: notice %q", got)
	}
	if got := b.text("#sod-rules tbody tr .violations"); got == "0" {
		t.Errorf("the rule's violations read %q", got)
	}
	if got := b.text(fmt.Sprintf(`#sod-conflicts tr[data-user="%d"] .rule`, director)); !strings.Contains(got, "Four eyes on exports") {
		t.Errorf("the director's conflict reads %q", got)
	}
	b.click("#profile-switch")
	if got := b.text("#profile-error"); got == "" || b.text("#profile-state") != "off" {
		t.Errorf("switching the profile on with blockers: error %q, state %q", got, b.text("#profile-state"))
	}
}

// The administrator downloads the policy, uploads it back and sees a dry
// run that changes nothing. A rule added since makes the same document
// remove it: the dry run says so, and Apply removes it.
func TestE2EPolicyRoundTrip(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.openGovernance()
	b.click("#tab-policy")
	file := b.fetchLink("#policy-export")
	if file.Status != 200 || !strings.Contains(file.Body, "roles:") || !strings.Contains(file.Disposition, "policy.yaml") {
		t.Fatalf("the export answers %d %q:\n%.300s", file.Status, file.Disposition, file.Body)
	}
	path := t.TempDir() + "/policy.yaml"
	if err := os.WriteFile(path, []byte(file.Body), 0o600); err != nil {
		t.Fatal(err)
	}
	upload := func() int64 {
		b.open("/policy")
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#policy-file"), []string{path}))
		return b.click("#policy-dry-run")
	}
	if st := upload(); st != 200 || b.count1("#plan-empty") != 1 || b.count1("#apply-form") != 0 {
		t.Errorf("the exported policy uploaded back: status %d, empty plan %d, apply form %d", st, b.count1("#plan-empty"), b.count1("#apply-form"))
	}

	admin := s.actor(t, "admin@demo.example")
	if _, err := s.svc.SaveSoDRule(context.Background(), admin, 0, service.SoDRuleInput{Name: "Added later", Mode: "justify",
		Holdings: []access.Holding{"customer.export", "function:approve_exports"}}); err != nil {
		t.Fatal(err)
	}
	upload()
	if got := b.text(`#plan tr[data-change="delete"]`); !strings.Contains(got, "Added later") {
		t.Errorf("the dry run's plan reads %q, want the rule deleted", got)
	}
	b.click("#apply-submit")
	if got := b.text("#done"); !strings.Contains(got, "applied") {
		t.Errorf("after applying: notice %q", got)
	}
	if rules, err := s.svc.SoDRules(context.Background(), admin); err != nil || len(rules) != 0 {
		t.Errorf("after applying the document the tenant has %d rules (%v), want none", len(rules), err)
	}

	if err := os.WriteFile(path, []byte("roles: [unclosed"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st := upload(); st != 400 || b.text("#policy-file-error") == "" {
		t.Errorf("a broken document: status %d, want 400 with the error by the file", st)
	}
}

// TestScreenshotsGovernance rewrites the governance pages' shots in
// docs/screenshots when run with -screenshots (TestScreenshots' pattern
// runs it too).
func TestScreenshotsGovernance(t *testing.T) {
	if !*screenshots {
		t.Skip("run with -screenshots to rewrite docs/screenshots")
	}
	s := newE2ESite(t)
	s.advance(72 * time.Hour)
	rv := s.draftReview(t, true)
	admin := s.actor(t, "admin@demo.example")
	if _, err := s.svc.SaveSoDRule(context.Background(), admin, 0, service.SoDRuleInput{Name: "Four eyes on exports", Mode: "refuse",
		Holdings: []access.Holding{"customer.export", "function:approve_exports"}, Description: "Exporters do not approve exports"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s.URL)
	b.do(chromedp.EmulateViewport(1280, 800))
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
	b.signIn("east.manager@demo.example")
	b.open(fmt.Sprintf("/reviews/%d?reviewer=me&status=pending", rv.ID))
	shot("review-items")
	b.switchTo("admin@demo.example")
	b.open("/reviews/new?dormant_days=30")
	shot("review-new")
	b.open("/insights/dormant?days=1")
	shot("insights-dormant")
	b.open("/sod")
	shot("sod")
	b.open(fmt.Sprintf("/reviews/%d", rv.ID))
	shot("review-progress")
	s.seedVolumes(t)
	b.open("/exports")
	shot("exports")
}
