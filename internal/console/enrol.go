package console

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"net/http"
	"regexp"

	"steward/internal/errs"
	"steward/internal/service"
)

// Enrolling an authenticator app takes three pages: a button that asks
// the service for a new secret (a POST, since it replaces any pending
// one), the QR code with the secret as text and a field for the first
// code, and the ten recovery codes, shown this once. A session limited to
// enrolment sees only these.

// enrolView is what the enrol template shows.
type enrolView struct {
	Forced bool   // the session may do nothing else until it is done
	Error  string // about the whole page: a factor already enrolled
	// Set once the service made a secret.
	Secret string
	QR     template.URL // the QR code as a data: URI (the CSP allows img-src data:)
	Form   form
	// Codes offers codes by e-mail or SMS, when the organisation allows
	// them and no factor is enrolled; nil otherwise.
	Codes *form
}

func (c *Console) renderEnrol(w http.ResponseWriter, r *http.Request, v *view, status int, p enrolView) error {
	return c.renderEnrolWith(w, r, v, status, p, nil, nil)
}

// renderEnrolWith is renderEnrol with the code form's values and error.
func (c *Console) renderEnrolWith(w http.ResponseWriter, r *http.Request, v *view, status int, p enrolView, vals map[string]string, fe *fieldErr) error {
	p.Forced = v.Limit == service.LimitEnrolment
	v.Title = v.T("enrol.title")
	if p.Secret == "" {
		f, err := c.svc.Factor(r.Context(), v.act)
		if err != nil {
			return err
		}
		if len(f.CodeChannels) > 0 {
			cf := codeStartForm(v, f.CodeChannels, vals, fe)
			p.Codes = &cf
		}
	}
	c.render(w, v, status, "enrol", p)
	return nil
}

func (c *Console) enrolPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.renderEnrol(w, r, v, http.StatusOK, enrolView{})
}

func (c *Console) startTOTP(w http.ResponseWriter, r *http.Request, v *view) error {
	en, err := c.svc.StartTOTP(r.Context(), v.act)
	if err != nil {
		status, fe, ok := c.formError(r, v, err)
		if !ok {
			return err
		}
		return c.renderEnrol(w, r, v, status, enrolView{Error: fe.Message})
	}
	return c.renderEnrol(w, r, v, http.StatusOK, enrolView{Secret: en.Secret, QR: qrURI(en.QRPNG), Form: codeForm(v, en.Secret, en.QRPNG, nil)})
}

// codeForm asks for the first code. It carries the secret and its picture
// so that a wrong code can show them again: they are on the page anyway,
// and the service checks the code against the secret it stored, not
// against these.
func codeForm(v *view, secret string, png []byte, fe *fieldErr) form {
	f := form{Action: "/account/mfa/confirm", Submit: v.T("enrol.confirm"), Prefix: "mfa-",
		Fields: []field{{Name: "code", Label: v.T("enrol.code"), Kind: "text", Required: true, Max: 64,
			Autocomplete: "one-time-code", Hint: v.T("enrol.code.hint")}},
		Hidden: []hidden{{Name: "secret", Value: secret}, {Name: "qr", Value: base64.StdEncoding.EncodeToString(png)}}}
	f.place(fe)
	return f
}

func qrURI(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

var (
	secretRE = regexp.MustCompile(`^[A-Z2-7]{16,128}$`)
	pngMagic = []byte("\x89PNG\r\n\x1a\n")
)

// shownAgain reads back the secret and picture a code form carried, or
// nothing when they are not what the console put there.
func shownAgain(r *http.Request) (string, []byte) {
	secret := r.PostForm.Get("secret")
	png, err := base64.StdEncoding.DecodeString(r.PostForm.Get("qr"))
	if !secretRE.MatchString(secret) || err != nil || len(png) > 64<<10 || !bytes.HasPrefix(png, pngMagic) {
		return "", nil
	}
	return secret, png
}

// confirmTOTP turns the factor on with its first code and shows the
// recovery codes. The session is no longer limited from here on.
func (c *Console) confirmTOTP(w http.ResponseWriter, r *http.Request, v *view) error {
	codes, err := c.svc.ConfirmTOTP(r.Context(), v.act, r.PostForm.Get("code"))
	if err == nil {
		v.Title, v.Limit = v.T("recovery.title"), ""
		c.render(w, v, http.StatusOK, "recovery", recoveryView{Codes: codes.Codes, Warning: v.T("recovery.warning")})
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	secret, png := shownAgain(r)
	if errs.As(err).Code == "no_pending_factor" || secret == "" {
		return c.renderEnrol(w, r, v, status, enrolView{Error: fe.Message})
	}
	return c.renderEnrol(w, r, v, status, enrolView{Secret: secret, QR: qrURI(png), Form: codeForm(v, secret, png, fe)})
}
