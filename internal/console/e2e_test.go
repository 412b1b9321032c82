package console_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"steward/internal/store"
)

// These tests drive the console in headless Chromium against a real
// server. Without a browser they skip, unless STEWARD_E2E=required (as CI
// sets it), when they fail instead: CI must not pass by skipping them.
// .ci/install-chromium installs the browser.
//
//	go test ./internal/console -run E2E
//	go test ./internal/console -run TestScreenshots -screenshots   # rewrites docs/screenshots

var screenshots = flag.Bool("screenshots", false, "write PNGs of the main pages to docs/screenshots")

// chromium finds the browser, or skips (or fails, when required). With
// STEWARD_E2E=off it skips: CI's PostgreSQL pass sets it, since the console
// tests run on SQLite whatever the engine and the SQLite pass ran them.
func chromium(t testing.TB) string {
	t.Helper()
	if os.Getenv("STEWARD_E2E") == "off" {
		t.Skip("STEWARD_E2E=off: the browser tests run in CI's SQLite pass")
	}
	candidates := []string{os.Getenv("STEWARD_CHROMIUM"), "/usr/bin/chromium"}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); p != "" && err == nil && !st.IsDir() {
			return p
		}
	}
	if os.Getenv("STEWARD_E2E") == "required" {
		t.Fatal("STEWARD_E2E=required but no Chromium found at /usr/bin/chromium or on PATH; run .ci/install-chromium")
	}
	t.Skip("no Chromium found (install it with .ci/install-chromium); skipping the browser tests")
	return ""
}

// newE2ESite checks for the browser before seeding a site, so a skip is quick.
func newE2ESite(t testing.TB) *site {
	t.Helper()
	chromium(t)
	return newSite(t)
}

// browser is one headless Chromium with a fresh profile. It fails the test
// if a page opens a JavaScript dialog, throws, or has the Content-Security-
// Policy refuse something (which would mean inline code crept in).
type browser struct {
	t    testing.TB
	ctx  context.Context
	base string

	mu       sync.Mutex
	dialogs  []string
	problems []string
}

func newBrowser(t testing.TB, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.note(&b.dialogs, string(ev.Type)+": "+ev.Message)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Refused to") {
				b.note(&b.problems, m.String())
			}
		}
	}()
	// Runs before the browser is cancelled (cleanups run last first).
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.dialogs) > 0 {
			t.Errorf("a page opened JavaScript dialogs: %q", b.dialogs)
		}
		if len(b.problems) > 0 {
			t.Errorf("the browser console reported: %q", b.problems)
		}
	})
	return b
}

func (b *browser) note(list *[]string, s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	*list = append(*list, s)
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// open loads a page and returns its HTTP status.
func (b *browser) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// click clicks something that loads a page, and returns its status.
func (b *browser) click(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	return resp.Status
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// signIn signs in through the form, as a person would.
func (b *browser) signIn(email string) {
	b.t.Helper()
	b.open("/signin")
	b.do(chromedp.SendKeys(chromedp.CSS("#tenant"), "demo"),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), "steward-demo-pass"))
	if st := b.click("#signin-submit"); st != 200 {
		b.t.Fatalf("sign-in as %s ended on status %d", email, st)
	}
	if loc := eval[string](b, "location.pathname"); loc != "/customers" {
		b.t.Fatalf("after sign-in as %s the browser is at %s, want /customers", email, loc)
	}
}

