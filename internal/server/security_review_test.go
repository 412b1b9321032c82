package server_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"steward/internal/authn"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// wrongCode is six digits that are no code of secret near the server's clock.
func (e *env) wrongCode(secret string) string {
	e.t.Helper()
	near := map[string]bool{}
	for _, d := range []time.Duration{-2, -1, 0, 1, 2} {
		c, err := authn.TOTPAt(secret, e.clock.Add(d*authn.TOTPPeriod))
		if err != nil {
			e.t.Fatal(err)
		}
		near[c] = true
	}
	for i := 0; ; i++ {
		if c := fmt.Sprintf("%06d", i*111111%1000000); !near[c] {
			return c
		}
	}
}

// auditCount is how many audit entries of an action the client sees.
func (c *client) auditCount(action string) int {
	c.e.t.Helper()
	var page struct{ Items []idOnly }
	c.must("GET", "/audit/events?limit=500&action="+action, nil, 200, &page)
	return len(page.Items)
}

// Enrolling a factor or changing the password proves no more than the
// session already did: neither counts as a step-up.
func TestCredentialChangeIsNoStepUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		rep := e.login("acme", "rep@acme.example", pw)
		e.advance(11 * time.Minute) // the sign-in is stale

		secret, _ := rep.enrol()
		if r := rep.do("DELETE", "/me/mfa/totp", nil); r.status != 401 || r.errCode() != "step_up_required" {
			t.Fatalf("factor removal right after enrolling on a stale session: got %d %s, want 401 step_up_required", r.status, r.body)
		}
		rep.must("POST", "/me/password", map[string]string{"current_password": pw, "new_password": "violet-harbour-lantern"}, 204, nil)
		if r := rep.do("DELETE", "/me/mfa/totp", nil); r.status != 401 || r.errCode() != "step_up_required" {
			t.Fatalf("factor removal right after a password change: got %d %s, want 401 step_up_required", r.status, r.body)
		}
		rep.must("POST", "/auth/step-up", map[string]string{"password": "violet-harbour-lantern", "code": e.code(secret)}, 204, nil)
		rep.must("DELETE", "/me/mfa/totp", nil, 204, nil)
	})
}

// Signing in again between wrong codes does not escape the lock, and the
// trail says when the password was right and when the account locked.
func TestSecondFactorLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		admin.must("PUT", "/settings/security", map[string]any{"lockout_threshold": 5, "mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false}, 200, nil)
		secret, _ := e.login("acme", "rep@acme.example", pw).enrol()
		anon := &client{e: e}
		for i := 0; i < 5; i++ {
			tok := e.pending("acme", "rep@acme.example", pw)
			if r := anon.do("POST", "/auth/mfa", map[string]string{"mfa_token": tok, "code": e.wrongCode(secret)}); r.status != 401 || r.errCode() != "totp_invalid" {
				t.Fatalf("wrong code %d: got %d %s", i+1, r.status, r.body)
			}
		}
		if r := anon.do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": "rep@acme.example", "password": pw}); r.status != 401 || r.errCode() != "invalid_credentials" {
			t.Fatalf("right password after 5 wrong codes in 5 sign-ins: got %d %s, want 401 invalid_credentials (locked)", r.status, r.body)
		}
		admin = e.login("acme", "admin@acme.example", pw)
		if got := admin.auditCount("auth.password_ok"); got != 5 {
			t.Errorf("auth.password_ok entries: got %d, want 5", got)
		}
		if got := admin.auditCount("auth.account_locked"); got != 1 {
			t.Errorf("auth.account_locked entries: got %d, want 1", got)
		}
	})
}

// Parallel codes on one challenge get at most its 5 tries between them.
func TestSecondFactorParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		secret, _ := e.login("acme", "rep@acme.example", pw).enrol()
		tok, wrong := e.pending("acme", "rep@acme.example", pw), e.wrongCode(secret)
		var wg sync.WaitGroup
		res := make([]response, 20)
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = (&client{e: e}).do("POST", "/auth/mfa", map[string]string{"mfa_token": tok, "code": wrong})
			}()
		}
		wg.Wait()
		checked := 0
		for _, r := range res {
			switch {
			case r.errCode() == "totp_invalid":
				checked++
			case r.status != 401 && r.status != 429:
				t.Errorf("parallel wrong code: got %d %s", r.status, r.body)
			}
		}
		if checked > 5 {
			t.Fatalf("20 parallel codes on one challenge: %d checked, want at most 5", checked)
		}
	})
}

