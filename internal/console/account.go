package console

import (
	"net/http"
	"strconv"

	"steward/internal/errs"
	"steward/internal/service"
)

// The account pages are every user's own: the password, the authenticator
// app with its recovery codes, and the open sessions. Each action is one
// service call, the one the API's /me routes make, so lockout, throttling,
// step-up and the audit trail apply alike.

func (c *Console) accountRoutes(mux *http.ServeMux) {
	both := []string{service.LimitEnrolment, service.LimitPasswordChange}
	mux.Handle("GET /account", c.limited(c.accountPage, service.LimitPasswordChange))
	mux.Handle("POST /account/password", c.limited(c.changePassword, both...))
	mux.Handle("GET /account/mfa", c.limited(c.enrolPage, service.LimitEnrolment))
	mux.Handle("POST /account/mfa/start", c.limited(c.startTOTP, service.LimitEnrolment))
	mux.Handle("POST /account/mfa/confirm", c.limited(c.confirmTOTP, service.LimitEnrolment))
	mux.Handle("POST /account/mfa/remove", c.private(c.removeTOTP))
	mux.Handle("POST /account/mfa/code/start", c.limited(c.startCodeFactor, service.LimitEnrolment))
	mux.Handle("POST /account/mfa/code/confirm", c.limited(c.confirmCodeFactor, service.LimitEnrolment))
	mux.Handle("POST /account/mfa/code/remove", c.private(c.removeCodeFactor))
	mux.Handle("POST /account/sessions/others", c.private(c.endOtherSessions))
	mux.Handle("POST /account/sessions/{id}/end", c.private(c.endSession))
}

// accountView is what the account template shows.
type accountView struct {
	Done, Error string
	Password    form
	Sessions    []service.SessionInfo
	Others      bool // other sessions are open
	HasFactor   bool // a factor is enrolled: offer removing it, not setting one up
	Factor      service.FactorStatus
	Codes       *form // codes by e-mail or SMS, offered where allowed and no factor is enrolled
}

// accountDone are the notices a redirect back to the page may ask for.
var accountDone = map[string]bool{"password": true, "mfa_removed": true, "session_ended": true, "others_ended": true,
	"mfa_code_on": true, "mfa_code_removed": true}

func (c *Console) accountPage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.loadAccount(r, v, passwordForm(v, nil))
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("done"); accountDone[d] {
		p.Done = v.T("done.account." + d)
	}
	c.render(w, v, http.StatusOK, "account", p)
	return nil
}

// loadAccount reads the sessions; a session limited to changing its
// password sees only the password form.
func (c *Console) loadAccount(r *http.Request, v *view, pw form) (*accountView, error) {
	p := &accountView{Password: pw}
	v.Title = v.T("account.title")
	if v.Limit != "" {
		return p, nil
	}
	ss, err := c.svc.Sessions(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	p.Sessions = ss
	for _, s := range ss {
		p.Others = p.Others || !s.Current
	}
	if p.Factor, err = c.svc.Factor(r.Context(), v.act); err != nil {
		return nil, err
	}
	p.HasFactor = p.Factor.Method != ""
	if len(p.Factor.CodeChannels) > 0 {
		cf := codeStartForm(v, p.Factor.CodeChannels, nil, nil)
		p.Codes = &cf
	}
	return p, nil
}

func passwordForm(v *view, fe *fieldErr) form {
	pw := func(name, auto string) field {
		return field{Name: name, Label: v.T("field." + name), Kind: "password", Required: true, Autocomplete: auto, Max: 1024}
	}
	next := pw("new_password", "new-password")
	next.Hint = v.T("account.password.hint")
	f := form{Action: "/account/password", Submit: v.T("account.password.submit"), Prefix: "pw-",
		Fields: []field{pw("current_password", "current-password"), next, pw("repeat_password", "new-password")}}
	f.place(fe)
	return f
}

// changePassword calls service.ChangePassword; the policy's refusal is
// shown next to the field it concerns. The repeat is the console's own
// check against a typo, made before the service sees anything.
func (c *Console) changePassword(w http.ResponseWriter, r *http.Request, v *view) error {
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	var err error
	if next != r.PostForm.Get("repeat_password") {
		err = errs.Field("repeat_password", "password_mismatch", "the two new passwords differ")
	} else {
		err = c.svc.ChangePassword(r.Context(), v.act, current, next)
	}
	if err == nil {
		http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok && errs.KindOf(err) == errs.TooMany {
		status, fe, ok = http.StatusTooManyRequests, &fieldErr{Message: v.lang.errText(errs.As(err))}, true
	}
	if !ok {
		return err
	}
	p, lerr := c.loadAccount(r, v, passwordForm(v, fe))
	if lerr != nil {
		return lerr
	}
	c.render(w, v, status, "account", p)
	return nil
}

// endSession ends one of the user's own sessions; another user's answers
// not found, like a missing one.
func (c *Console) endSession(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotVisible("session")
	}
	if id == v.act.SessionID {
		return c.signOut(w, r, v)
	}
	if err := c.svc.EndSession(r.Context(), v.act, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/account?done=session_ended#sessions", http.StatusSeeOther)
	return nil
}

// endOtherSessions ends every session of the user but this one, each
// through service.EndSession, so each is recorded as the API records it.
func (c *Console) endOtherSessions(w http.ResponseWriter, r *http.Request, v *view) error {
	ss, err := c.svc.Sessions(r.Context(), v.act)
	if err != nil {
		return err
	}
	for _, s := range ss {
		if s.Current {
			continue
		}
		if err := c.svc.EndSession(r.Context(), v.act, s.ID); err != nil && errs.KindOf(err) != errs.NotFound {
			return err // one that ended meanwhile is what was wanted
		}
	}
	http.Redirect(w, r, "/account?done=others_ended#sessions", http.StatusSeeOther)
	return nil
}

// removeTOTP turns the authenticator off. The service asks for a recent
// sign-in; the wrapper then shows the step-up form, which redoes this.
func (c *Console) removeTOTP(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := c.svc.RemoveTOTP(r.Context(), v.act); err != nil {
		return err
	}
	http.Redirect(w, r, "/account?done=mfa_removed", http.StatusSeeOther)
	return nil
}
