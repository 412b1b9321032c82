package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"steward/internal/access"
	"steward/internal/org"
	"steward/internal/service"
)

// These flows drive the pools, sharing, admin, audit and rules pages in
// headless Chromium. Each test uses one site and one browser, signing
// different people in and out of it, to keep the suite's run time down.

// switchTo signs whoever is signed in out, and email in.
func (b *browser) switchTo(email string) {
	b.t.Helper()
	if eval[int](b, `document.querySelectorAll("#signout").length`) > 0 {
		b.click("#signout")
	}
	b.signIn(email)
}

// noValidate turns off the browser's own checks of a form (required
// fields), so that the server's answer to what it lets through shows.
func (b *browser) noValidate(form string) {
	b.t.Helper()
	eval[bool](b, `document.querySelector("`+form+`").noValidate = true`)
}

// setValue sets a form control's value, as choosing or typing would.
func (b *browser) setValue(sel, value string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.CSS(sel), value))
}

func (s *site) department(t testing.TB, a *service.Actor, name string) org.Department {
	t.Helper()
	ds, err := s.svc.Departments(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no department %q", name)
	return org.Department{}
}

// An administrator creates a pool in the console; a rep returns a customer
// to it (a reason is required); a colleague sees it with its phone masked,
// claims it and then sees the phone in full; the pool's holding cap and the
// re-claim cool-down refuse further claims with a message that says why.
func TestE2EPoolClaimAndReturn(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	admin := s.actor(t, "admin@demo.example")
	sales := s.department(t, admin, "Sales")
	rep2 := s.actor(t, "east.rep2@demo.example")
	mine := s.customers(t, rep2)
	first, second := mine[0], mine[1]

	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.click("#nav-pools")
	b.do(chromedp.SendKeys(chromedp.CSS("#pool-f-name"), "Sales pool"))
	b.setValue("#pool-f-holding_cap", "1")
	b.setValue("#pool-f-cooldown_days", "7")
	b.setValue("#pool-f-auto_return_days", "0")
	if st := b.click("#pool-submit"); st != 400 {
		t.Errorf("a pool without departments: status %d, want 400", st)
	}
	if got := b.text("#pool-e-departments"); got == "" {
		t.Errorf("no error next to the departments")
	}
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="departments"][value="%d"]`, sales.ID))))
	b.click("#pool-submit")
	if got := b.text("#done"); got != "Pool created." {
		t.Fatalf("after creating the pool: %q", got)
	}
	poolURL := eval[string](b, `document.querySelector("a.pool-link").getAttribute("href")`)
	poolID, _ := strconv.ParseInt(strings.TrimPrefix(poolURL, "/pools/"), 10, 64)

	// The owner returns a customer; without a reason the form says so.
	b.switchTo("east.rep2@demo.example")
	b.open(fmt.Sprintf("/customers/%d", first.ID))
	// The browser asks for the reason itself; past it, the server does.
	b.noValidate("#return-form")
	if st := b.click("#return"); st != 400 {
		t.Errorf("a return without a reason: status %d, want 400", st)
	}
	if got := b.text("#return-e-reason"); got == "" {
		t.Errorf("no error next to the reason")
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#return-f-reason"), "No budget this year"))
	b.click("#return")
	if got, want := eval[string](b, "location.pathname"), poolURL; got != want {
		t.Errorf("after returning, the browser is at %s, want %s", got, want)
	}
	if _, err := s.svc.Return(context.Background(), rep2, second.ID, service.ReturnRequest{Reason: "Moved abroad", PoolID: &poolID}); err != nil {
		t.Fatal(err)
	}

	// A colleague in the pool's department sees both, phones masked.
	b.switchTo("east.rep1@demo.example")
	b.click("#nav-pools")
	if got := b.text(fmt.Sprintf(`tr[data-pool="%d"] .pool-count`, poolID)); got != "2" {
		t.Errorf("the pool list counts %q customers, want 2", got)
	}
	b.click("a.pool-link")
	phone := b.text(fmt.Sprintf(`tr[data-customer="%d"] .phone`, first.ID))
	real := s.customerByID(t, admin, first.ID).Phone
	if !strings.Contains(phone, "*") || phone == real {
		t.Errorf("in the pool the phone reads %q, want a mask of %q", phone, real)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#claim-f-reason"), "Met them at the fair"))
	b.click(fmt.Sprintf("#claim-%d", first.ID))
	if got := b.text("#done"); !strings.Contains(got, "Claimed") {
		t.Errorf("after claiming: %q", got)
	}
	if got := b.text("#customer-phone"); got != real {
		t.Errorf("after claiming the phone reads %q, want %q", got, real)
	}

	// The holding cap is 1: the second claim is refused, and says why.
	b.open(poolURL)
	if st := b.click(fmt.Sprintf("#claim-%d", second.ID)); st != 409 {
		t.Errorf("a claim over the holding cap: status %d, want 409", st)
	}
	if got := b.text("#claim-error"); !strings.Contains(got, "limit") {
		t.Errorf("over the cap the page says %q, want the limit named", got)
	}

	// Returned, the same customer cannot be claimed back at once.
	b.open(fmt.Sprintf("/customers/%d", first.ID))
	b.do(chromedp.SendKeys(chromedp.CSS("#return-f-reason"), "Wrong region"))
	b.click("#return")
	if st := b.click(fmt.Sprintf("#claim-%d", first.ID)); st != 409 {
		t.Errorf("a claim inside the cool-down: status %d, want 409", st)
	}
	if got := b.text("#claim-error"); !strings.Contains(got, "7 days") {
		t.Errorf("inside the cool-down the page says %q, want the 7 days named", got)
	}
}

// An owner shares a customer with a colleague for a reason and until a
// date, and the colleague then sees it; the colleague, a rep, finds no
// admin, audit or rules pages. An administrator gives the colleague a role
// until a date; an auditor finds the share in the trail, filtered by actor
// and action, sees the chain verified, and reads the sharing rules.
func TestE2ESharingAdminAudit(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example")
	rep1, rep2 := s.actor(t, "east.rep1@demo.example"), s.actor(t, "east.rep2@demo.example")
	cu := s.customers(t, rep1)[0]
	marketing := s.department(t, admin, "Marketing")
	_, err := s.svc.SaveSharingRule(ctx, admin, 0, service.SharingRuleInput{Name: "A accounts to Marketing",
		Criteria:  access.Criteria{All: []access.Criteria{{Field: "level", Op: "equals", Value: "A"}, {Field: "source", Op: "in", Values: []string{"event", "web"}}}},
		Principal: access.Principal{Type: access.PrincipalDepartment, ID: marketing.ID}, Level: access.Read, Reason: "Campaign follow-up"})
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, s.URL)
	b.signIn("east.rep1@demo.example")
	b.open(fmt.Sprintf("/customers/%d", cu.ID))
	b.setValue("#share-f-principal", fmt.Sprintf("user:%d", rep2.UserID))
	b.setValue("#share-f-expires_at", "2001-01-01")
	b.do(chromedp.SendKeys(chromedp.CSS("#share-f-reason"), "Covering during my leave"))
	if st := b.click("#share-submit"); st != 400 {
		t.Errorf("a share expiring in the past: status %d, want 400", st)
	}
	if got := b.text("#share-e-expires_at"); got == "" {
		t.Errorf("no error next to the expiry")
	}
	until := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	b.setValue("#share-f-expires_at", until)
	b.click("#share-submit")
	if got := b.text("#done"); got != "Shared." {
		t.Errorf("after sharing: %q", got)
	}
	row := b.text("#shares tbody tr")
	for _, want := range []string{rep2.User.Name, "Covering during my leave", until, "read"} {
		if !strings.Contains(row, want) {
			t.Errorf("the share reads %q, want %q in it", row, want)
		}
	}

	b.switchTo("east.rep2@demo.example")
	if got := b.count(); got != 31 {
		t.Errorf("after the share east.rep2 sees %d customers, want 31", got)
	}
	if st := b.open(fmt.Sprintf("/customers/%d", cu.ID)); st != 200 {
		t.Errorf("east.rep2 opening the shared customer: status %d", st)
	}
	for _, nav := range []string{"#nav-admin", "#nav-audit", "#nav-rules", "#nav-pools", "#nav-matrix"} {
		if n := eval[int](b, `document.querySelectorAll("`+nav+`").length`); n != 0 {
			t.Errorf("a rep's nav shows %s", nav)
		}
	}
	for _, p := range []string{"/admin/users", "/admin/org", fmt.Sprintf("/admin/users/%d", rep2.UserID), "/audit", "/rules"} {
		if st := b.open(p); st != 403 {
			t.Errorf("a rep typing %s: status %d, want 403", p, st)
		}
	}

	b.switchTo("admin@demo.example")
	b.click("#nav-admin")
	b.click(fmt.Sprintf(`tr[data-user="%d"] a.user-link`, rep2.UserID))
	b.setValue("#grant-f-role", "marketing")
	b.setValue("#grant-f-expires_at", until)
	b.noValidate("#grant-form")
	if st := b.click("#grant-submit"); st != 400 {
		t.Errorf("a grant without a reason: status %d, want 400", st)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#grant-f-reason"), "Helps with the spring campaign"))
	b.click("#grant-submit")
	if got := b.text("#done"); !strings.Contains(got, "granted") {
		t.Errorf("after granting: %q", got)
	}
	if got := b.text(`#assignments tr[data-role="marketing"]`); !strings.Contains(got, until) || !strings.Contains(got, "spring campaign") {
		t.Errorf("the assignment reads %q, want the expiry %s and the reason", got, until)
	}
	u, err := s.svc.User(ctx, admin, rep2.UserID)
	if err != nil || !slices.Contains(u.Roles, "marketing") {
		t.Errorf("east.rep2's roles are %v (err %v), want marketing among them", u.Roles, err)
	}
	b.click("#tab-org")
	if got := b.text(fmt.Sprintf(`li[data-department="%d"]`, marketing.ID)); !strings.Contains(got, "Marketing") {
		t.Errorf("the org tree's Marketing entry reads %q", got)
	}

	b.switchTo("auditor@demo.example")
	b.click("#nav-audit")
	b.click("#verify-now")
	if got := b.text("#verify-result"); !strings.Contains(got, "intact") {
		t.Errorf("the chain verification reads %q", got)
	}
	b.setValue("#actor", strconv.FormatInt(rep1.UserID, 10))
	b.do(chromedp.SendKeys(chromedp.CSS("#action"), "share."))
	b.click("#apply-filters")
	actions := eval[[]string](b, `Array.from(document.querySelectorAll("#audit-events tbody tr"), tr => tr.dataset.action)`)
	if len(actions) != 1 || actions[0] != "share.add" {
		t.Fatalf("rep1's share events: %q, want one share.add", actions)
	}
	got := b.text("#audit-events tbody tr")
	for _, want := range []string{fmt.Sprintf("customer #%d", cu.ID), "Covering during my leave", rep1.User.Name} {
		if !strings.Contains(got, want) {
			t.Errorf("the share event reads %q, want %q in it", got, want)
		}
	}
	b.open("/audit?outcome=denied")
	if n := eval[int](b, `document.querySelectorAll('#audit-events tr[data-action="access.denied"]').length`); n < 5 {
		t.Errorf("denied events listed: %d, want the rep's 5 typed URLs", n)
	}

	b.click("#nav-rules")
	b.click("#sharing-rules a.rule-link")
	if got := b.text("#rule-criteria"); got != "Level is A and Source is one of event, web" {
		t.Errorf("the rule's criteria read %q", got)
	}
	if got := b.text("#rule-principals"); got != "department Marketing" {
		t.Errorf("the rule shares with %q", got)
	}
}