// API keys need a step-up to make and die with the credentials and
// sessions of their user.
func TestAPIKeyRevocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		rep := admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		body := map[string]any{"name": "ci", "roles": []string{"sales_rep"}, "expires_at": e.clock.Add(30 * 24 * time.Hour).Format(time.RFC3339)}
		mkKey := func(c *client) *client {
			t.Helper()
			var k struct{ Secret string }
			c.must("POST", "/api-keys", body, 201, &k)
			kc := &client{e: e, token: k.Secret}
			kc.must("GET", "/me", nil, 200, nil)
			return kc
		}
		dead := func(what string, k *client) {
			t.Helper()
			if r := k.do("GET", "/me", nil); r.status != 401 {
				t.Errorf("key after %s: got %d %s, want 401", what, r.status, r.body)
			}
		}
		c := e.login("acme", "rep@acme.example", pw)
		e.advance(11 * time.Minute)
		if r := c.do("POST", "/api-keys", body); r.status != 401 || r.errCode() != "step_up_required" {
			t.Fatalf("key from a stale session: got %d %s, want 401 step_up_required", r.status, r.body)
		}
		c.must("POST", "/auth/step-up", map[string]string{"password": pw}, 204, nil)
		k := mkKey(c)
		admin = e.login("acme", "admin@acme.example", pw)
		admin.must("DELETE", p("/users/%d/sessions", rep), nil, 204, nil)
		dead("an administrator ended every session", k)

		c = e.login("acme", "rep@acme.example", pw)
		k = mkKey(c)
		c.must("POST", "/me/password", map[string]string{"current_password": pw, "new_password": "violet-harbour-lantern"}, 204, nil)
		dead("a password change", k)

		k = mkKey(c)
		var reset struct{ Token string }
		admin.must("POST", p("/users/%d/password-reset", rep), nil, 201, &reset)
		(&client{e: e}).must("POST", "/auth/password-reset", map[string]string{"tenant": "acme", "token": reset.Token, "new_password": "quiet-meadow-saxophone"}, 204, nil)
		dead("a password reset", k)

		k = mkKey(e.login("acme", "rep@acme.example", "quiet-meadow-saxophone"))
		admin.must("PATCH", p("/users/%d", rep), map[string]any{"status": "suspended"}, 200, nil)
		admin.must("PATCH", p("/users/%d", rep), map[string]any{"status": "active"}, 200, nil)
		dead("a suspension and reactivation", k)
	})
}

// recordingSender keeps the messages it is given.
type recordingSender struct {
	mu   sync.Mutex
	sent []service.Message
}

func (r *recordingSender) Send(_ context.Context, m service.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return nil
}

// Reset tokens: a step-up from a session, never for someone holding more
// than the administrator, and delivered rather than shown when a Sender is
// configured.
func TestPasswordResetGuards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		root := admin.rootDept()
		admin.must("POST", "/roles", map[string]any{"key": "helpdesk", "name": "Helpdesk", "functions": []string{"manage_users"}}, 201, nil)
		admin.mkUser("hd@acme.example", root, 0, "helpdesk")
		rep := admin.mkUser("rep@acme.example", root, 0, "sales_rep")
		var me struct{ User idOnly }
		admin.must("GET", "/me", nil, 200, &me)

		hd := e.login("acme", "hd@acme.example", pw)
		hd.must("POST", p("/users/%d/password-reset", rep), nil, 201, nil)
		if r := hd.do("POST", p("/users/%d/password-reset", me.User.ID), nil); r.status != 403 || r.errCode() != "target_exceeds_own" {
			t.Errorf("helpdesk resets an administrator: got %d %s, want 403 target_exceeds_own", r.status, r.body)
		}
		var key struct{ Secret string }
		hd.must("POST", "/api-keys", map[string]any{"name": "bot", "roles": []string{"helpdesk"}, "expires_at": e.clock.Add(time.Hour).Format(time.RFC3339)}, 201, &key)
		if r := (&client{e: e, token: key.Secret}).do("POST", p("/users/%d/password-reset", rep), nil); r.status != 403 || r.errCode() != "session_required" {
			t.Errorf("reset with an API key: got %d %s, want 403 session_required", r.status, r.body)
		}
		e.advance(11 * time.Minute)
		if r := hd.do("POST", p("/users/%d/password-reset", rep), nil); r.status != 401 || r.errCode() != "step_up_required" {
			t.Errorf("reset from a stale session: got %d %s, want 401 step_up_required", r.status, r.body)
		}

		// With a Sender the token goes to the user, not into the answer, and
		// the development sender logs neither the token nor the address.
		sender := &recordingSender{}
		e2 := startWith(t, db, func(s *service.Service) { s.Sender = sender })
		*e2.clock = *e.clock
		var out map[string]any
		e2.login("acme", "admin@acme.example", pw).must("POST", p("/users/%d/password-reset", rep), nil, 201, &out)
		if _, shown := out["token"]; shown || out["sent"] != true || len(sender.sent) != 1 || sender.sent[0].UserID != rep {
			t.Errorf("reset with a sender: answer %v, sent %+v", out, sender.sent)
		}
		var logged bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if err := (service.LogSender{Log: log}).Send(context.Background(), sender.sent[0]); err != nil {
			t.Fatal(err)
		}
		if s := logged.String(); strings.Contains(s, "rep@acme.example") || strings.Contains(s, sender.sent[0].Body) || !strings.Contains(s, p("user_id=%d", rep)) {
			t.Errorf("development sender logged %q", s)
		}
	})
}

