package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"steward/internal/authn"
	"steward/internal/server"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// strictTenant creates a tenant with the default security settings, which
// require a second factor of administrators, and returns its
// administrator's session: limited to enrolment until a factor is confirmed.
func (e *env) strictTenant(slug string) *client {
	e.t.Helper()
	_, _, err := e.svc.CreateTenant(context.Background(), service.NewTenant{Slug: slug, Name: "Strict " + slug,
		AdminEmail: "admin@" + slug + ".example", AdminPassword: pw})
	if err != nil {
		e.t.Fatalf("tenant %s: %v", slug, err)
	}
	return e.login(slug, "admin@"+slug+".example", pw)
}

// code is the TOTP code of secret on the server's clock.
func (e *env) code(secret string) string {
	e.t.Helper()
	c, err := authn.TOTPAt(secret, *e.clock)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// enrol sets up an authenticator app for the client's user and returns its
// secret and recovery codes. It leaves the clock on the next time step, so
// that the code spent on confirming is behind.
func (c *client) enrol() (string, []string) {
	c.e.t.Helper()
	var en struct {
		Secret string `json:"secret"`
		URI    string `json:"otpauth_uri"`
		QR     []byte `json:"qr_png"`
	}
	c.must("POST", "/me/mfa/totp", nil, 201, &en)
	if !strings.HasPrefix(en.URI, "otpauth://totp/") || !bytes.HasPrefix(en.QR, []byte("\x89PNG")) || len(en.Secret) != 32 {
		c.e.t.Fatalf("enrolment: got %+v", en)
	}
	var rc struct {
		Codes []string `json:"recovery_codes"`
	}
	c.must("POST", "/me/mfa/totp/confirm", map[string]string{"code": c.e.code(en.Secret)}, 200, &rc)
	if len(rc.Codes) != 10 {
		c.e.t.Fatalf("recovery codes: got %d, want 10", len(rc.Codes))
	}
	c.e.advance(authn.TOTPPeriod)
	return en.Secret, rc.Codes
}

// loginResult is the answer of POST /auth/login or /auth/mfa.
type loginResult struct {
	Token       string `json:"token"`
	Limit       string `json:"limit"`
	MFARequired bool   `json:"mfa_required"`
	MFAToken    string `json:"mfa_token"`
}

// pending signs in with a password and returns the second-factor token.
func (e *env) pending(tenant, email, password string) string {
	e.t.Helper()
	var res loginResult
	(&client{e: e}).must("POST", "/auth/login", map[string]string{"tenant": tenant, "email": email, "password": password}, 200, &res)
	if !res.MFARequired || res.MFAToken == "" || res.Token != "" {
		e.t.Fatalf("login with a factor: got %+v, want mfa_required and no session", res)
	}
	return res.MFAToken
}

// loginMFA signs in with a password and a code.
func (e *env) loginMFA(tenant, email, password, code string) *client {
	e.t.Helper()
	var res loginResult
	(&client{e: e}).must("POST", "/auth/mfa", map[string]string{"mfa_token": e.pending(tenant, email, password), "code": code}, 200, &res)
	return &client{e: e, token: res.Token}
}

func TestLockoutAndEnumeration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		rep := admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		idle := admin.mkUser("idle@acme.example", admin.rootDept(), 0, "sales_rep")
		admin.must("PATCH", p("/users/%d", idle), map[string]any{"status": "suspended"}, 200, nil)
		anon := &client{e: e}
		login := func(email, password string) response {
			return anon.do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": email, "password": password})
		}

		// Delays from the 5th consecutive failure: the right password is
		// refused until the delay has passed, exactly like a wrong one.
		var wrong response
		for i := 0; i < 5; i++ {
			wrong = login("rep@acme.example", "not-the-password-at-all")
		}
		slowed := login("rep@acme.example", pw)
		unknown := login("nobody@acme.example", pw)
		inactive := login("idle@acme.example", pw)
		noTenant := anon.do("POST", "/auth/login", map[string]string{"tenant": "nope", "email": "rep@acme.example", "password": pw})
		for name, r := range map[string]response{"slowed": slowed, "unknown": unknown, "inactive": inactive, "no tenant": noTenant} {
			if r.status != 401 || !bytes.Equal(r.body, wrong.body) {
				t.Errorf("%s: got %d %s, want 401 and the body of a wrong password %s", name, r.status, r.body, wrong.body)
			}
		}
		e.advance(time.Second)
		e.login("acme", "rep@acme.example", pw) // the delay is over; success resets the run

		// A hard lock at 100 consecutive failures (the default profile), which
		// only a password reset ends.
		for i := 0; i < 100; i++ {
			e.advance(16 * time.Minute) // longer than the longest delay
			if r := login("rep@acme.example", "not-the-password-at-all"); r.status != 401 {
				t.Fatalf("failure %d: got %d %s", i+1, r.status, r.body)
			}
		}
		e.advance(24 * time.Hour)
		if r := login("rep@acme.example", pw); r.status != 401 || !bytes.Equal(r.body, wrong.body) {
			t.Fatalf("locked account with the right password: got %d %s", r.status, r.body)
		}
		admin = e.login("acme", "admin@acme.example", pw)
		var reset struct{ Token string }
		admin.must("POST", p("/users/%d/password-reset", rep), nil, 201, &reset)
		anon.must("POST", "/auth/password-reset", map[string]string{"tenant": "acme", "token": reset.Token, "new_password": "a-fresh-start-for-rep"}, 204, nil)
		e.login("acme", "rep@acme.example", "a-fresh-start-for-rep")

		// Every failure is in the audit trail with its reason, even though
		// the sign-in changed nothing.
		var page struct {
			Items []struct {
				TargetID string          `json:"target_id"`
				Details  json.RawMessage `json:"details"`
			}
		}
		admin.must("GET", "/audit/events?action=auth.login_failed&limit=200", nil, 200, &page)
		reasons := map[string]int{}
		for _, it := range page.Items {
			var d struct{ Reason string }
			_ = json.Unmarshal(it.Details, &d)
			reasons[d.Reason]++
		}
		if reasons["wrong_password"] < 100 || reasons["throttled"] != 1 || reasons["locked"] != 1 || reasons["unknown_account"] != 1 || reasons["inactive"] != 1 {
			t.Errorf("failure reasons in the trail: %v", reasons)
		}
		if strings.Contains(string(admin.must("GET", "/audit/events?format=jsonl&limit=1000", nil, 200, nil).body), "nobody@acme.example") {
			t.Error("the audit trail holds an e-mail address typed at sign-in")
		}
	})
}

