package console_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"steward/internal/demo"
	"steward/internal/service"
)

// These flows drive the account-security pages in headless Chromium: the
// security settings, forced enrolment, signing in with a TOTP or recovery
// code, the sessions list and the step-up prompt.

// signInTo types the password step and returns the page's path after it.
func (b *browser) signInTo(email string) string {
	b.t.Helper()
	b.open("/signin")
	b.do(chromedp.SendKeys(chromedp.CSS("#tenant"), demo.Tenant),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password))
	b.click("#signin-submit")
	return eval[string](b, "location.pathname")
}

// code types a code into the second step and returns the status.
func (b *browser) code(code string) int64 {
	b.t.Helper()
	b.do(chromedp.SendKeys(chromedp.CSS("#code"), code))
	return b.click("#code-submit")
}

func (b *browser) count1(sel string) int {
	b.t.Helper()
	return eval[int](b, `document.querySelectorAll("`+sel+`").length`)
}

// An administrator saves the security settings (a bad value is refused
// next to its field) so that administrators need a second factor; their
// next sign-in is sent to enrolment and nowhere else until it is done;
// then they sign in with a TOTP code, and with a recovery code, which
// works once.
func TestE2ESecuritySettingsAndMFA(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example") // before a factor is required of it
	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.click("#nav-admin")
	b.click("#tab-security")
	if n := b.count1(`#conformance tbody tr[data-verdict]`); n < 10 {
		t.Errorf("the conformance report has %d lines", n)
	}
	b.setValue("#security-f-idle_minutes", "3")
	if st := b.click("#security-save"); st != 400 {
		t.Errorf("an idle limit of 3 minutes: status %d, want 400", st)
	}
	if got := b.text("#security-e-idle_minutes"); !strings.Contains(got, "between") {
		t.Errorf("the error next to the idle limit reads %q", got)
	}
	b.setValue("#security-f-idle_minutes", "20")
	b.do(chromedp.Click(chromedp.CSS(`input[name="mfa_roles"][value="administrator"]`)))
	b.click("#security-save")
	if got := b.text("#done"); !strings.Contains(got, "saved") {
		t.Fatalf("after saving: %q", got)
	}
	rep, err := s.svc.SecuritySettings(ctx, admin)
	if err != nil || rep.Settings.IdleMinutes != 20 || !slices.Contains(rep.Settings.MFARoles, "administrator") {
		t.Fatalf("saved settings: idle %d, MFA roles %v (err %v); want 20 and administrator", rep.Settings.IdleMinutes, rep.Settings.MFARoles, err)
	}

	// Forced enrolment: every page leads to it.
	b.click("#signout")
	if got := b.signInTo("admin@demo.example"); got != "/account/mfa" {
		t.Fatalf("an administrator without a factor landed on %s, want /account/mfa", got)
	}
	b.open("/customers")
	if got := eval[string](b, "location.pathname"); got != "/account/mfa" || b.count1("#enrol-forced") != 1 || b.count1("#nav-customers") != 0 {
		t.Errorf("/customers during enrolment: at %s, forced notice %d, nav %d", got, b.count1("#enrol-forced"), b.count1("#nav-customers"))
	}
	b.click("#mfa-start")
	secret := b.text("#totp-secret")
	if src := eval[string](b, `document.querySelector("#totp-qr").src`); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Errorf("the QR code's src begins %.40q", src)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#mfa-f-code"), "12345"))
	if st := b.click("#mfa-confirm"); st != 400 || b.text("#mfa-e-code") == "" || b.text("#totp-secret") != secret {
		t.Errorf("a malformed code: status %d, want 400 with an error by the code and the same secret shown", st)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#mfa-f-code"), s.totp(t, secret)))
	b.click("#mfa-confirm")
	codes := eval[[]string](b, `Array.from(document.querySelectorAll("#recovery-codes code"), c => c.textContent)`)
	if len(codes) != 10 || !strings.Contains(b.text("#recovery-warning"), "store them") {
		t.Fatalf("recovery page shows %d codes", len(codes))
	}
	b.click("#continue")
	if got := eval[string](b, "location.pathname"); got != "/customers" {
		t.Errorf("after enrolling the administrator is at %s", got)
	}

	// Password and TOTP; a wrong code first.
	b.click("#signout")
	if got := b.signInTo("admin@demo.example"); got != "/signin" || b.count1("#code") != 1 {
		t.Fatalf("after the password the browser is at %s without the code step", got)
	}
	if st := b.code("123456"); st != 401 || !strings.Contains(b.text("#signin-error"), "wrong") {
		t.Errorf("a wrong code: status %d, error %q", st, b.text("#signin-error"))
	}
	s.advance(30 * time.Second) // the next step: the enrolment's code was spent
	b.code(s.totp(t, secret))
	if got := eval[string](b, "location.pathname"); got != "/customers" {
		t.Fatalf("after the TOTP code the browser is at %s", got)
	}

	// A recovery code works once.
	for i, want := range []string{"/customers", "/signin/code"} {
		b.click("#signout")
		b.signInTo("admin@demo.example")
		b.code(codes[0])
		if got := eval[string](b, "location.pathname"); got != want {
			t.Errorf("recovery code, use %d: at %s, want %s", i+1, got, want)
		}
	}
	if got := b.text("#signin-error"); !strings.Contains(got, "already used") {
		t.Errorf("the second use of a recovery code reads %q", got)
	}
}

// A user sees their sessions with this one marked, and "sign out
// everywhere else" ends another browser's; the password form places the
// policy's refusal by its field; a role grant on a sign-in older than ten
// minutes asks for the password again and then goes through.
func TestE2ESessionsAndStepUp(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	ctx := context.Background()
	admin, rep2 := s.actor(t, "admin@demo.example"), s.actor(t, "east.rep2@demo.example")
	other := newClient(t, s.URL)
	other.signIn("admin@demo.example")
	// Besides this browser's: other's, admin's and the demo seed's own.
	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.click("#nav-account")
	if n, cur := b.count1("#session-list tbody tr"), b.count1("#session-list tr[data-current]"); n < 3 || cur != 1 {
		t.Errorf("sessions listed: %d with %d marked current, want at least 3 and 1", n, cur)
	}

	b.do(chromedp.SendKeys(chromedp.CSS("#pw-f-current_password"), demo.Password),
		chromedp.SendKeys(chromedp.CSS("#pw-f-new_password"), "short"),
		chromedp.SendKeys(chromedp.CSS("#pw-f-repeat_password"), "short"))
	if st := b.click("#password-submit"); st != 400 {
		t.Errorf("a short new password: status %d, want 400", st)
	}
	if got := b.text("#pw-e-new_password"); !strings.Contains(got, "at least") {
		t.Errorf("the error by the new password reads %q", got)
	}

	b.click("#end-others")
	if got := b.text("#done"); !strings.Contains(got, "signed out") || b.count1("#session-list tbody tr") != 1 {
		t.Errorf("after signing out elsewhere: %q with %d sessions", got, b.count1("#session-list tbody tr"))
	}
	if resp, _ := other.get("/customers"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Errorf("the other session's next request: %d to %q, want 303 to sign-in", resp.StatusCode, resp.Header.Get("Location"))
	}

	s.advance(11 * time.Minute)
	b.open(fmt.Sprintf("/admin/users/%d", rep2.UserID))
	b.setValue("#grant-f-role", "marketing")
	b.do(chromedp.SendKeys(chromedp.CSS("#grant-f-reason"), "Spring campaign"))
	if st := b.click("#grant-submit"); st != 401 || b.count1("#stepup-form") != 1 {
		t.Fatalf("a grant on an old sign-in: status %d, want 401 with the step-up form", st)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#su-password"), "not my password"))
	if st := b.click("#stepup-submit"); st != 401 || b.text("#stepup-error") == "" {
		t.Errorf("a wrong step-up password: status %d, error %q", st, b.text("#stepup-error"))
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#su-password"), demo.Password))
	b.click("#stepup-submit")
	if got := b.text("#done"); !strings.Contains(got, "granted") {
		t.Errorf("after the step-up: %q", got)
	}
	u, err := s.svc.User(ctx, admin, rep2.UserID)
	if err != nil || !slices.Contains(u.Roles, "marketing") {
		t.Errorf("east.rep2's roles are %v (err %v), want marketing among them", u.Roles, err)
	}
}

// securityShots photographs the account-security pages: the settings, my
// account with two sessions, enrolment, the recovery codes and the second
// step of signing in. It gives east.rep1 a factor, so it runs last.
func securityShots(t *testing.T, s *site, b *browser, shot func(string)) {
	t.Helper()
	b.open("/lang/en?next=/admin/security")
	shot("security")
	b.switchTo("east.rep1@demo.example")
	newClient(t, s.URL).signIn("east.rep1@demo.example") // a second session to list
	b.open("/account")
	shot("account")
	b.click("#mfa-start")
	shot("enrol")
	secret := b.text("#totp-secret")
	b.do(chromedp.SendKeys(chromedp.CSS("#mfa-f-code"), s.totp(t, secret)))
	b.click("#mfa-confirm")
	shot("recovery-codes")
	b.click("#continue")
	b.click("#signout")
	b.signInTo("east.rep1@demo.example")
	shot("signin-code")
}

// Codes by SMS: where the organisation allows them, a rep sets them up
// from the account page (which warns they are weaker than an app) and
// signs in with the code the second step says was sent.
func TestE2ECodeFactor(t *testing.T) {
	t.Parallel()
	chromium(t)
	sent := &phone{}
	s := newSiteWith(t, func(svc *service.Service) { svc.Sender = sent })
	no, none, sms := false, []string{}, []string{"sms"}
	in := service.SecuritySettingsInput{MFARoles: &none, MFAForExport: &no, MFAForAdmin: &no, CodeChannels: &sms}
	if _, err := s.svc.SetSecuritySettings(context.Background(), s.actor(t, "admin@demo.example"), in); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s.URL)
	b.signIn("east.rep1@demo.example")
	b.open("/account")
	if !strings.Contains(b.text("#codes-weaker"), "SIM swap") {
		t.Errorf("the offer of codes does not warn of SIM swaps: %q", b.text("#codes-weaker"))
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#code-f-address"), "+86 138 0013 8000"))
	if st := b.click("#code-start"); st != 200 || !strings.Contains(b.text("#code-sent"), "SMS") {
		t.Fatalf("sending the first code: status %d, notice %q", st, b.text("#code-sent"))
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#codec-f-code"), sent.code(t)))
	b.click("#code-confirm")
	if n := b.count1("#recovery-codes code"); n != 10 {
		t.Fatalf("the recovery page shows %d codes", n)
	}
	b.click("#continue")

	s.advance(31 * time.Second) // one code per 30 s
	b.click("#signout")
	if got := b.signInTo("east.rep1@demo.example"); got != "/signin" || !strings.Contains(b.text("#code-sent"), "SMS") {
		t.Fatalf("after the password: at %s without saying a code was sent", got)
	}
	b.code(sent.code(t))
	if got := eval[string](b, "location.pathname"); got != "/customers" {
		t.Fatalf("after the sent code the browser is at %s", got)
	}
}
