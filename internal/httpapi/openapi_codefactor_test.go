package httpapi_test

import (
	"context"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"steward/internal/service"
)

// outbox is the live server's Sender: it keeps what it is given, so the
// exchanges can read a reset token or a code the way its owner would.
type outbox struct {
	mu   sync.Mutex
	msgs []service.Message
}

func (o *outbox) Send(_ context.Context, m service.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	return nil
}

// last is the body of the newest message to a user.
func (o *outbox) last(t testing.TB, userID int64) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].UserID == userID {
			return o.msgs[i].Body
		}
	}
	t.Fatalf("no message was sent to user %d", userID)
	return ""
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// code is the newest code sent to a user.
func (c *liveClient) code(userID int64) string {
	c.t.Helper()
	code := sixDigits.FindString(c.sent.last(c.t, userID))
	if code == "" {
		c.t.Fatalf("the last message to user %d carries no code", userID)
	}
	return code
}

// codeFactorExchanges cover a second factor of codes sent by e-mail or
// SMS: refused while the tenant does not allow it, then enrolled, used to
// sign in (with a resend) and to step up, and removed.
func codeFactorExchanges(c *liveClient, ids liveIDs) {
	admin := c.token
	c.call("GET", "/me/mfa", nil, http.StatusOK)
	c.login("rep@acme.example", "yet-another-passphrase-4")
	rep := c.token
	c.wantCode(c.call("POST", "/me/mfa/code", obj{"channel": "sms", "address": "+86 138 0013 8000"}, http.StatusForbidden), "code_factor_not_allowed")
	c.token = admin
	c.call("PUT", "/settings/security", obj{"mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false,
		"code_channels": []string{"email", "sms"}}, http.StatusOK)

	c.token = rep
	c.call("POST", "/me/mfa/code", obj{"channel": "email", "address": "rep@acme.example"}, http.StatusCreated)
	c.call("POST", "/me/mfa/code/confirm", obj{"code": c.code(ids.user)}, http.StatusOK)
	c.call("GET", "/me/mfa", nil, http.StatusOK)

	c.token = ""
	c.skew.Add(int64(time.Minute))
	pending := c.call("POST", "/auth/login", obj{"tenant": "acme", "email": "rep@acme.example", "password": "yet-another-passphrase-4"}, http.StatusOK)
	c.wantCode(c.call("POST", "/auth/mfa/resend", obj{"mfa_token": pending["mfa_token"]}, http.StatusTooManyRequests), "code_too_soon")
	c.skew.Add(int64(31 * time.Second))
	c.call("POST", "/auth/mfa/resend", obj{"mfa_token": pending["mfa_token"]}, http.StatusOK)
	c.token = c.call("POST", "/auth/mfa", obj{"mfa_token": pending["mfa_token"], "code": c.code(ids.user)}, http.StatusOK)["token"].(string)

	c.skew.Add(int64(31 * time.Second))
	c.call("POST", "/auth/step-up/code", nil, http.StatusOK)
	c.call("POST", "/auth/step-up", obj{"password": "yet-another-passphrase-4", "code": c.code(ids.user)}, http.StatusNoContent)
	c.call("DELETE", "/me/mfa/code", nil, http.StatusNoContent)
	c.token = admin
}