func TestLockoutDengbao(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		admin.must("PUT", "/settings/security", map[string]any{"profile": "dengbao-l3", "mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false}, 200, nil)
		anon := &client{e: e}
		for i := 0; i < 10; i++ {
			e.advance(time.Minute)
			anon.do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": "rep@acme.example", "password": "not-the-password-at-all"})
		}
		e.advance(29 * time.Minute)
		if r := anon.do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": "rep@acme.example", "password": pw}); r.status != 401 {
			t.Fatalf("inside the 30-minute lock: got %d", r.status)
		}
		e.advance(2 * time.Minute)
		e.login("acme", "rep@acme.example", pw)
	})
}

func TestIPRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		e.tenant("acme")
		anon := &client{e: e}
		// Guesses spread over many accounts: no account locks, the network does.
		for i := 0; i < 20; i++ {
			if r := anon.do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": p("user%d@acme.example", i), "password": pw}); r.status != 401 {
				t.Fatalf("guess %d: got %d", i, r.status)
			}
		}
		r := anon.do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": "admin@acme.example", "password": pw})
		if r.status != 429 || r.errCode() != "too_many_attempts" {
			t.Fatalf("21st failure from one address: got %d %s, want 429", r.status, r.body)
		}
		e.advance(10 * time.Second)
		e.login("acme", "admin@acme.example", pw) // a token came back; successes cost none
	})
}

func TestTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.strictTenant("acme")

		// Without a factor, an administrator's session is for enrolling one.
		if r := admin.do("GET", "/customers", nil); r.status != 403 || r.errCode() != "mfa_enrolment_required" {
			t.Fatalf("limited session: got %d %s", r.status, r.body)
		}
		admin.must("GET", "/me", nil, 200, nil)
		admin.must("POST", "/me/mfa/totp", nil, 201, nil)
		if r := admin.do("POST", "/me/mfa/totp/confirm", map[string]string{"code": "000000"}); r.status != 400 || r.errField() != "code" {
			t.Fatalf("wrong confirmation code: got %d %s", r.status, r.body)
		}
		secret, codes := admin.enrol()
		admin.must("GET", "/customers", nil, 200, nil)

		// The code spent on confirming is refused; the next one works once.
		old, _ := authn.TOTPAt(secret, e.clock.Add(-authn.TOTPPeriod))
		if r := (&client{e: e}).do("POST", "/auth/mfa", map[string]string{"mfa_token": e.pending("acme", "admin@acme.example", pw), "code": old}); r.status != 401 || r.errCode() != "totp_reused" {
			t.Fatalf("replayed confirmation code: got %d %s", r.status, r.body)
		}
		e.loginMFA("acme", "admin@acme.example", pw, e.code(secret)).must("GET", "/customers", nil, 200, nil)

		// 20 parallel sign-ins with one fresh code: exactly one gets in.
		e.advance(16*time.Minute + authn.TOTPPeriod)
		tokens := make([]string, 20)
		for i := range tokens {
			tokens[i] = e.pending("acme", "admin@acme.example", pw)
		}
		code := e.code(secret)
		var wg sync.WaitGroup
		statuses := make([]int, len(tokens))
		for i, tok := range tokens {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = (&client{e: e}).do("POST", "/auth/mfa", map[string]string{"mfa_token": tok, "code": code}).status
			}()
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			if s == 200 {
				ok++
			} else if s != 401 && s != 429 {
				t.Errorf("parallel replay: status %d", s)
			}
		}
		if ok != 1 {
			t.Fatalf("one code in 20 parallel sign-ins: %d accepted, want 1 (%v)", ok, statuses)
		}

		// A restart remembers the spent step: it is in the database.
		e.advance(16 * time.Minute) // past the delays the 19 failures earned
		e2 := start(t, db)
		*e2.clock = *e.clock
		replayed := (&client{e: e2}).do("POST", "/auth/mfa", map[string]string{"mfa_token": e2.pending("acme", "admin@acme.example", pw), "code": code})
		if replayed.status != 401 {
			t.Fatalf("code replayed after a restart: got %d %s", replayed.status, replayed.body)
		}

		// Recovery codes work once each.
		e.advance(16 * time.Minute)
		e.loginMFA("acme", "admin@acme.example", pw, codes[0])
		if r := (&client{e: e}).do("POST", "/auth/mfa", map[string]string{"mfa_token": e.pending("acme", "admin@acme.example", pw), "code": codes[0]}); r.status != 401 || r.errCode() != "recovery_code_invalid" {
			t.Fatalf("recovery code used twice: got %d %s", r.status, r.body)
		}
		admin = e.loginMFA("acme", "admin@acme.example", pw, strings.ToUpper(codes[1]))

		// A role that requires a factor is not given to someone without one.
		root := admin.rootDept()
		rep := admin.mkUser("rep@acme.example", root, 0, "sales_rep")
		if r := admin.do("POST", p("/users/%d/roles", rep), map[string]any{"role": "auditor"}); r.status != 409 || r.errCode() != "mfa_required_for_role" {
			t.Fatalf("auditor for a user without a factor: got %d %s", r.status, r.body)
		}
		if r := admin.do("POST", "/users", map[string]any{"email": "mgr@acme.example", "name": "Mgr", "password": pw, "department_id": root, "roles": []string{"sales_manager"}}); r.status != 409 {
			t.Fatalf("new user with an exporting role: got %d %s", r.status, r.body)
		}
		repc := e.login("acme", "rep@acme.example", pw)
		repc.enrol()
		admin.must("POST", p("/users/%d/roles", rep), map[string]any{"role": "auditor"}, 201, nil)

		// Step-up: sensitive operations need a sign-in from the last 10 minutes.
		e.advance(11 * time.Minute)
		if r := admin.do("DELETE", "/me/mfa/totp", nil); r.status != 401 || r.errCode() != "step_up_required" {
			t.Fatalf("factor removal without step-up: got %d %s", r.status, r.body)
		}
		if r := admin.do("POST", "/auth/step-up", map[string]string{"password": pw}); r.status != 401 {
			t.Fatalf("step-up without the code: got %d %s", r.status, r.body)
		}
		e.advance(authn.TOTPPeriod)
		admin.must("POST", "/auth/step-up", map[string]string{"password": pw, "code": e.code(secret)}, 204, nil)
		admin.must("DELETE", "/me/mfa/totp", nil, 204, nil)
		if r := admin.do("GET", "/customers", nil); r.status != 403 || r.errCode() != "mfa_enrolment_required" {
			t.Fatalf("after removing the factor: got %d %s", r.status, r.body)
		}
	})
}

