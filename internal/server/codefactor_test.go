package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// The tests of the second factor of codes sent by e-mail or SMS. The
// Sender is a real implementation that keeps what it is given, as a phone
// or a mailbox would; everything behind it (the codes, their hashes,
// tries, expiry and spending) is the service's own.

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// code is the newest code sent to a user.
func (r *recordingSender) code(t testing.TB, userID int64) string {
	t.Helper()
	m := r.last(t, userID)
	c := sixDigits.FindString(m.Body)
	if c == "" {
		t.Fatalf("the last message to user %d carries no code: %q", userID, m.Body)
	}
	return c
}

// last is the newest message to a user.
func (r *recordingSender) last(t testing.TB, userID int64) service.Message {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.sent) - 1; i >= 0; i-- {
		if r.sent[i].UserID == userID {
			return r.sent[i]
		}
	}
	t.Fatalf("nothing was sent to user %d", userID)
	return service.Message{}
}

func (r *recordingSender) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

// otherCode is six digits that are not code.
func otherCode(code string) string {
	var n int
	fmt.Sscanf(code, "%d", &n)
	return fmt.Sprintf("%06d", (n+1)%1000000)
}

// codeLogin is the answer of a sign-in of a user with a code factor.
type codeLogin struct {
	MFARequired bool   `json:"mfa_required"`
	MFAToken    string `json:"mfa_token"`
	MFAMethod   string `json:"mfa_method"`
	MFAChannel  string `json:"mfa_channel"`
	CodeSent    bool   `json:"code_sent"`
}

// startSending starts a server with a Sender, a tenant that allows codes
// by e-mail and SMS (and requires no factor), and a sales rep; it returns
// the administrator's client and the rep's id.
func startSending(t *testing.T, db *store.DB) (*env, *recordingSender, *client, int64) {
	t.Helper()
	sent := &recordingSender{}
	e := startWith(t, db, func(s *service.Service) { s.Sender = sent })
	admin := e.tenant("acme")
	rep := admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
	admin.must("PUT", "/settings/security", map[string]any{"mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false,
		"code_channels": []string{"email", "sms"}}, 200, nil)
	return e, sent, admin, rep
}

// enrolCode sets up codes by SMS for the client's user and returns the
// recovery codes.
func (c *client) enrolCode(sent *recordingSender, userID int64) []string {
	c.e.t.Helper()
	c.must("POST", "/me/mfa/code", map[string]string{"channel": "sms", "address": "+86 138 0013 8000"}, 201, nil)
	var rc struct {
		Codes []string `json:"recovery_codes"`
	}
	c.must("POST", "/me/mfa/code/confirm", map[string]string{"code": sent.code(c.e.t, userID)}, 200, &rc)
	return rc.Codes
}

// pendingCode signs in with the password of a user with a code factor.
func (e *env) pendingCode(email string) codeLogin {
	e.t.Helper()
	var res codeLogin
	(&client{e: e}).must("POST", "/auth/login", map[string]string{"tenant": "acme", "email": email, "password": pw}, 200, &res)
	if !res.MFARequired || res.MFAToken == "" || res.MFAMethod != "code" {
		e.t.Fatalf("sign-in with a code factor: got %+v, want mfa_required with method code", res)
	}
	return res
}

func TestCodeFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, sent, admin, repID := startSending(t, db)
		rep := e.login("acme", "rep@acme.example", pw)
		other := e.login("acme", "rep@acme.example", pw)
		anon := &client{e: e}

		// Enrolling sends a code to the address; it counts once that comes back.
		var out struct {
			Channel   string    `json:"channel"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		rep.must("POST", "/me/mfa/code", map[string]string{"channel": "sms", "address": "+86 138-0013-8000"}, 201, &out)
		m := sent.last(t, repID)
		if out.Channel != "sms" || out.ExpiresAt.Sub(e.clock.Add(5*time.Minute)).Abs() > time.Millisecond || m.Channel != "sms" || m.To != "+8613800138000" {
			t.Fatalf("enrolment: answer %+v, message %+v", out, m)
		}
		code := sent.code(t, repID)
		if r := rep.do("POST", "/me/mfa/code/confirm", map[string]string{"code": otherCode(code)}); r.status != 400 || r.errCode() != "code_invalid" || r.errField() != "code" {
			t.Fatalf("a wrong first code: got %d %s, want 400 code_invalid on code", r.status, r.body)
		}
		var rc struct {
			Codes []string `json:"recovery_codes"`
		}
		rep.must("POST", "/me/mfa/code/confirm", map[string]string{"code": code}, 200, &rc)
		if len(rc.Codes) != 10 {
			t.Fatalf("recovery codes: got %d, want 10", len(rc.Codes))
		}
		if r := other.do("GET", "/me", nil); r.status != 401 {
			t.Errorf("another session after enrolling: got %d, want 401", r.status)
		}
		var st struct{ Method, Channel, Address string }
		rep.must("GET", "/me/mfa", nil, 200, &st)
		if st.Method != "code" || st.Channel != "sms" || st.Address != "+*********8000" {
			t.Errorf("GET /me/mfa: got %+v", st)
		}

		// Signing in asks for the code and sends it; it works once.
		e.advance(time.Minute)
		first := e.pendingCode("rep@acme.example")
		if first.MFAChannel != "sms" || !first.CodeSent {
			t.Fatalf("sign-in answer: %+v", first)
		}
		code = sent.code(t, repID)
		anon.must("POST", "/auth/mfa", map[string]string{"mfa_token": first.MFAToken, "code": code}, 200, nil)
		e.advance(time.Minute)
		second := e.pendingCode("rep@acme.example")
		if r := anon.do("POST", "/auth/mfa", map[string]string{"mfa_token": second.MFAToken, "code": code}); r.status != 401 || r.errCode() != "code_invalid" {
			t.Fatalf("a used code on the next sign-in: got %d %s, want 401 code_invalid (it is not this sign-in's code)", r.status, r.body)
		}

		// A resent code replaces the first.
		e.advance(time.Minute)
		third := e.pendingCode("rep@acme.example")
		stale := sent.code(t, repID)
		e.advance(31 * time.Second)
		anon.must("POST", "/auth/mfa/resend", map[string]string{"mfa_token": third.MFAToken}, 200, nil)
		if r := anon.do("POST", "/auth/mfa", map[string]string{"mfa_token": third.MFAToken, "code": stale}); r.status != 401 || r.errCode() != "code_invalid" {
			t.Fatalf("a replaced code: got %d %s, want 401 code_invalid", r.status, r.body)
		}
		anon.must("POST", "/auth/mfa", map[string]string{"mfa_token": third.MFAToken, "code": sent.code(t, repID)}, 200, nil)

		// A recovery code works instead, once.
		e.advance(time.Minute)
		anon.must("POST", "/auth/mfa", map[string]string{"mfa_token": e.pendingCode("rep@acme.example").MFAToken, "code": rc.Codes[0]}, 200, nil)

		// One factor at a time: no authenticator app beside the codes.
		if r := rep.do("POST", "/me/mfa/totp", nil); r.status != 409 || r.errCode() != "factor_exists" {
			t.Errorf("an authenticator beside a code factor: got %d %s, want 409 factor_exists", r.status, r.body)
		}
		if r := rep.do("DELETE", "/me/mfa/totp", nil); r.status != 409 || r.errCode() != "other_factor" {
			t.Errorf("removing an authenticator the user does not have: got %d %s, want 409 other_factor", r.status, r.body)
		}

		// Step-up with a code sent for it; removal needs the step-up.
		e.advance(11 * time.Minute)
		if r := rep.do("DELETE", "/me/mfa/code", nil); r.status != 401 || r.errCode() != "step_up_required" {
			t.Fatalf("removal without a step-up: got %d %s", r.status, r.body)
		}
		if r := rep.do("POST", "/auth/step-up", map[string]string{"password": pw, "code": code}); r.status != 401 {
			t.Fatalf("step-up with a sign-in code: got %d %s, want 401", r.status, r.body)
		}
		rep.must("POST", "/auth/step-up/code", nil, 200, nil)
		code = sent.code(t, repID)
		rep.must("POST", "/auth/step-up", map[string]string{"password": pw, "code": code}, 204, nil)
		if r := rep.do("POST", "/auth/step-up", map[string]string{"password": pw, "code": code}); r.status != 401 || r.errCode() != "step_up_failed" {
			t.Fatalf("a step-up code used twice: got %d %s, want 401 step_up_failed", r.status, r.body)
		}
		rep.must("DELETE", "/me/mfa/code", nil, 204, nil)
		rep.must("GET", "/me/mfa", nil, 200, &st)
		if st.Method != "" {
			t.Errorf("after the removal: method %q", st.Method)
		}
		e.login("acme", "rep@acme.example", pw) // the password alone again

		// The trail has every step and neither the address nor a code.
		admin = e.login("acme", "admin@acme.example", pw)
		for action, want := range map[string]int{"mfa.code.start": 1, "mfa.code.enrol": 2, "mfa.code.remove": 1} {
			if got := admin.auditCount(action); got != want {
				t.Errorf("%s entries: got %d, want %d", action, got, want)
			}
		}
		if got := admin.auditCount("mfa.code.send"); got != sent.count() {
			t.Errorf("mfa.code.send entries: got %d, want one per message (%d)", got, sent.count())
		}
		for _, line := range strings.Split(string(admin.must("GET", "/audit/events?format=jsonl&limit=1000", nil, 200, nil).body), "\n") {
			var entry struct{ Details json.RawMessage }
			_ = json.Unmarshal([]byte(line), &entry)
			if d := string(entry.Details); strings.Contains(d, "13800138000") || strings.Contains(d, code) {
				t.Errorf("an audit entry holds the address or a code: %s", line)
			}
		}
	})
}

// Codes are refused where the tenant has not allowed them, and where the
// server cannot send; the refusal names the field and the setting.
func TestCodeFactorRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startWith(t, db, func(s *service.Service) { s.Sender = &recordingSender{} })
		admin := e.tenant("acme")
		admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		rep := e.login("acme", "rep@acme.example", pw)
		r := rep.do("POST", "/me/mfa/code", map[string]string{"channel": "email", "address": "rep@acme.example"})
		if r.status != 403 || r.errCode() != "code_factor_not_allowed" || r.errField() != "channel" || !strings.Contains(string(r.body), "code_channels") {
			t.Fatalf("codes the tenant does not allow: got %d %s, want 403 code_factor_not_allowed on channel naming code_channels", r.status, r.body)
		}
		if r := rep.do("POST", "/me/mfa/code", map[string]string{"channel": "sms", "address": "13800138000"}); r.status != 400 || r.errCode() != "invalid_mobile" {
			t.Errorf("a number without its country code: got %d %s, want 400 invalid_mobile", r.status, r.body)
		}
		if r := e.tenant("other").do("PUT", "/settings/security", map[string]any{"code_channels": []string{"sms", "fax"}}); r.status != 400 || r.errField() != "code_channels[1]" {
			t.Errorf("an unknown channel: got %d %s, want 400 on code_channels[1]", r.status, r.body)
		}
		e2 := start(t, db)
		*e2.clock = *e.clock
		if r := e2.login("acme", "rep@acme.example", pw).do("POST", "/me/mfa/code", map[string]string{"channel": "email", "address": "rep@acme.example"}); r.status != 409 || r.errCode() != "no_sender" {
			t.Errorf("codes on a server that cannot send: got %d %s, want 409 no_sender", r.status, r.body)
		}
	})
}

// A code survives five wrong tries, then is burned; it lives five minutes;
// a user gets one code per 30 seconds and ten an hour.
func TestCodeTriesExpiryAndResendLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, sent, _, repID := startSending(t, db)
		rep := e.login("acme", "rep@acme.example", pw)
		start := func() response {
			return rep.do("POST", "/me/mfa/code", map[string]string{"channel": "email", "address": "rep@acme.example"})
		}
		confirm := func(code string) response {
			return rep.do("POST", "/me/mfa/code/confirm", map[string]string{"code": code})
		}
		if r := start(); r.status != 201 {
			t.Fatalf("enrolment: %d %s", r.status, r.body)
		}
		code := sent.code(t, repID)
		for i := 1; i <= 5; i++ {
			if r := confirm(otherCode(code)); r.errCode() != "code_invalid" {
				t.Fatalf("wrong code %d: got %d %s, want code_invalid", i, r.status, r.body)
			}
		}
		if r := confirm(code); r.status != 400 || r.errCode() != "code_expired" {
			t.Fatalf("the right code after five wrong ones: got %d %s, want 400 code_expired (burned)", r.status, r.body)
		}

		if r := start(); r.status != 429 || r.errCode() != "code_too_soon" {
			t.Fatalf("a second code at once: got %d %s, want 429 code_too_soon", r.status, r.body)
		}
		e.advance(31 * time.Second)
		if r := start(); r.status != 201 {
			t.Fatalf("a code 31 s later: %d %s", r.status, r.body)
		}
		code = sent.code(t, repID)
		e.advance(5*time.Minute + time.Second)
		if r := confirm(code); r.status != 400 || r.errCode() != "code_expired" {
			t.Fatalf("a code after five minutes: got %d %s, want 400 code_expired", r.status, r.body)
		}

		// Ten codes in the hour, whatever asks for them, then none.
		e.advance(time.Hour)
		rep = e.login("acme", "rep@acme.example", pw)
		for i := 1; i <= 10; i++ {
			if r := start(); r.status != 201 {
				t.Fatalf("code %d of the hour: %d %s", i, r.status, r.body)
			}
			e.advance(31 * time.Second)
		}
		if r := start(); r.status != 429 || r.errCode() != "too_many_codes" {
			t.Fatalf("an eleventh code in the hour: got %d %s, want 429 too_many_codes", r.status, r.body)
		}
		e.advance(time.Hour)
		rep = e.login("acme", "rep@acme.example", pw)
		if r := start(); r.status != 201 {
			t.Fatalf("a code an hour later: %d %s", r.status, r.body)
		}
		rep.must("POST", "/me/mfa/code/confirm", map[string]string{"code": sent.code(t, repID)}, 200, nil)

		// A sign-in within 30 s of the last code sends none, and says so.
		if res := e.pendingCode("rep@acme.example"); res.CodeSent {
			t.Errorf("a sign-in right after a code: code_sent %v, want false", res.CodeSent)
		}
	})
}

// One right code in 20 parallel requests gets in once, on every path that
// takes a code.
func TestCodeParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, sent, _, repID := startSending(t, db)
		rep := e.login("acme", "rep@acme.example", pw)
		rep.must("POST", "/me/mfa/code", map[string]string{"channel": "sms", "address": "+8613800138000"}, 201, nil)
		parallel := func(what string, ok int, do func() response) {
			t.Helper()
			var wg sync.WaitGroup
			res := make([]response, 20)
			for i := range res {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res[i] = do()
				}()
			}
			wg.Wait()
			n := 0
			for _, r := range res {
				switch {
				case r.status == ok:
					n++
				case r.status >= 500:
					t.Errorf("%s: %d %s", what, r.status, r.body)
				}
			}
			if n != 1 {
				t.Errorf("%s: %d of 20 succeeded, want 1", what, n)
			}
		}
		code := sent.code(t, repID)
		parallel("confirming", 200, func() response {
			return rep.do("POST", "/me/mfa/code/confirm", map[string]string{"code": code})
		})

		e.advance(time.Minute)
		tok := e.pendingCode("rep@acme.example").MFAToken
		code = sent.code(t, repID)
		parallel("signing in", 200, func() response {
			return (&client{e: e}).do("POST", "/auth/mfa", map[string]string{"mfa_token": tok, "code": code})
		})

		e.advance(16 * time.Minute) // past the delays the losers earned
		rep.must("POST", "/auth/step-up/code", nil, 200, nil)
		code = sent.code(t, repID)
		parallel("stepping up", 204, func() response {
			return rep.do("POST", "/auth/step-up", map[string]string{"password": pw, "code": code})
		})
	})
}

// A code factor meets a role's requirement of a second factor: it lifts
// an enrolment limit, and a role that needs a factor may be given.
func TestCodeFactorMeetsRequirement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sent := &recordingSender{}
		e := startWith(t, db, func(s *service.Service) { s.Sender = sent })
		st := service.DefaultSecurity()
		st.CodeChannels = []string{"email", "sms"}
		_, admin, err := e.svc.CreateTenant(context.Background(), service.NewTenant{Slug: "acme", Name: "Acme",
			AdminEmail: "admin@acme.example", AdminPassword: pw, Security: &st})
		if err != nil {
			t.Fatal(err)
		}
		c := e.login("acme", "admin@acme.example", pw)
		if r := c.do("GET", "/customers", nil); r.status != 403 || r.errCode() != "mfa_enrolment_required" {
			t.Fatalf("before enrolling: got %d %s", r.status, r.body)
		}
		var f struct {
			CodeChannels []string `json:"code_channels"`
		}
		c.must("GET", "/me/mfa", nil, 200, &f)
		if strings.Join(f.CodeChannels, ",") != "email,sms" {
			t.Fatalf("code channels offered: %v", f.CodeChannels)
		}
		c.must("POST", "/me/mfa/code", map[string]string{"channel": "email", "address": "Admin@Acme.example"}, 201, nil)
		if m := sent.last(t, admin.ID); m.To != "admin@acme.example" || m.Channel != "email" {
			t.Fatalf("the first code went to %q by %q", m.To, m.Channel)
		}
		c.must("POST", "/me/mfa/code/confirm", map[string]string{"code": sent.code(t, admin.ID)}, 200, nil)
		c.must("GET", "/customers", nil, 200, nil)

		rep := c.mkUser("rep@acme.example", c.rootDept(), 0, "sales_rep")
		e.login("acme", "rep@acme.example", pw).enrolCode(sent, rep)
		c.must("POST", p("/users/%d/roles", rep), map[string]any{"role": "auditor"}, 201, nil)
	})
}

// brokenSender fails as a gateway does, naming the address.
type brokenSender struct{}

func (brokenSender) Send(_ context.Context, m service.Message) error {
	return errors.New("550 no such mailbox: " + m.To)
}

// Neither a code nor an address reaches the log: not when delivery fails,
// and not from the development sender unless it is told to show codes,
// which still leaves the address out.
func TestCodesStayOutOfTheLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var logged bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := startWith(t, db, func(s *service.Service) { s.Sender, s.Log = brokenSender{}, log })
		admin := e.tenant("acme")
		admin.mkUser("rep@acme.example", admin.rootDept(), 0, "sales_rep")
		admin.must("PUT", "/settings/security", map[string]any{"mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false,
			"code_channels": []string{"email"}}, 200, nil)
		rep := e.login("acme", "rep@acme.example", pw)
		if r := rep.do("POST", "/me/mfa/code", map[string]string{"channel": "email", "address": "private.box@acme.example"}); r.status != 409 || r.errCode() != "code_not_sent" {
			t.Fatalf("a failed delivery: got %d %s, want 409 code_not_sent", r.status, r.body)
		}
		if s := logged.String(); !strings.Contains(s, "sending failed") || strings.Contains(s, "private.box") {
			t.Errorf("the log of a failed delivery: %q", s)
		}
		if got := admin.auditCount("mfa.code.send"); got != 1 {
			t.Errorf("mfa.code.send entries for the failure: got %d, want 1", got)
		}

		m := service.Message{UserID: 7, Channel: "sms", To: "+8613800138000", Subject: "Your Steward sign-in code", Body: "Your sign-in code is 424242."}
		for _, show := range []bool{false, true} {
			logged.Reset()
			if err := (service.LogSender{Log: log, ShowSecrets: show}).Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			s := logged.String()
			if strings.Contains(s, "13800138000") || strings.Contains(s, "424242") != show || !strings.Contains(s, "user_id=7") {
				t.Errorf("development sender (show codes %v) logged %q", show, s)
			}
		}
	})
}

// The address is stored sealed for its user; one stored in clear (by a
// server without a master key) is sealed at start, and key rotation
// re-seals it, and codes still reach it.
func TestCodeAddressSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, sent, admin, repID := startSending(t, db)
		e.login("acme", "rep@acme.example", pw).enrolCode(sent, repID)
		var me struct {
			Tenant struct{ ID int64 } `json:"tenant"`
		}
		admin.must("GET", "/me", nil, 200, &me)
		stored := func() string {
			t.Helper()
			var f store.CodeFactor
			if err := db.Read(ctx, func(tx *store.Tx) error {
				var err error
				f, err = tx.CodeFactorOf(ctx, me.Tenant.ID, repID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return f.Address
		}
		first := stored()
		if !strings.HasPrefix(first, "s1.") || strings.Contains(first, "8000") {
			t.Fatalf("the stored address %q is not sealed", first)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ReplaceCodeAddress(ctx, me.Tenant.ID, repID, first, "+8613800138000")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.SealClearSecrets(ctx); err != nil || n != 1 {
			t.Fatalf("sealing clear values: %d, %v; want 1", n, err)
		}
		e.advance(time.Minute) // keys are ordered by their making
		if _, err := e.svc.RotateDataKeys(ctx, me.Tenant.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.Reseal(ctx, me.Tenant.ID, nil); err != nil || n != 1 {
			t.Fatalf("re-sealing: %d, %v; want 1", n, err)
		}
		if s := stored(); s == first || !strings.HasPrefix(s, "s1.") {
			t.Fatalf("after sealing and rotation the address is stored as %q", s)
		}
		e.advance(time.Minute)
		e.pendingCode("rep@acme.example")
		if m := sent.last(t, repID); m.To != "+8613800138000" {
			t.Fatalf("the sign-in code went to %q", m.To)
		}
	})
}
