package console

import (
	"net/http"

	"steward/internal/errs"
	"steward/internal/service"
)

// A second factor of codes sent by e-mail or SMS, where the organisation
// allows it: the account and enrolment pages offer it below the
// authenticator app, saying it is weaker; starting it sends a first code,
// which the next page asks for. Each step is the service call the API's
// /me/mfa/code routes make.

// codeEnrolView is what the codeenrol template shows: the code sent, and
// the form for it.
type codeEnrolView struct {
	Forced  bool
	Channel string // where the code went: "email" or "sms"
	Error   string // about the page: the code could not be sent again
	Form    form   // the code, carrying the channel and address for a resend
	Resend  []hidden
}

// codeStartForm asks for a channel and an address; channels are those the
// actor may enrol by.
func codeStartForm(v *view, channels []string, vals map[string]string, fe *fieldErr) form {
	ch := field{Name: "channel", Label: v.T("codes.channel"), Kind: "select", Required: true, Value: vals["channel"]}
	for _, c := range channels {
		ch.Options = append(ch.Options, option{Value: c, Label: v.T("codes.channel." + c)})
	}
	addr := field{Name: "address", Label: v.T("codes.address"), Kind: "text", Required: true, Max: 254,
		Autocomplete: "email", Hint: v.T("codes.address.hint"), Value: vals["address"]}
	f := form{Action: "/account/mfa/code/start", Submit: v.T("codes.start"), Prefix: "code-", Fields: []field{ch, addr}}
	f.place(fe)
	return f
}

// codeConfirmForm asks for the code that was sent.
func codeConfirmForm(v *view, channel, address string, fe *fieldErr) form {
	f := form{Action: "/account/mfa/code/confirm", Submit: v.T("enrol.confirm"), Prefix: "codec-",
		Fields: []field{{Name: "code", Label: v.T("codes.code"), Kind: "text", Required: true, Max: 64,
			Autocomplete: "one-time-code", Hint: v.T("enrol.code.hint")}},
		Hidden: []hidden{{Name: "channel", Value: channel}, {Name: "address", Value: address}}}
	f.place(fe)
	return f
}

func (c *Console) renderCodeEnrol(w http.ResponseWriter, v *view, status int, p codeEnrolView) error {
	p.Forced = v.Limit == service.LimitEnrolment
	v.Title = v.T("codes.sent.title")
	c.render(w, v, status, "codeenrol", p)
	return nil
}

// startCodeFactor sends a first code to the address typed (again, for the
// page's "send a new code"). A refusal goes back to the enrolment page,
// next to the field it is about.
func (c *Console) startCodeFactor(w http.ResponseWriter, r *http.Request, v *view) error {
	in := service.CodeFactorInput{Channel: r.PostForm.Get("channel"), Address: r.PostForm.Get("address")}
	_, err := c.svc.StartCodeFactor(r.Context(), v.act, in)
	if err == nil {
		return c.renderCodeEnrol(w, v, http.StatusOK, codeEnrolView{Channel: sentChannel(in.Channel),
			Form: codeConfirmForm(v, in.Channel, in.Address, nil), Resend: sentTo(in)})
	}
	status, fe, ok := c.codeError(r, v, err)
	if !ok {
		return err
	}
	if r.PostForm.Get("resend") != "" {
		return c.renderCodeEnrol(w, v, status, codeEnrolView{Channel: sentChannel(in.Channel), Error: fe.Message,
			Form: codeConfirmForm(v, in.Channel, in.Address, nil), Resend: sentTo(in)})
	}
	return c.renderEnrolWith(w, r, v, status, enrolView{}, map[string]string{"channel": in.Channel, "address": in.Address}, fe)
}

// sentTo are the hidden fields of the "send a new code" form.
func sentTo(in service.CodeFactorInput) []hidden {
	return []hidden{{Name: "channel", Value: in.Channel}, {Name: "address", Value: in.Address}, {Name: "resend", Value: "1"}}
}

// codeError is formError for the code pages, which also show the resend
// limit (429) on the form.
func (c *Console) codeError(r *http.Request, v *view, err error) (int, *fieldErr, bool) {
	if e := errs.As(err); e.Kind == errs.TooMany {
		return http.StatusTooManyRequests, &fieldErr{Message: v.lang.errText(e)}, true
	}
	return c.formError(r, v, err)
}

// confirmCodeFactor turns the factor on with the code sent, and shows the
// recovery codes if the user had none.
func (c *Console) confirmCodeFactor(w http.ResponseWriter, r *http.Request, v *view) error {
	codes, err := c.svc.ConfirmCodeFactor(r.Context(), v.act, r.PostForm.Get("code"))
	if err == nil {
		if len(codes.Codes) == 0 {
			http.Redirect(w, r, "/account?done=mfa_code_on", http.StatusSeeOther)
			return nil
		}
		v.Title, v.Limit = v.T("recovery.title"), ""
		c.render(w, v, http.StatusOK, "recovery", recoveryView{Codes: codes.Codes, Warning: v.T("recovery.warning.code")})
		return nil
	}
	status, fe, ok := c.codeError(r, v, err)
	if !ok {
		return err
	}
	in := service.CodeFactorInput{Channel: r.PostForm.Get("channel"), Address: r.PostForm.Get("address")}
	if errs.As(err).Code == "no_pending_factor" {
		return c.renderEnrolWith(w, r, v, status, enrolView{Error: fe.Message}, nil, nil)
	}
	return c.renderCodeEnrol(w, v, status, codeEnrolView{Channel: sentChannel(in.Channel), Form: codeConfirmForm(v, in.Channel, in.Address, fe), Resend: sentTo(in)})
}

// removeCodeFactor turns the code factor off; the wrapper asks for a
// step-up first when the sign-in is old, and redoes this.
func (c *Console) removeCodeFactor(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := c.svc.RemoveCodeFactor(r.Context(), v.act); err != nil {
		return err
	}
	http.Redirect(w, r, "/account?done=mfa_code_removed", http.StatusSeeOther)
	return nil
}

// recoveryView is what the recovery template shows: the codes, and what
// was just turned on.
type recoveryView struct {
	Codes   []string
	Warning string
}