func TestSessionLifetimes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		rep := admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		a := e.login("acme", "rep@acme.example", pw)
		b := e.login("acme", "rep@acme.example", pw)

		// Idle: 30 minutes for users (activity extends it), 15 for administrators.
		e.advance(29 * time.Minute)
		a.must("GET", "/me", nil, 200, nil)
		if r := admin.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("administrator idle 29 minutes: got %d", r.status)
		}
		e.advance(29 * time.Minute)
		a.must("GET", "/me", nil, 200, nil)
		if r := b.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("user idle 58 minutes: got %d", r.status)
		}
		// Absolute: 12 hours however active.
		for i := 0; i < 33; i++ { // 58 + 33×20 = 718 minutes
			e.advance(20 * time.Minute)
			a.must("GET", "/me", nil, 200, nil)
		}
		e.advance(20 * time.Minute)
		if r := a.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("session after 12 hours: got %d", r.status)
		}

		// Listing and ending sessions.
		a, b = e.login("acme", "rep@acme.example", pw), e.login("acme", "rep@acme.example", pw)
		var list struct {
			Items []struct {
				ID      int64 `json:"id"`
				Current bool  `json:"current"`
			}
		}
		a.must("GET", "/me/sessions", nil, 200, &list)
		if len(list.Items) != 2 {
			t.Fatalf("sessions: got %d, want 2", len(list.Items))
		}
		for _, s := range list.Items {
			if !s.Current {
				a.must("DELETE", p("/me/sessions/%d", s.ID), nil, 204, nil)
			}
		}
		if r := b.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("ended session: got %d", r.status)
		}
		admin = e.login("acme", "admin@acme.example", pw)
		var mine struct{ Items []idOnly }
		admin.must("GET", "/me/sessions", nil, 200, &mine)
		if r := a.do("DELETE", p("/me/sessions/%d", mine.Items[0].ID), nil); r.status != 404 {
			t.Errorf("ending another user's session: got %d, want 404", r.status)
		}
		admin.must("DELETE", p("/users/%d/sessions", rep), nil, 204, nil)
		if r := a.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("after an administrator ended every session: got %d", r.status)
		}
		// Suspension ends sessions too.
		a = e.login("acme", "rep@acme.example", pw)
		admin.must("PATCH", p("/users/%d", rep), map[string]any{"status": "suspended"}, 200, nil)
		if r := a.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("suspended user's session: got %d", r.status)
		}
	})
}

