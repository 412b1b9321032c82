package console

import (
	"net/http"
	"net/url"
	"strings"

	"steward/internal/errs"
)

// Role grants, the security settings and removing a second factor need an
// authentication less than ten minutes old; the service answers anything
// older with step_up_required. The console then asks for the password (and
// a code) again, calls service.StepUp as POST /auth/step-up does, and
// redoes the action with the fields first posted, carried in the form.

const stepUpRequired = "step_up_required"

// keepPrefix marks the fields of the action to redo, so that they cannot
// collide with the step-up form's own.
const keepPrefix = "keep."

// stepUpView is what the step-up template shows.
type stepUpView struct {
	Error  string
	Notice string
	Redo   string // the path of the action to redo, or of the page to return to
	Method string
	Keep   []hidden
	// SendCode offers to send a code, for a user whose second factor is a
	// code sent by e-mail or SMS.
	SendCode bool
}

// askStepUp shows the re-authentication form for the request the service
// refused, carrying the request's fields to redo it.
func (c *Console) askStepUp(w http.ResponseWriter, r *http.Request, v *view) {
	p := stepUpView{Redo: r.URL.RequestURI(), Method: r.Method}
	if r.Method == http.MethodPost {
		for name, vals := range r.PostForm {
			if name == "csrf" {
				continue
			}
			for _, val := range vals {
				p.Keep = append(p.Keep, hidden{Name: keepPrefix + name, Value: val})
			}
		}
	}
	c.showStepUp(w, r, v, http.StatusUnauthorized, p)
}

func (c *Console) showStepUp(w http.ResponseWriter, r *http.Request, v *view, status int, p stepUpView) {
	if f, err := c.svc.Factor(r.Context(), v.act); err == nil {
		p.SendCode = f.Method == "code"
	}
	v.Title = v.T("stepup.title")
	c.render(w, v, status, "stepup", p)
}

// sendStepUpCode sends a code for the step-up and shows the form again,
// with the action's fields still in it.
func (c *Console) sendStepUpCode(w http.ResponseWriter, r *http.Request, v *view, p stepUpView) error {
	sent, err := c.svc.SendStepUpCode(r.Context(), v.act)
	if k := errs.KindOf(err); k == errs.TooMany || k == errs.Conflict || k == errs.Forbidden {
		p.Error = v.lang.errText(errs.As(err))
		c.showStepUp(w, r, v, statusOf[k], p)
		return nil
	}
	if err != nil {
		return err
	}
	p.Notice = v.T("signin.sent." + sentChannel(sent.Channel))
	c.showStepUp(w, r, v, http.StatusUnauthorized, p)
	return nil
}

// stepUp proves who the user is again, then redoes the action (a POST,
// dispatched again through the console's own routes with its fields and
// the session's CSRF token) or returns to the page (a GET).
func (c *Console) stepUp(w http.ResponseWriter, r *http.Request, v *view) error {
	p := stepUpView{Redo: localPath(r.PostForm.Get("redo"), "/customers"), Method: r.PostForm.Get("method")}
	kept := url.Values{}
	for name, vals := range r.PostForm {
		if orig, ok := strings.CutPrefix(name, keepPrefix); ok {
			kept[orig] = vals
			for _, val := range vals {
				p.Keep = append(p.Keep, hidden{Name: name, Value: val})
			}
		}
	}
	if r.PostForm.Get("send_code") != "" {
		return c.sendStepUpCode(w, r, v, p)
	}
	err := c.svc.StepUp(r.Context(), v.act, r.PostForm.Get("password"), r.PostForm.Get("code"))
	if k := errs.KindOf(err); k == errs.Unauthorized || k == errs.TooMany || k == errs.Invalid {
		p.Error = v.lang.errText(errs.As(err))
		c.showStepUp(w, r, v, statusOf[k], p)
		return nil
	}
	if err != nil {
		return err
	}
	target, perr := url.Parse(p.Redo)
	if p.Method != http.MethodPost || perr != nil || target.Path == "/stepup" {
		http.Redirect(w, r, p.Redo, http.StatusSeeOther)
		return nil
	}
	kept.Set("csrf", v.CSRF)
	again := r.Clone(r.Context())
	again.URL = target
	again.RequestURI = target.RequestURI()
	again.Body = http.NoBody
	again.ContentLength = 0
	again.PostForm, again.Form = kept, kept
	c.mux.ServeHTTP(w, again)
	return nil
}
