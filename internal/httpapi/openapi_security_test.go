package httpapi_test

import (
	"net/http"
	"strings"
	"time"

	"steward/internal/authn"
)

// securityExchanges covers settings, API keys, sessions, password resets
// and changes, and a second factor from enrolment to a sign-in with it.
func securityExchanges(c *liveClient, ids liveIDs) {
	admin := c.token
	c.call("GET", "/settings/security", nil, http.StatusOK)
	c.call("PUT", "/settings/security", obj{"profile": "default", "mfa_roles": []string{}, "mfa_for_export": false, "mfa_for_admin": false,
		"login_hours": obj{"sales_rep": "* 00:00-24:00"}, "time_zone": "Asia/Shanghai"}, http.StatusOK)
	c.call("GET", "/me/sessions", nil, http.StatusOK)
	key := num(c.call("POST", "/api-keys", obj{"name": "nightly export", "roles": []string{"administrator"},
		"expires_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}, http.StatusCreated)["id"])
	c.call("GET", "/api-keys", nil, http.StatusOK)
	c.call("DELETE", path("/api-keys/%d", key), nil, http.StatusNoContent)
	c.call("DELETE", path("/users/%d/sessions", ids.user), nil, http.StatusNoContent)
	c.call("POST", path("/users/%d/password-reset", ids.user), nil, http.StatusCreated)
	reset := c.sent.last(c.t, ids.user)
	reset = reset[strings.LastIndex(reset, " ")+1:] // the token ends the message

	c.token = ""
	c.call("POST", "/auth/password-reset", obj{"tenant": "acme", "token": reset, "new_password": "a-brand-new-passphrase-3"}, http.StatusNoContent)
	c.login("rep@acme.example", "a-brand-new-passphrase-3")
	c.call("POST", "/me/password", obj{"current_password": "a-brand-new-passphrase-3", "new_password": "yet-another-passphrase-4"}, http.StatusNoContent)
	secret := c.call("POST", "/me/mfa/totp", nil, http.StatusCreated)["secret"].(string)
	code, err := authn.TOTPAt(secret, time.Now())
	if err != nil {
		c.t.Fatal(err)
	}
	codes := c.call("POST", "/me/mfa/totp/confirm", obj{"code": code}, http.StatusOK)["recovery_codes"].([]any)

	c.token = ""
	pending := c.call("POST", "/auth/login", obj{"tenant": "acme", "email": "rep@acme.example", "password": "yet-another-passphrase-4"}, http.StatusOK)
	c.token = c.call("POST", "/auth/mfa", obj{"mfa_token": pending["mfa_token"], "code": codes[0]}, http.StatusOK)["token"].(string)
	c.call("POST", "/auth/step-up", obj{"password": "yet-another-passphrase-4", "code": codes[1]}, http.StatusNoContent)
	c.call("DELETE", "/me/mfa/totp", nil, http.StatusNoContent)
	// Enrolled again, and the phone lost: the administrator removes the factor.
	secret = c.call("POST", "/me/mfa/totp", nil, http.StatusCreated)["secret"].(string)
	if code, err = authn.TOTPAt(secret, time.Now().Add(30*time.Second)); err != nil {
		c.t.Fatal(err)
	}
	c.call("POST", "/me/mfa/totp/confirm", obj{"code": code}, http.StatusOK)
	repToken := c.token
	c.token = admin
	c.call("DELETE", path("/users/%d/mfa", ids.user), nil, http.StatusNoContent)
	c.token = repToken
	c.wantCode(c.call("GET", "/me", nil, http.StatusUnauthorized), "unauthenticated")
	c.login("rep@acme.example", "yet-another-passphrase-4") // the password alone again
	rep := c.token
	c.login("rep@acme.example", "yet-another-passphrase-4")
	other := c.token
	c.token = rep
	for _, s := range c.call("GET", "/me/sessions", nil, http.StatusOK)["items"].([]any) {
		if m := s.(map[string]any); m["current"] == false {
			c.call("DELETE", path("/me/sessions/%d", num(m["id"])), nil, http.StatusNoContent)
		}
	}
	c.token = other
	c.wantCode(c.call("GET", "/me", nil, http.StatusUnauthorized), "unauthenticated")
	c.token = admin
}