func TestPasswords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		rep := admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		a, b := e.login("acme", "rep@acme.example", pw), e.login("acme", "rep@acme.example", pw)
		change := func(c *client, current, next string) response {
			return c.do("POST", "/me/password", map[string]string{"current_password": current, "new_password": next})
		}
		for _, bad := range []struct{ current, next, field, code string }{
			{"wrong-current-password", "a-perfectly-fine-passphrase", "current_password", "wrong_password"},
			{pw, "short", "new_password", "password_too_short"},
			{pw, "password1234567890", "new_password", "password_blocklisted"},
			{pw, "User rep@acme.example!", "new_password", "password_contains_context"},
			{pw, "ACME acme ACME acme 2024", "new_password", "password_contains_context"},
		} {
			if r := change(a, bad.current, bad.next); r.status != 400 || r.errField() != bad.field || r.errCode() != bad.code {
				t.Errorf("change to %q: got %d %s, want 400 %s %s", bad.next, r.status, r.body, bad.field, bad.code)
			}
		}
		a.must("POST", "/me/password", map[string]string{"current_password": pw, "new_password": "violet-harbour-lantern"}, 204, nil)
		a.must("GET", "/me", nil, 200, nil)
		if r := b.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("other session after a password change: got %d", r.status)
		}
		if r := (&client{e: e}).do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": "rep@acme.example", "password": pw}); r.status != 401 {
			t.Errorf("old password: got %d", r.status)
		}

		// Reset tokens: single use, under an hour, and a bad new password
		// leaves the token usable.
		var reset struct {
			Token     string    `json:"token"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		admin.must("POST", p("/users/%d/password-reset", rep), nil, 201, &reset)
		if d := reset.ExpiresAt.Sub(*e.clock); d <= 0 || d >= time.Hour {
			t.Errorf("reset token lifetime: %s", d)
		}
		anon := &client{e: e}
		doReset := func(token, next string) response {
			return anon.do("POST", "/auth/password-reset", map[string]string{"tenant": "acme", "token": token, "new_password": next})
		}
		if r := doReset("not-a-token", "quiet-meadow-saxophone"); r.status != 400 || r.errCode() != "reset_token_invalid" {
			t.Errorf("wrong token: got %d %s", r.status, r.body)
		}
		if r := doReset(reset.Token, "short"); r.status != 400 || r.errCode() != "password_too_short" {
			t.Errorf("reset to a short password: got %d %s", r.status, r.body)
		}
		anon.must("POST", "/auth/password-reset", map[string]string{"tenant": "acme", "token": reset.Token, "new_password": "quiet-meadow-saxophone"}, 204, nil)
		if r := doReset(reset.Token, "another-meadow-saxophone"); r.status != 400 {
			t.Errorf("token used twice: got %d", r.status)
		}
		if r := a.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("session after a reset: got %d", r.status)
		}
		admin.must("POST", p("/users/%d/password-reset", rep), nil, 201, &reset)
		e.advance(31 * time.Minute)
		if r := doReset(reset.Token, "another-meadow-saxophone"); r.status != 400 {
			t.Errorf("expired token: got %d", r.status)
		}

		// A reset never skips the second factor.
		a = e.login("acme", "rep@acme.example", "quiet-meadow-saxophone")
		a.enrol()
		admin = e.login("acme", "admin@acme.example", pw)
		admin.must("POST", p("/users/%d/password-reset", rep), nil, 201, &reset)
		anon.must("POST", "/auth/password-reset", map[string]string{"tenant": "acme", "token": reset.Token, "new_password": "copper-kettle-gondola"}, 204, nil)
		e.pending("acme", "rep@acme.example", "copper-kettle-gondola")
	})
}

func TestDengbaoPasswords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		admin.must("PUT", "/settings/security", map[string]any{"profile": "dengbao-l3", "mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false}, 200, nil)

		// After 90 days the password must change before anything else.
		e.advance(91 * 24 * time.Hour)
		var res loginResult
		(&client{e: e}).must("POST", "/auth/login", map[string]string{"tenant": "acme", "email": "rep@acme.example", "password": pw}, 200, &res)
		a := &client{e: e, token: res.Token}
		if res.Limit != "password_change" {
			t.Fatalf("expired password: limit %q", res.Limit)
		}
		if r := a.do("GET", "/customers", nil); r.status != 403 || r.errCode() != "password_change_required" {
			t.Fatalf("expired password, other call: got %d %s", r.status, r.body)
		}
		change := func(current, next string) response {
			return a.do("POST", "/me/password", map[string]string{"current_password": current, "new_password": next})
		}
		if r := change(pw, "violet harbour lantern"); r.errCode() != "password_composition" {
			t.Errorf("without character classes: got %d %s", r.status, r.body)
		}
		if r := change(pw, "Correct-Horse-Battery-Staple1"); r.errCode() != "password_too_similar" {
			t.Errorf("close to the current one: got %d %s", r.status, r.body)
		}
		steps := []string{"Violet-Harbour-Lantern-1", "Quiet-Meadow-Saxophone-2", pw}
		cur := pw
		for _, next := range steps[:2] {
			a.must("POST", "/me/password", map[string]string{"current_password": cur, "new_password": next}, 204, nil)
			cur = next
		}
		a.must("GET", "/customers", nil, 200, nil)
		if r := change(cur, "Violet-Harbour-Lantern-1"); r.errCode() != "password_reused" {
			t.Errorf("a password from the history: got %d %s", r.status, r.body)
		}
	})
}

func TestSecuritySettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		type report struct {
			Settings    map[string]any `json:"settings"`
			Conformance []authn.Clause `json:"conformance"`
		}
		verdict := func(r report, setting, std string) authn.Verdict {
			for _, c := range r.Conformance {
				if c.Setting == setting && c.Standard == std {
					return c.Verdict
				}
			}
			return ""
		}
		var before, after report
		admin.must("GET", "/settings/security", nil, 200, &before)
		if verdict(before, "max_age_days", authn.NIST) != authn.Satisfies || verdict(before, "max_age_days", authn.Dengbao) != authn.Breaks {
			t.Errorf("default conformance: %+v", before.Conformance)
		}
		admin.must("PUT", "/settings/security", map[string]any{"profile": "dengbao-l3", "mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false}, 200, &after)
		if verdict(after, "max_age_days", authn.NIST) != authn.Breaks || after.Settings["lockout_threshold"] != 10.0 {
			t.Errorf("dengbao report: %v %v", after.Settings, verdict(after, "max_age_days", authn.NIST))
		}

		// Bad input names the field and changes nothing.
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"idle_minutes": 120}, "idle_minutes"},
			{map[string]any{"admin_absolute_hours": 13}, "admin_absolute_hours"},
			{map[string]any{"lockout_threshold": 3}, "lockout_threshold"},
			{map[string]any{"min_length": 4}, "min_length"},
			{map[string]any{"profile": "lax"}, "profile"},
			{map[string]any{"mfa_roles": []string{"nobody"}}, "mfa_roles[0]"},
			{map[string]any{"allowed_networks": []string{"10.0.0.1/8"}}, "allowed_networks"},
			{map[string]any{"login_hours": map[string]string{"sales_rep": "weekdays 9-5"}}, "login_hours.sales_rep"},
			{map[string]any{"time_zone": "Mars/Olympus"}, "time_zone"},
			{map[string]any{"totp_window": "wide"}, "totp_window"},
		} {
			if r := admin.do("PUT", "/settings/security", bad.body); r.status != 400 || r.errField() != bad.field {
				t.Errorf("PUT %v: got %d %s, want 400 naming %s", bad.body, r.status, r.body, bad.field)
			}
		}
		var now report
		admin.must("GET", "/settings/security", nil, 200, &now)
		if now.Settings["profile"] != "dengbao-l3" {
			t.Errorf("settings after refused changes: %v", now.Settings)
		}
		rep := e.login("acme", "rep@acme.example", pw)
		if r := rep.do("PUT", "/settings/security", map[string]any{}); r.status != 403 {
			t.Errorf("a rep changes security settings: got %d", r.status)
		}

		// Step-up, and the audit entry with before and after.
		e.advance(11 * time.Minute)
		admin = e.login("acme", "admin@acme.example", pw)
		e.advance(11 * time.Minute)
		if r := admin.do("PUT", "/settings/security", map[string]any{"profile": "default"}); r.status != 401 || r.errCode() != "step_up_required" {
			t.Errorf("settings without step-up: got %d %s", r.status, r.body)
		}
		admin.must("POST", "/auth/step-up", map[string]string{"password": pw}, 204, nil)
		admin.must("PUT", "/settings/security", map[string]any{"profile": "default", "mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false,
			"login_hours": map[string]string{"sales_rep": "mon-fri 09:00-17:00"}, "role_networks": map[string][]string{"auditor": {"10.0.0.0/8"}}}, 200, nil)
		var page struct {
			Items []struct {
				Details struct {
					Before map[string]any `json:"before"`
					After  map[string]any `json:"after"`
				} `json:"details"`
			}
		}
		admin.must("GET", "/audit/events?action=settings.security.update", nil, 200, &page)
		if len(page.Items) != 2 || page.Items[0].Details.Before["profile"] != "dengbao-l3" || page.Items[0].Details.After["profile"] != "default" {
			t.Errorf("settings audit: %+v", page.Items)
		}

		// Login hours, read in the tenant's time zone (UTC here).
		*e.clock = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC) // a Saturday
		if r := (&client{e: e}).do("POST", "/auth/login", map[string]string{"tenant": "acme", "email": "rep@acme.example", "password": pw}); r.status != 401 || r.errCode() != "invalid_credentials" {
			t.Errorf("rep on a Saturday: got %d %s", r.status, r.body)
		}
		*e.clock = time.Date(2030, 6, 3, 10, 0, 0, 0, time.UTC) // a Monday
		e.login("acme", "rep@acme.example", pw)
	})
}

func TestAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.tenant("acme")
		root := admin.rootDept()
		admin.mkUser("mgr@acme.example", root, 0, "sales_manager", "sales_rep")
		mgr := e.login("acme", "mgr@acme.example", pw)
		exp := e.clock.Add(48 * time.Hour).Format(time.RFC3339)
		if r := mgr.do("POST", "/api-keys", map[string]any{"name": "ci", "roles": []string{"administrator"}, "expires_at": exp}); r.status != 400 || r.errField() != "roles" {
			t.Fatalf("key with a role the creator lacks: got %d %s", r.status, r.body)
		}
		if r := mgr.do("POST", "/api-keys", map[string]any{"name": "ci", "roles": []string{"sales_rep"}}); r.status != 400 || r.errField() != "expires_at" {
			t.Fatalf("key without expiry: got %d %s", r.status, r.body)
		}
		var key struct {
			ID     int64  `json:"id"`
			Secret string `json:"secret"`
		}
		mgr.must("POST", "/api-keys", map[string]any{"name": "ci", "roles": []string{"sales_rep"}, "expires_at": exp}, 201, &key)
		k := &client{e: e, token: key.Secret}
		var me struct {
			User struct{ Roles []string } `json:"user"`
		}
		k.must("GET", "/me", nil, 200, &me)
		if len(me.User.Roles) != 1 || me.User.Roles[0] != "sales_rep" {
			t.Errorf("key roles: %v", me.User.Roles)
		}
		var keys struct{ Items []map[string]any }
		mgr.must("GET", "/api-keys", nil, 200, &keys)
		if len(keys.Items) != 1 || keys.Items[0]["secret"] != nil {
			t.Errorf("key list: %v", keys.Items)
		}
		if r := k.do("POST", "/api-keys", map[string]any{"name": "child", "roles": []string{"sales_rep"}, "expires_at": exp}); r.status != 403 {
			t.Errorf("a key makes a key: got %d", r.status)
		}

		// The network rules of the key's roles apply to it.
		admin.must("PUT", "/settings/security", map[string]any{"mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false,
			"role_networks": map[string][]string{"sales_rep": {"10.0.0.0/8"}}}, 200, nil)
		if r := k.do("GET", "/me", nil); r.status != 403 || r.errCode() != "network_not_allowed" {
			t.Errorf("key from outside its network: got %d %s", r.status, r.body)
		}
		admin.must("PUT", "/settings/security", map[string]any{"mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false}, 200, nil)
		k.must("GET", "/customers", nil, 200, nil)

		// An administrator's key never passes step-up.
		var ak struct{ Secret string }
		admin.must("POST", "/api-keys", map[string]any{"name": "ops", "roles": []string{"administrator"}, "expires_at": exp}, 201, &ak)
		if r := (&client{e: e, token: ak.Secret}).do("PUT", "/settings/security", map[string]any{}); r.status != 401 || r.errCode() != "step_up_required" {
			t.Errorf("settings with an API key: got %d %s", r.status, r.body)
		}

		mgr.must("DELETE", p("/api-keys/%d", key.ID), nil, 204, nil)
		if r := k.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("revoked key: got %d", r.status)
		}
		e.advance(49 * time.Hour)
		if r := (&client{e: e, token: ak.Secret}).do("GET", "/me", nil); r.status != 401 {
			t.Errorf("expired key: got %d", r.status)
		}
		admin = e.login("acme", "admin@acme.example", pw)
		var page struct{ Items []idOnly }
		admin.must("GET", "/audit/events?action=api_key.", nil, 200, &page)
		if len(page.Items) != 3 {
			t.Errorf("API key audit entries: got %d, want 3", len(page.Items))
		}
	})
}

// Every response carries the security headers; HSTS only over TLS.
func TestSecurityHeaders(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	svc := service.New(db, slog.New(slog.DiscardHandler))
	for _, tls := range []bool{false, true} {
		srv := httptest.NewUnstartedServer(server.Handler(svc, slog.New(slog.DiscardHandler)))
		if tls {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		for _, path := range []string{"/api/v1/me", "/api/v1/nope", "/signin", "/healthz"} {
			res, err := srv.Client().Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			h := res.Header
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" ||
				!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s: headers %v", path, h)
			}
			if got := h.Get("Strict-Transport-Security") != ""; got != tls {
				t.Errorf("%s over TLS %v: HSTS sent %v", path, tls, got)
			}
		}
		if res, err := srv.Client().Get(srv.URL + "/signin"); err == nil {
			res.Body.Close()
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("console CSP: %q", csp)
			}
		}
		srv.Close()
	}
}
