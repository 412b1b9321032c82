package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"steward/internal/demo"
	"steward/internal/service"
)

// phone is the console tests' Sender: it keeps the codes it is given.
type phone struct {
	mu   sync.Mutex
	msgs []service.Message
}

func (p *phone) Send(_ context.Context, m service.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, m)
	return nil
}

var codeRE = regexp.MustCompile(`\b\d{6}\b`)

// code is the newest code sent.
func (p *phone) code(t testing.TB) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.msgs) == 0 {
		t.Fatal("no code was sent")
	}
	return codeRE.FindString(p.msgs[len(p.msgs)-1].Body)
}

// Codes by e-mail or SMS in the console: the security page turns them on
// and says what that breaks; the account page offers them, warning they
// are weaker; the code sent turns them on; signing in says a code was
// sent; removing them needs a step-up with a code asked for on the
// step-up page. Every page renders in both languages.
func TestCodeFactorPages(t *testing.T) {
	sent := &phone{}
	s := newSiteWith(t, func(svc *service.Service) { svc.Sender = sent })

	admin := newClient(t, s.URL)
	admin.signIn("admin@demo.example")
	_, body := admin.get("/admin/security")
	if !strings.Contains(body, `name="code_channels" value="sms"`) || strings.Contains(body, `value="sms" checked`) {
		t.Fatal("the security page lacks the code channels, or has them on by default")
	}
	resp, _ := admin.post("/admin/security", settingsForm(csrf(t, body), map[string]string{"mfa_roles": "auditor"}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the settings: %d", resp.StatusCode)
	}
	form := settingsForm(csrf(t, body), map[string]string{"mfa_roles": "auditor"})
	form["code_channels"] = []string{"email", "sms"}
	if resp, _ := admin.post("/admin/security", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("allowing codes: %d", resp.StatusCode)
	}
	_, body = admin.get("/admin/security")
	if !strings.Contains(body, `value="sms" checked`) || !strings.Contains(body, "§3.1.3.1") {
		t.Error("the security page does not show codes on, or what e-mail codes break")
	}

	for _, lang := range []string{"en", "zh-CN"} {
		c := newClient(t, s.URL)
		c.signIn("east.rep1@demo.example")
		c.get("/lang/" + lang)
		resp, body := c.get("/account")
		checkPage(t, lang+" account", resp, body, http.StatusOK)
		if !strings.Contains(body, `id="code-start-form"`) || !strings.Contains(body, `id="codes-weaker"`) || !strings.Contains(body, `id="mfa-start"`) {
			t.Fatalf("%s: the account page does not offer codes beside the authenticator, with the warning", lang)
		}
		token := csrf(t, body)
		resp, body = c.post("/account/mfa/code/start", url.Values{"csrf": {token}, "channel": {"sms"}, "address": {"138 0013 8000"}})
		checkPage(t, lang+" bad number", resp, body, http.StatusBadRequest)
		if !strings.Contains(body, `id="code-e-address"`) {
			t.Errorf("%s: no error by the address", lang)
		}
		s.advance(31 * time.Second) // one code per 30 s
		resp, body = c.post("/account/mfa/code/start", url.Values{"csrf": {token}, "channel": {"sms"}, "address": {"+86 138 0013 8000"}})
		checkPage(t, lang+" code sent", resp, body, http.StatusOK)
		if !strings.Contains(body, `id="code-sent"`) || !strings.Contains(body, `id="code-resend"`) {
			t.Fatalf("%s: the page after sending does not say so, or offers no new code", lang)
		}
		resp, body = c.post("/account/mfa/code/confirm", url.Values{"csrf": {token}, "code": {"12345"}, "channel": {"sms"}, "address": {"+86 138 0013 8000"}})
		checkPage(t, lang+" wrong code", resp, body, http.StatusBadRequest)
		resp, body = c.post("/account/mfa/code/confirm", url.Values{"csrf": {token}, "code": {sent.code(t)}})
		checkPage(t, lang+" recovery codes", resp, body, http.StatusOK)
		if lang == "en" && !strings.Contains(body, "Codes by e-mail or SMS are on") {
			t.Errorf("the recovery page does not say codes are on")
		}
		if lang == "zh-CN" && !strings.Contains(body, `id="recovery-codes"`) {
			t.Errorf("no recovery codes after the first code factor")
		}
		_, body = c.get("/account")
		if !strings.Contains(body, `id="mfa-code-on"`) || !strings.Contains(body, "*********8000") || !strings.Contains(body, `id="mfa-code-remove"`) ||
			strings.Contains(body, `id="mfa-start"`) || strings.Contains(body, `id="code-start-form"`) {
			t.Fatalf("%s: the account page with codes on", lang)
		}

		// Signing in says a code was sent and offers another.
		s.advance(31 * time.Second)
		in := newClient(t, s.URL)
		in.get("/lang/" + lang)
		_, body = in.get("/signin")
		resp, body = in.post("/signin", url.Values{"csrf": {csrf(t, body)}, "tenant": {demo.Tenant}, "email": {"east.rep1@demo.example"}, "password": {demo.Password}})
		checkPage(t, lang+" second step", resp, body, http.StatusOK)
		if !strings.Contains(body, `id="code-sent"`) || !strings.Contains(body, `id="code-resend"`) {
			t.Fatalf("%s: the second step does not say a code was sent", lang)
		}
		resp, body = in.post("/signin/code/resend", url.Values{"csrf": {csrf(t, body)}, "channel": {"sms"}})
		checkPage(t, lang+" resend too soon", resp, body, http.StatusTooManyRequests)
		resp, _ = in.post("/signin/code", url.Values{"csrf": {csrf(t, body)}, "code": {sent.code(t)}})
		if resp.StatusCode != http.StatusSeeOther || in.cookies["__Host-steward"] == nil {
			t.Fatalf("%s: signing in with the code: %d", lang, resp.StatusCode)
		}

		// Removing needs a step-up, with a code the step-up page sends.
		s.advance(11 * time.Minute)
		_, body = in.get("/account")
		token = csrf(t, body)
		resp, body = in.post("/account/mfa/code/remove", url.Values{"csrf": {token}})
		checkPage(t, lang+" step-up", resp, body, http.StatusUnauthorized)
		if !strings.Contains(body, `id="stepup-send-code"`) {
			t.Fatalf("%s: the step-up page offers no code", lang)
		}
		redo := url.Values{"csrf": {token}, "redo": {"/account/mfa/code/remove"}, "method": {"POST"}}
		ask := url.Values{"send_code": {"1"}}
		for k, v := range redo {
			ask[k] = v
		}
		resp, body = in.post("/stepup", ask)
		checkPage(t, lang+" step-up code sent", resp, body, http.StatusUnauthorized)
		if !strings.Contains(body, `id="stepup-notice"`) {
			t.Errorf("%s: the step-up page does not say a code was sent", lang)
		}
		redo.Set("password", demo.Password)
		redo.Set("code", sent.code(t))
		resp, _ = in.post("/stepup", redo)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?done=mfa_code_removed" {
			t.Fatalf("%s: after the step-up: %d to %q", lang, resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body = in.get("/account?done=mfa_code_removed")
		checkPage(t, lang+" removed", resp, body, http.StatusOK)
		s.advance(31 * time.Second)
	}
}