// governanceShots fills the demo with a pool, shares, a role with an
// expiry and rules, then photographs the pages that show them.
func governanceShots(t *testing.T, s *site, b *browser, shot func(string), customerID int64) {
	t.Helper()
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example")
	rep2 := s.actor(t, "east.rep2@demo.example")
	sales, marketing := s.department(t, admin, "Sales"), s.department(t, admin, "Marketing")
	pool, err := s.svc.SavePool(ctx, admin, 0, service.PoolInput{Name: "Sales pool", Departments: []int64{sales.ID}, HoldingCap: 20, CooldownDays: 7, AutoReturnDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range s.customers(t, rep2)[:6] {
		reason := []string{"No budget this year", "Moved abroad", "Duplicate contact"}[i%3]
		if _, err := s.svc.Return(ctx, rep2, c.ID, service.ReturnRequest{Reason: reason, PoolID: &pool.ID}); err != nil {
			t.Fatal(err)
		}
	}
	until := time.Now().AddDate(0, 2, 0)
	if _, err := s.svc.AddShare(ctx, admin, customerID, service.ShareInput{Principal: access.Principal{Type: access.PrincipalUser, ID: rep2.UserID},
		Level: access.Read, ExpiresAt: &until, Reason: "Covering during leave"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AddShare(ctx, admin, customerID, service.ShareInput{Principal: access.Principal{Type: access.PrincipalDepartment, ID: marketing.ID},
		Level: access.Read, Reason: "Spring campaign"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AddTeamMember(ctx, admin, customerID, service.TeamInput{UserID: rep2.UserID, Level: access.EditLevel, Reason: "Technical lead on the deal"}); err != nil {
		t.Fatal(err)
	}
	if err := s.svc.GrantRole(ctx, admin, rep2.UserID, service.RoleGrant{Role: "marketing", ExpiresAt: &until, Reason: "Helps with the spring campaign"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.SaveSharingRule(ctx, admin, 0, service.SharingRuleInput{Name: "A accounts to Marketing",
		Criteria:  access.Criteria{All: []access.Criteria{{Field: "level", Op: "equals", Value: "A"}, {Field: "source", Op: "in", Values: []string{"event", "web"}}}},
		Principal: access.Principal{Type: access.PrincipalDepartment, ID: marketing.ID}, Level: access.Read, Reason: "Campaign follow-up"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.SaveRestriction(ctx, admin, 0, service.RestrictionInput{Name: "Government accounts",
		Criteria:   access.Criteria{Field: "industry", Op: "equals", Value: "Government"},
		Principals: []access.Principal{{Type: access.PrincipalDepartment, ID: marketing.ID, IncludeSubDept: true}}, Reason: "Public-sector confidentiality"}); err != nil {
		t.Fatal(err)
	}
	b.open("/pools")
	shot("pools")
	// A member sees the pool's phones masked, with a claim button each.
	b.switchTo("east.rep1@demo.example")
	b.open(fmt.Sprintf("/pools/%d", pool.ID))
	shot("pool")
	b.switchTo("admin@demo.example")
	b.open(fmt.Sprintf("/customers/%d", customerID))
	png, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS("#sharing")))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", "customer-sharing.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	b.open("/admin/users")
	shot("users")
	b.open(fmt.Sprintf("/admin/users/%d", rep2.UserID))
	shot("user")
	b.open("/admin/org")
	shot("org")
	b.open("/audit?verify=1")
	shot("audit")
	b.open("/rules")
	shot("rules")
}
