package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"steward/internal/demo"
)

// settingsForm is the security form as posted with the demo's values,
// changed by over.
func settingsForm(token string, over map[string]string) url.Values {
	f := url.Values{"csrf": {token}, "profile": {"default"}, "totp_window": {"drift"}, "time_zone": {"UTC"},
		"min_length": {"15"}, "min_length_mfa": {"8"}, "min_classes": {"0"}, "expiry_days": {"0"}, "history": {"0"},
		"lockout_threshold": {"100"}, "lockout_minutes": {"0"}, "idle_minutes": {"30"}, "absolute_hours": {"12"},
		"admin_idle_minutes": {"15"}, "admin_absolute_hours": {"12"}}
	for k, v := range over {
		f.Set(k, v)
	}
	return f
}

// checkPage fails on a wrong status, an untranslated key or inline code.
func checkPage(t *testing.T, what string, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Errorf("%s: status %d, want %d", what, resp.StatusCode, want)
	}
	if i := strings.Index(body, "[["); i >= 0 {
		t.Errorf("%s: untranslated key near %q", what, body[i:min(len(body), i+60)])
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Errorf("%s: inline script or style", what)
	}
}

var secretRE = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)

// The account, enrolment, recovery, second-step, step-up and security
// pages render in both languages with every catalogue key found.
func TestAccountPagesRender(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	for _, lang := range []string{"en", "zh-CN"} {
		c := newClient(t, s.URL)
		c.signIn("admin@demo.example")
		c.get("/lang/" + lang)
		for _, p := range []string{"/account", "/account/mfa", "/admin/security"} {
			resp, body := c.get(p)
			checkPage(t, lang+" "+p, resp, body, http.StatusOK)
		}
		_, body := c.get("/account")
		token := csrf(t, body)
		resp, body := c.post("/account/password", url.Values{"csrf": {token}, "current_password": {demo.Password},
			"new_password": {"short"}, "repeat_password": {"short"}})
		checkPage(t, lang+" password too short", resp, body, http.StatusBadRequest)
		if lang == "zh-CN" && !strings.Contains(body, "密码至少需要 15 个字符。") {
			t.Errorf("the Chinese refusal of a short password is missing")
		}
		resp, body = c.post("/account/mfa/start", url.Values{"csrf": {token}})
		checkPage(t, lang+" enrolment", resp, body, http.StatusOK)
		if !strings.Contains(body, `src="data:image/png;base64,`) || secretRE.FindStringSubmatch(body) == nil {
			t.Errorf("%s: the enrolment page lacks the QR code or the secret", lang)
		}
		resp, body = c.post("/account/mfa/confirm", url.Values{"csrf": {token}, "code": {"abc"}})
		checkPage(t, lang+" wrong first code", resp, body, http.StatusBadRequest)
		resp, body = c.post("/admin/security", settingsForm(token, map[string]string{"idle_minutes": "ten"}))
		checkPage(t, lang+" security error", resp, body, http.StatusBadRequest)
		if !strings.Contains(body, `id="security-e-idle_minutes"`) {
			t.Errorf("%s: no error by the idle limit", lang)
		}
		resp, body = c.post("/stepup", url.Values{"csrf": {token}, "password": {"wrong"}, "redo": {"/admin/security"}, "method": {"POST"}})
		checkPage(t, lang+" step-up refused", resp, body, http.StatusUnauthorized)
	}

	// The sign-in's second step, for a user with a factor.
	rep := s.actor(t, "east.rep1@demo.example")
	en, err := s.svc.StartTOTP(ctx, rep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.ConfirmTOTP(ctx, rep, s.totp(t, en.Secret)); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-CN"} {
		c := newClient(t, s.URL)
		c.get("/lang/" + lang)
		_, body := c.get("/signin")
		resp, body := c.post("/signin", url.Values{"csrf": {csrf(t, body)}, "tenant": {demo.Tenant}, "email": {"east.rep1@demo.example"}, "password": {demo.Password}})
		checkPage(t, lang+" second step", resp, body, http.StatusOK)
		if c.cookies["__Host-steward"] != nil || c.cookies["__Host-steward-mfa"] == nil {
			t.Fatalf("after the password: a session cookie, or no pending sign-in")
		}
		if strings.Contains(body, c.cookies["__Host-steward-mfa"].Value) {
			t.Errorf("the page carries the pending sign-in's token")
		}
		resp, body = c.post("/signin/code", url.Values{"csrf": {csrf(t, body)}, "code": {"000000"}})
		checkPage(t, lang+" wrong code", resp, body, http.StatusUnauthorized)
	}
}

// The step-up form carries the refused action and redoes it: a security
// setting saved on a sign-in older than ten minutes.
func TestStepUpRedoesTheAction(t *testing.T) {
	s := newSite(t)
	admin := s.actor(t, "admin@demo.example") // for reading the settings back
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get("/admin/security")
	token := csrf(t, body)
	s.advance(11 * time.Minute)
	form := settingsForm(token, map[string]string{"totp_window": "exact", "mfa_roles": "auditor"})
	resp, body := c.post("/admin/security", form)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `name="keep.totp_window" value="exact"`) {
		t.Fatalf("a save on an old sign-in: status %d, want 401 with the step-up form carrying the fields", resp.StatusCode)
	}
	redo := url.Values{"csrf": {csrf(t, body)}, "password": {demo.Password}, "redo": {"/admin/security"}, "method": {"POST"}}
	for k, v := range form {
		if k != "csrf" {
			redo["keep."+k] = v
		}
	}
	resp, _ = c.post("/stepup", redo)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/security?done=saved" {
		t.Fatalf("after the step-up: %d to %q, want 303 to /admin/security?done=saved", resp.StatusCode, resp.Header.Get("Location"))
	}
	rep, err := s.svc.SecuritySettings(context.Background(), admin)
	if err != nil || rep.Settings.TOTPWindow != "exact" || len(rep.Settings.MFARoles) != 1 {
		t.Errorf("settings after the redo: window %q, MFA roles %v (err %v)", rep.Settings.TOTPWindow, rep.Settings.MFARoles, err)
	}
}
