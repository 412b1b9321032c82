package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"steward/internal/errs"
	"steward/internal/service"
)

// The console's cookies. The session and the sign-in form's token carry
// the __Host- prefix: the browser keeps them only if they are Secure, have
// Path=/ and no Domain, so no other host or path can plant or read them.
// Chromium and Firefox treat http://localhost and http://127.0.0.1 as
// trustworthy origins and accept Secure cookies there, so the demo and the
// browser tests work over plain HTTP on the loopback address; anywhere else
// the console must be served over HTTPS.
const (
	sessionCookie = "__Host-steward"
	signInCookie  = "__Host-steward-signin"
	// mfaCookie holds the pending sign-in between the password and the
	// second factor: HttpOnly, so no script of the page can read it, and
	// short-lived like the challenge it names (which the service keeps, and
	// ends after five minutes or five wrong codes).
	mfaCookie = "__Host-steward-mfa"
	// langCookie holds no secret, so it is not Secure: the language choice
	// then works even where a Secure cookie would be refused.
	langCookie = "steward-lang"
)

func sessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

func setCookie(w http.ResponseWriter, name, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", Expires: expires,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// setCookieFor sets a session-bound cookie that the browser drops after age.
func setCookieFor(w http.ResponseWriter, name, value string, age time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(age / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// csrfToken is the token every form of a session carries: an HMAC keyed
// with the hash of the session token. Only a page of this origin can read
// it, and only a holder of the session cookie can compute it. It needs no
// server-side state and no key shared between nodes, so a form rendered by
// one node posts to any other; a separate server key would add nothing,
// since whoever holds the session token can call the API directly.
func csrfToken(session string) string {
	key := sha256.Sum256([]byte(session))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte("steward console csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var errCSRF = errs.E(errs.Forbidden, "csrf", "the form's CSRF token is missing or wrong")

// formCheck reads and checks a POSTed form before its handler runs.
type formCheck func(w http.ResponseWriter, r *http.Request, v *view) error

// checkPost checks an ordinary form against the session's CSRF token.
func checkPost(w http.ResponseWriter, r *http.Request, v *view) error { return checkForm(w, r, v.CSRF) }

// checkForm parses a POSTed form, at most maxForm bytes, and checks that
// it carries the expected token and was not sent by another site.
func checkForm(w http.ResponseWriter, r *http.Request, want string) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errCSRF
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "invalid_form", "the form could not be read")
	}
	got := r.PostForm.Get("csrf")
	if want == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return errCSRF
	}
	return nil
}

// localPath returns next if it is a path on this site, else the default:
// the sign-in and language redirects must not send anyone elsewhere.
func localPath(next, def string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.Contains(next, `\`) {
		return def
	}
	return next
}

// toSignIn sends a visitor without a valid session to the sign-in page,
// remembering where they were going.
func (c *Console) toSignIn(w http.ResponseWriter, r *http.Request, expired bool) {
	if expired {
		clearCookie(w, sessionCookie)
	}
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	if expired {
		q.Set("expired", "1")
	}
	target := "/signin"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// signInForm is what the sign-in template shows: the password step, or,
// with Code set, the second-factor step.
type signInForm struct {
	Tenant, Email, Next string
	Error, Notice       string
	Code                bool
	// Channel is set when the second factor is a code sent by e-mail or
	// SMS ("email", "sms"): the page says a code was sent (or could not be)
	// and offers to send a new one.
	Channel string
}

// sentChannel reads back the channel a code form carried: it only
// chooses words on the page.
func sentChannel(s string) string {
	if s == "email" || s == "sms" {
		return s
	}
	return ""
}

// signInPage shows the sign-in form. Before a session exists, the form is
// protected by a double-submit token: a random value in a __Host- cookie
// that the form must repeat, so another site cannot sign a visitor in to
// an account of its choosing.
func (c *Console) signInPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if _, err := c.svc.Authenticate(r.Context(), sessionToken(r)); err == nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next"), "/customers"), http.StatusSeeOther)
		return nil
	}
	f := signInForm{Next: localPath(r.URL.Query().Get("next"), "")}
	switch {
	case r.URL.Query().Get("expired") != "":
		f.Notice = v.T("signin.expired")
	case r.URL.Query().Get("out") != "":
		f.Notice = v.T("signin.signedout")
	}
	return c.showSignIn(w, v, http.StatusOK, f)
}

func (c *Console) showSignIn(w http.ResponseWriter, v *view, status int, f signInForm) error {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v.CSRF = base64.RawURLEncoding.EncodeToString(b)
	setCookie(w, signInCookie, v.CSRF, time.Time{})
	v.Title = v.T("signin.title")
	c.render(w, v, status, "signin", f)
	return nil
}

// signIn opens a session. Every failure shows the same words, whether the
// organisation or the account exists or not.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request, v *view) error {
	pre, err := r.Cookie(signInCookie)
	if err != nil {
		return errCSRF
	}
	if err := checkForm(w, r, pre.Value); err != nil {
		return err
	}
	f := signInForm{Tenant: r.PostForm.Get("tenant"), Email: r.PostForm.Get("email"),
		Next: localPath(r.PostForm.Get("next"), "")}
	res, err := c.svc.Login(r.Context(), f.Tenant, f.Email, r.PostForm.Get("password"))
	switch errs.KindOf(err) {
	case errs.Unauthorized:
		f.Error = v.T("signin.failed")
		return c.showSignIn(w, v, http.StatusUnauthorized, f)
	case errs.TooMany:
		f.Error = v.lang.errText(errs.As(err))
		return c.showSignIn(w, v, http.StatusTooManyRequests, f)
	}
	if err != nil {
		return err
	}
	clearCookie(w, signInCookie)
	if res.MFARequired {
		setCookieFor(w, mfaCookie, res.MFAToken, mfaCookieAge)
		f = signInForm{Next: f.Next, Code: true, Channel: sentChannel(res.MFAChannel)}
		if f.Channel != "" {
			f.Notice = v.T("signin.sent." + f.Channel)
			if !res.CodeSent {
				f.Notice = v.T("signin.sent.none")
			}
		}
		return c.showCode(w, v, res.MFAToken, http.StatusOK, f)
	}
	c.startSession(w, r, res, f.Next)
	return nil
}

// mfaCookieAge is how long the browser keeps a pending sign-in: the
// service's challenge lasts five minutes.
const mfaCookieAge = 5 * time.Minute

// startSession sets the session cookie and goes where the visitor was
// going; a limited session is sent on to its task from there.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request, res service.LoginResult, next string) {
	setCookie(w, sessionCookie, res.Token, res.ExpiresAt)
	http.Redirect(w, r, localPath(next, "/customers"), http.StatusSeeOther)
}

// showCode shows the second-factor step. Its CSRF token is derived from
// the pending sign-in, as a session's is from the session.
func (c *Console) showCode(w http.ResponseWriter, v *view, pending string, status int, f signInForm) error {
	v.CSRF = csrfToken(pending)
	v.Title = v.T("signin.code.title")
	c.render(w, v, status, "signin", f)
	return nil
}

// pendingForm reads the pending sign-in behind a form of the second step
// and checks the form against it. ok is false when the page has been
// answered already: the sign-in had expired, or the form was refused.
func (c *Console) pendingForm(w http.ResponseWriter, r *http.Request, v *view) (string, signInForm, bool, error) {
	pending, err := r.Cookie(mfaCookie)
	if err != nil || pending.Value == "" {
		return "", signInForm{}, false, c.showSignIn(w, v, http.StatusUnauthorized, signInForm{Error: v.T("signin.code.expired")})
	}
	if err := checkForm(w, r, csrfToken(pending.Value)); err != nil {
		return "", signInForm{}, false, err
	}
	f := signInForm{Next: localPath(r.PostForm.Get("next"), ""), Code: true, Channel: sentChannel(r.PostForm.Get("channel"))}
	return pending.Value, f, true, nil
}

// signInExpired ends a pending sign-in the service no longer knows.
func (c *Console) signInExpired(w http.ResponseWriter, v *view, next string) error {
	clearCookie(w, mfaCookie)
	return c.showSignIn(w, v, http.StatusUnauthorized, signInForm{Next: next, Error: v.T("signin.code.expired")})
}

// signInCode finishes a sign-in with a code from the authenticator app,
// the code sent, or a recovery code, through service.CompleteMFA as the
// API does: a wrong code counts against the challenge and the account's
// lockout there.
func (c *Console) signInCode(w http.ResponseWriter, r *http.Request, v *view) error {
	pending, f, ok, err := c.pendingForm(w, r, v)
	if !ok {
		return err
	}
	res, err := c.svc.CompleteMFA(r.Context(), pending, r.PostForm.Get("code"))
	e := errs.As(err)
	switch {
	case err == nil:
		clearCookie(w, mfaCookie)
		c.startSession(w, r, res, f.Next)
		return nil
	case e.Code == "mfa_token_invalid":
		return c.signInExpired(w, v, f.Next)
	case e.Kind == errs.TooMany:
		f.Error = v.lang.errText(e)
		return c.showCode(w, v, pending, http.StatusTooManyRequests, f)
	case e.Kind == errs.Unauthorized || e.Kind == errs.Invalid:
		f.Error = v.lang.errText(e)
		return c.showCode(w, v, pending, http.StatusUnauthorized, f)
	}
	return err
}

// signInResend sends a new code for the pending sign-in, through
// service.ResendSignInCode as POST /auth/mfa/resend does.
func (c *Console) signInResend(w http.ResponseWriter, r *http.Request, v *view) error {
	pending, f, ok, err := c.pendingForm(w, r, v)
	if !ok {
		return err
	}
	sent, err := c.svc.ResendSignInCode(r.Context(), pending)
	e := errs.As(err)
	switch {
	case err == nil:
		f.Channel, f.Notice = sent.Channel, v.T("signin.sent.again")
		return c.showCode(w, v, pending, http.StatusOK, f)
	case e.Code == "mfa_token_invalid":
		return c.signInExpired(w, v, f.Next)
	case e.Kind == errs.TooMany || e.Kind == errs.Conflict:
		f.Error = v.lang.errText(e)
		return c.showCode(w, v, pending, statusOf[e.Kind], f)
	}
	return err
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := c.svc.Logout(r.Context(), v.act); err != nil {
		return err
	}
	clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/signin?out=1", http.StatusSeeOther)
	return nil
}

// setLang is the language switch: a plain link, so it works without
// JavaScript. The choice is kept for a year.
func (c *Console) setLang(w http.ResponseWriter, r *http.Request, v *view) error {
	l, ok := parseLang(r.PathValue("lang"))
	if !ok {
		return errs.NotVisible("page")
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l.tag(), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next"), "/customers"), http.StatusSeeOther)
	return nil
}