// Administrative functions require a second factor by default, for a grant
// and for a role that gains them.
func TestAdminFunctionsNeedFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.strictTenant("acme")
		secret, _ := admin.enrol()
		root := admin.rootDept()
		admin.must("POST", "/roles", map[string]any{"key": "helpdesk", "name": "Helpdesk", "functions": []string{"manage_users"}}, 201, nil)
		rep := admin.mkUser("rep@acme.example", root, 0, "sales_rep")
		if r := admin.do("POST", p("/users/%d/roles", rep), map[string]any{"role": "helpdesk"}); r.status != 409 || r.errCode() != "mfa_required_for_role" {
			t.Errorf("manage_users for a user without a factor: got %d %s, want 409 mfa_required_for_role", r.status, r.body)
		}
		for _, f := range []string{"manage_users", "manage_roles", "manage_security", "view_audit"} {
			if r := admin.do("PATCH", "/roles/sales_rep", map[string]any{"functions": []string{f}}); r.status != 409 || r.errCode() != "mfa_required_for_role" {
				t.Errorf("sales_rep gains %s while a holder has no factor: got %d %s, want 409 mfa_required_for_role", f, r.status, r.body)
			}
		}

		// Role changes need a recent sign-in.
		e.advance(11 * time.Minute)
		for _, r := range []response{
			admin.do("PATCH", "/roles/helpdesk", map[string]any{"name": "Help desk"}),
			admin.do("POST", "/roles", map[string]any{"key": "other", "name": "Other"}),
			admin.do("DELETE", "/roles/helpdesk", nil),
		} {
			if r.status != 401 || r.errCode() != "step_up_required" {
				t.Errorf("role change on a stale session: got %d %s, want 401 step_up_required", r.status, r.body)
			}
		}
		admin.must("POST", "/auth/step-up", map[string]string{"password": pw, "code": e.code(secret)}, 204, nil)
		admin.must("PATCH", "/roles/helpdesk", map[string]any{"name": "Help desk"}, 200, nil)
	})
}

// Parallel failures from one address take the throttle's tokens before
// they are checked: no more than its burst get through.
func TestIPRateLimitParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		e.tenant("acme")
		var wg sync.WaitGroup
		statuses := make([]int, 80)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = (&client{e: e}).do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": p("nobody%d@acme.example", i), "password": pw}).status
			}()
		}
		wg.Wait()
		passed := 0
		for _, s := range statuses {
			if s == 401 {
				passed++
			} else if s != 429 {
				t.Errorf("parallel failure: status %d", s)
			}
		}
		if passed > authn.DefaultIPRate.Burst {
			t.Fatalf("80 parallel failures from one address: %d checked, want at most %d", passed, authn.DefaultIPRate.Burst)
		}
	})
}

// A password change or reset drops the sign-ins waiting for their code.
func TestPendingSignInsEndWithPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		rep := admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		c := e.login("acme", "rep@acme.example", pw)
		secret, _ := c.enrol()
		anon := &client{e: e}
		tok := e.pending("acme", "rep@acme.example", pw)
		c.must("POST", "/me/password", map[string]string{"current_password": pw, "new_password": "violet-harbour-lantern"}, 204, nil)
		if r := anon.do("POST", "/auth/mfa", map[string]string{"mfa_token": tok, "code": e.code(secret)}); r.status != 401 || r.errCode() != "mfa_token_invalid" {
			t.Errorf("pending sign-in after a password change: got %d %s, want 401 mfa_token_invalid", r.status, r.body)
		}
		tok = e.pending("acme", "rep@acme.example", "violet-harbour-lantern")
		var reset struct{ Token string }
		admin.must("POST", p("/users/%d/password-reset", rep), nil, 201, &reset)
		anon.must("POST", "/auth/password-reset", map[string]string{"tenant": "acme", "token": reset.Token, "new_password": "quiet-meadow-saxophone"}, 204, nil)
		if r := anon.do("POST", "/auth/mfa", map[string]string{"mfa_token": tok, "code": e.code(secret)}); r.status != 401 || r.errCode() != "mfa_token_invalid" {
			t.Errorf("pending sign-in after a reset: got %d %s, want 401 mfa_token_invalid", r.status, r.body)
		}
	})
}