// count reads the number of customers the list page says the user sees.
func (b *browser) count() int {
	b.t.Helper()
	n, err := strconv.Atoi(b.text("#customer-count strong"))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// customerLinks lists the customer pages the list links to.
func (b *browser) customerLinks() []string {
	return eval[[]string](b, `Array.from(document.querySelectorAll("a.customer-link"), a => a.getAttribute("href"))`)
}

// A rep sees only their own 30 customers and cannot open a colleague's in
// another team; the session cookie Chromium keeps is Secure, HttpOnly and
// SameSite=Lax even over http on the loopback address.
func TestE2ERepSeesOwnCustomers(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	b := newBrowser(t, s.URL)
	b.signIn("east.rep1@demo.example")
	if got := b.count(); got != 30 {
		t.Errorf("east.rep1 sees %d customers, want 30", got)
	}
	links := b.customerLinks()
	if len(links) != 30 {
		t.Errorf("the list shows %d customers, want 30", len(links))
	}
	west := s.customers(t, s.actor(t, "west.rep1@demo.example"))
	for _, c := range west {
		if slices.Contains(links, fmt.Sprintf("/customers/%d", c.ID)) {
			t.Errorf("east.rep1's list links west.rep1's customer %d", c.ID)
		}
	}
	if st := b.open(fmt.Sprintf("/customers/%d", west[0].ID)); st != 404 {
		t.Errorf("opening west.rep1's customer: status %d, want 404", st)
	}

	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(cookies.Cookies, func(c *network.Cookie) bool { return c.Name == "__Host-steward" })
	if i < 0 {
		t.Fatal("Chromium kept no __Host-steward cookie")
	}
	if c := cookies.Cookies[i]; !c.Secure || !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || c.Path != "/" {
		t.Errorf("session cookie secure=%v httpOnly=%v sameSite=%s path=%s", c.Secure, c.HTTPOnly, c.SameSite, c.Path)
	}

	// The explanation of one's own access to one's own customer.
	b.open(links[0] + "/access")
	if got := b.text("#why-customer-view"); !strings.Contains(got, "allowed") || !strings.Contains(got, "you own the record") {
		t.Errorf("customer.view explanation = %q, want allowed because you own the record", got)
	}
	if got := b.text(`#explain-grid td[data-cell="customer.delete"]`); !strings.Contains(got, "denied") {
		t.Errorf("a rep's customer.delete = %q, want denied", got)
	}
}

// The East manager sees the team's 90 customers, over two pages.
func TestE2EManagerSeesTeam(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	b := newBrowser(t, s.URL)
	b.signIn("east.manager@demo.example")
	if got := b.count(); got != 90 {
		t.Errorf("east.manager sees %d customers, want 90", got)
	}
	first := b.customerLinks()
	b.click("#next-page")
	second := b.customerLinks()
	if len(first) != 50 || len(second) != 40 {
		t.Errorf("pages of %d and %d customers, want 50 and 40", len(first), len(second))
	}
	for _, l := range second {
		if slices.Contains(first, l) {
			t.Errorf("%s is on both pages", l)
		}
	}
	if n := eval[int](b, `document.querySelectorAll("#next-page").length`); n != 0 {
		t.Errorf("the last page offers a next page")
	}
	b.open("/customers?level=A&sort=name")
	names := eval[[]string](b, `Array.from(document.querySelectorAll("a.customer-link"), a => a.textContent)`)
	if !slices.IsSorted(names) || len(names) == 0 || len(names) >= 90 {
		t.Errorf("level A sorted by name gave %d names, sorted=%v", len(names), slices.IsSorted(names))
	}
}

// The administrator widens sales_rep's customer.view to all, confirms the
// diff, and the rep's list grows on their next page load.
func TestE2EMatrixEdit(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	rep := newBrowser(t, s.URL)
	rep.signIn("east.rep1@demo.example")
	if got := rep.count(); got != 30 {
		t.Fatalf("before: east.rep1 sees %d, want 30", got)
	}

	admin := newBrowser(t, s.URL)
	admin.signIn("admin@demo.example")
	admin.click("#nav-matrix")
	admin.open("/matrix?role=sales_rep")
	sel := `select[name="cell.customer.view"]`
	if v := eval[string](admin, `document.querySelector('`+sel+`').value`); v != "own" {
		t.Fatalf("sales_rep customer.view = %q, want own", v)
	}
	admin.do(chromedp.SetValue(chromedp.CSS(sel), "all"))
	// The script keeps the count of pending changes; a real change event.
	eval[bool](admin, `document.querySelector('`+sel+`').dispatchEvent(new Event("change", {bubbles: true}))`)
	if got := admin.text("[data-pending]"); got != "1" {
		t.Errorf("pending changes shown: %q, want 1", got)
	}
	admin.click("#review")
	rows := eval[int](admin, `document.querySelectorAll("#diff tbody tr").length`)
	diff := admin.text(`#diff tr[data-cell="customer.view"]`)
	if rows != 1 || !strings.Contains(diff, "own") || !strings.Contains(diff, "whole company") {
		t.Errorf("diff has %d rows, customer.view row %q; want one row own → whole company", rows, diff)
	}
	if got := rep.count(); got != 30 {
		t.Errorf("before confirming, the rep's count moved to %d", got)
	}
	admin.click("#apply")
	if got := admin.text("#matrix-notice"); !strings.Contains(got, "saved") {
		t.Errorf("after applying: notice %q", got)
	}
	if v := eval[string](admin, `document.querySelector('`+sel+`').value`); v != "all" {
		t.Errorf("after applying, the editor shows %q, want all", v)
	}

	rep.do(chromedp.Reload())
	if got := rep.count(); got != 240 {
		t.Errorf("after the change, east.rep1 sees %d customers, want 240", got)
	}
}

// A customer's name is text, however hostile: no script runs, no dialog
// opens, and a right-to-left override cannot flip the page around it.
func TestE2EHostileNameIsText(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	b := newBrowser(t, s.URL)
	b.signIn("east.rep1@demo.example")
	b.click("#new-customer")
	script := "<script>alert(1)</script>"
	b.do(chromedp.SendKeys(chromedp.CSS("#f-name"), script), chromedp.SendKeys(chromedp.CSS("#f-phone"), "call me"))
	if st := b.click("#save"); st != 400 {
		t.Errorf("a bad phone number: status %d, want 400", st)
	}
	if got := b.text("#e-phone"); got == "" {
		t.Errorf("no error next to the phone field")
	}
	if got := eval[string](b, `document.querySelector("#f-name").value`); got != script {
		t.Errorf("the name field kept %q, want %q", got, script)
	}
	b.do(chromedp.Clear(chromedp.CSS("#f-phone")))
	b.click("#save")
	if got := b.text("#customer-name"); got != script {
		t.Errorf("the new customer's heading reads %q, want %q", got, script)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(eval[string](b, "location.pathname"), "/customers/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}

	// The service refuses direction overrides, so plant one the way older
	// or imported data might carry it: straight into the store.
	hostile := script + "\u202eevil"
	rep := s.actor(t, "east.rep1@demo.example")
	err = s.db.Write(context.Background(), func(tx *store.Tx) error {
		c, err := tx.Customer(context.Background(), rep.TenantID, id)
		if err != nil {
			return err
		}
		c.Name = hostile
		return tx.UpdateCustomer(context.Background(), rep.TenantID, &c, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fmt.Sprintf("/customers/%d", id), fmt.Sprintf("/customers/%d/access", id),
		fmt.Sprintf("/customers/%d/edit", id), "/customers?sort=-updated_at"} {
		b.open(p)
		if n := eval[int](b, `document.scripts.length`); n != 1 {
			t.Errorf("%s has %d scripts, want only the console's own", p, n)
		}
		html := eval[string](b, `document.body.innerHTML`)
		if strings.Contains(html, "<script>alert") {
			t.Errorf("%s carries the name as markup", p)
		}
	}
	b.open("/customers?sort=-updated_at")
	if got := b.text(`a.customer-link[href="/customers/` + strconv.FormatInt(id, 10) + `"] bdi`); got != hostile {
		t.Errorf("the list shows %q, want %q", got, hostile)
	}
	b.open(fmt.Sprintf("/customers/%d/edit", id))
	if got := eval[string](b, `document.querySelector("#f-name").value`); got != hostile {
		t.Errorf("the edit form holds %q, want %q", got, hostile)
	}
}

// A form posted without its CSRF token is refused and changes nothing.
func TestE2EPostWithoutCSRFRefused(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	rep := s.actor(t, "east.rep1@demo.example")
	cu := s.customers(t, rep)[0]
	b := newBrowser(t, s.URL)
	b.signIn("east.rep1@demo.example")
	b.open(fmt.Sprintf("/customers/%d/edit", cu.ID))
	eval[bool](b, `document.querySelector('#customer-form input[name="csrf"]').remove(), true`)
	b.do(chromedp.SetValue(chromedp.CSS("#f-name"), "Renamed without a token"))
	if st := b.click("#save"); st != 403 {
		t.Errorf("post without a token: status %d, want 403", st)
	}
	if got := b.text("#error-title"); got != "Not allowed" {
		t.Errorf("error page title %q", got)
	}
	if got := s.customerByID(t, rep, cu.ID); got.Name != cu.Name {
		t.Errorf("the name became %q", got.Name)
	}
	// With the token the same edit goes through.
	b.open(fmt.Sprintf("/customers/%d/edit", cu.ID))
	b.do(chromedp.SetValue(chromedp.CSS("#f-name"), "Renamed with a token"))
	b.click("#save")
	if got := b.text("#done"); got != "Saved." {
		t.Errorf("after saving: %q", got)
	}
	if got := s.customerByID(t, rep, cu.ID); got.Name != "Renamed with a token" {
		t.Errorf("the name is %q after a proper save", got.Name)
	}
}

// The language switch turns the interface into Chinese and keeps it so.
func TestE2ELanguageSwitch(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	b := newBrowser(t, s.URL)
	b.signIn("east.rep1@demo.example")
	if got := b.text("#nav-customers"); got != "Customers" {
		t.Errorf("nav reads %q before the switch", got)
	}
	b.click("#lang-zh")
	if got := b.text("#nav-customers"); got != "客户" {
		t.Errorf("nav reads %q after switching to Chinese, want 客户", got)
	}
	if got := eval[string](b, "document.documentElement.lang"); got != "zh-CN" {
		t.Errorf("html lang = %q", got)
	}
	if got := eval[string](b, "location.pathname"); got != "/customers" {
		t.Errorf("the switch left the page for %s", got)
	}
	b.click("#signout")
	if got := b.text("h1"); got != "登录" {
		t.Errorf("the sign-in page after signing out reads %q, want 登录", got)
	}
}

// On a phone-sized screen no page is wider than the screen (wide tables
// scroll inside their own region), and every field has a label.
func TestE2EPhoneLayoutAndLabels(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	rep := s.actor(t, "east.rep1@demo.example")
	cu := s.customers(t, rep)[0]
	report := s.seedTransfers(t)
	review := s.draftReview(t, true)
	s.seedVolumes(t) // the exports page draws its charts
	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.do(chromedp.EmulateViewport(360, 740))
	for _, p := range []string{"/customers", fmt.Sprintf("/customers/%d", cu.ID), fmt.Sprintf("/customers/%d/edit", cu.ID),
		fmt.Sprintf("/customers/%d/access", cu.ID), "/matrix?role=sales_rep", "/customers/new",
		"/pools", "/admin/users", "/admin/org", fmt.Sprintf("/admin/users/%d", rep.UserID), "/audit", "/rules", "/account", "/admin/security",
		"/admin/fields", "/admin/fields/customer/phone", "/customers/export?level=A", "/exports", "/admin/export-settings", "/imports", report,
		"/reviews", "/reviews/new", fmt.Sprintf("/reviews/%d", review.ID), "/reviews/mine", "/insights/unused", "/insights/dormant",
		"/insights/stale", "/insights/roles", "/sod", "/policy", "/rules/sharing/new", "/rules/restriction/new",
		fmt.Sprintf("/admin/org/%d", s.department(t, s.actor(t, "admin@demo.example"), "East Team").ID), "/admin/groups",
		"/matrix/roles", "/matrix/roles/sales_rep", "/privacy", "/retention", "/compliance", "/access", "/admin/lifecycle-settings",
		"/account/mfa", fmt.Sprintf("/customers/%d/access-at", cu.ID)} {
		b.open(p)
		if w := eval[int](b, "document.documentElement.scrollWidth - document.documentElement.clientWidth"); w > 0 {
			t.Errorf("%s is %dpx wider than a 360px screen", p, w)
		}
		unlabelled := eval[[]string](b, `Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea"))
			.filter(e => e.labels.length === 0 && !e.getAttribute("aria-label")).map(e => e.name)`)
		if len(unlabelled) > 0 {
			t.Errorf("%s has fields without a label: %q", p, unlabelled)
		}
	}
}

// TestScreenshots rewrites docs/screenshots when run with -screenshots.
func TestScreenshots(t *testing.T) {
	if !*screenshots {
		t.Skip("run with -screenshots to rewrite docs/screenshots")
	}
	s := newE2ESite(t)
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rep := s.actor(t, "east.rep1@demo.example")
	cu := s.customers(t, rep)[0]
	b := newBrowser(t, s.URL)
	// Long lists are taken as the screen shows them, the rest whole.
	shot := func(name string) {
		t.Helper()
		take := chromedp.FullScreenshot(100)
		if strings.HasPrefix(name, "customers") || strings.HasPrefix(name, "audit") || name == "users" || name == "security" {
			take = chromedp.CaptureScreenshot()
		}
		png, err := chromedp.Run(b.ctx, take)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b.do(chromedp.EmulateViewport(1280, 800))
	b.open("/signin")
	shot("signin")
	b.signIn("admin@demo.example")
	shot("customers")
	b.open(fmt.Sprintf("/customers/%d", cu.ID))
	shot("customer")
	b.open(fmt.Sprintf("/customers/%d/access?user_id=%d", cu.ID, rep.UserID))
	shot("explain")
	b.open("/matrix?role=sales_rep")
	shot("matrix")
	b.do(chromedp.SetValue(chromedp.CSS(`select[name="cell.customer.view"]`), "all"),
		chromedp.SetValue(chromedp.CSS(`select[name="cell.customer.export"]`), "department"))
	b.click("#review")
	shot("matrix-confirm")
	governanceShots(t, s, b, shot, cu.ID)
	adminShots(t, s, b, shot)
	b.click("#lang-zh")
	b.open("/customers")
	shot("customers-zh")
	b.open(fmt.Sprintf("/customers/%d/access?user_id=%d", cu.ID, rep.UserID))
	shot("explain-zh")
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.open("/customers")
	shot("customers-phone")
	b.open(fmt.Sprintf("/customers/%d", cu.ID))
	shot("customer-phone")
	b.do(chromedp.EmulateViewport(1280, 800))
	b.open("/audit?verify=1")
	shot("audit-zh")
	securityShots(t, s, b, shot)
}
