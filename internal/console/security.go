package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
)

// The security settings page shows the tenant's account-security document
// (service.SecuritySettings, for holders of manage_security or
// manage_users) as one form, with the service's report of the clauses each
// choice satisfies or breaks. Saving replaces the document through
// service.SetSecuritySettings, which needs a recent sign-in.

// securityInts are the whole-number settings, in the form's order.
var securityInts = []string{"min_length", "min_length_mfa", "min_classes", "expiry_days", "history",
	"lockout_threshold", "lockout_minutes", "idle_minutes", "absolute_hours", "admin_idle_minutes", "admin_absolute_hours"}

// profileFields are the settings a profile sets. When the form changes the
// profile, those left as they were shown take the new profile's values.
var profileFields = []string{"min_length", "min_length_mfa", "min_classes", "expiry_days", "history",
	"lockout_threshold", "lockout_minutes"}

// clauseField names the form field a conformance clause is about.
var clauseField = map[string]string{"max_age_days": "expiry_days", "lockout.lock_at": "lockout_threshold",
	"lockout.lock_for": "lockout_minutes", "session.idle": "idle_minutes", "session.absolute": "absolute_hours",
	"session.admin_idle": "admin_idle_minutes", "session.admin_absolute": "admin_absolute_hours"}

// securityView is what the security template shows.
type securityView struct {
	Done    string
	Form    form
	Clauses []clauseRow
}

// clauseRow is one line of the conformance report.
type clauseRow struct {
	Setting, Value, Standard, Ref, Verdict, Note string
}

func (c *Console) securityPage(w http.ResponseWriter, r *http.Request, v *view) error {
	rep, err := c.svc.SecuritySettings(r.Context(), v.act)
	if err != nil {
		return err
	}
	p, err := c.securityView(r, v, rep, settingValues(rep.Settings), nil)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") == "saved" {
		p.Done = v.T("done.security")
	}
	c.render(w, v, http.StatusOK, "security", p)
	return nil
}

func (c *Console) saveSecurity(w http.ResponseWriter, r *http.Request, v *view) error {
	rep, err := c.svc.SecuritySettings(r.Context(), v.act)
	if err != nil {
		return err
	}
	posted := postedSettings(r.PostForm)
	in, err := securityInput(posted, settingValues(rep.Settings))
	if err == nil {
		_, err = c.svc.SetSecuritySettings(r.Context(), v.act, in)
	}
	if err == nil {
		http.Redirect(w, r, "/admin/security?done=saved", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err // step_up_required among them: the wrapper asks for it
	}
	p, lerr := c.securityView(r, v, rep, posted, fe)
	if lerr != nil {
		return lerr
	}
	c.render(w, v, status, "security", p)
	return nil
}

// settingValues are the settings as the form shows them: numbers as
// digits, lists one entry a line, per-role entries as "role: value" lines.
func settingValues(st service.SecuritySettings) url.Values {
	out := url.Values{}
	ints := []int{st.MinLength, st.MinLengthMFA, st.MinClasses, st.ExpiryDays, st.History, st.LockoutThreshold,
		st.LockoutMinutes, st.IdleMinutes, st.AbsoluteHours, st.AdminIdleMinutes, st.AdminAbsoluteHours}
	for i, name := range securityInts {
		out.Set(name, strconv.Itoa(ints[i]))
	}
	out.Set("profile", st.Profile)
	out.Set("totp_window", st.TOTPWindow)
	out.Set("time_zone", st.TimeZone)
	if st.MFARequired {
		out.Set("mfa_required", "1")
	}
	if st.MFAForExport {
		out.Set("mfa_for_export", "1")
	}
	if st.MFAForAdmin {
		out.Set("mfa_for_admin", "1")
	}
	out["mfa_roles"] = append([]string{}, st.MFARoles...)
	out["code_channels"] = append([]string{}, st.CodeChannels...)
	out.Set("allowed_networks", strings.Join(st.AllowedNetworks, "\n"))
	nets := map[string]string{}
	for k, l := range st.RoleNetworks {
		nets[k] = strings.Join(l, ", ")
	}
	out.Set("role_networks", roleLines(nets))
	out.Set("login_hours", roleLines(st.LoginHours))
	return out
}

func roleLines(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + ": " + m[k]
	}
	return strings.Join(lines, "\n")
}

// postedSettings keeps the form's fields as posted, to show them again.
func postedSettings(f url.Values) url.Values {
	out := url.Values{}
	for _, name := range append(slices.Clone(securityInts), "profile", "totp_window", "time_zone", "mfa_required",
		"mfa_for_export", "mfa_for_admin", "allowed_networks", "role_networks", "login_hours") {
		if val := f.Get(name); val != "" {
			out.Set(name, strings.ReplaceAll(val, "\r\n", "\n"))
		}
	}
	out["mfa_roles"] = f["mfa_roles"]
	out["code_channels"] = f["code_channels"]
	return out
}

// securityInput builds the service's input from the form. A changed
// profile takes its own values for the profile's fields left as shown.
func securityInput(posted, shown url.Values) (service.SecuritySettingsInput, error) {
	var in service.SecuritySettingsInput
	profile, window, zone := posted.Get("profile"), posted.Get("totp_window"), strings.TrimSpace(posted.Get("time_zone"))
	in.Profile, in.TOTPWindow, in.TimeZone = &profile, &window, &zone
	switched := profile != shown.Get("profile")
	ptrs := []**int{&in.MinLength, &in.MinLengthMFA, &in.MinClasses, &in.ExpiryDays, &in.History, &in.LockoutThreshold,
		&in.LockoutMinutes, &in.IdleMinutes, &in.AbsoluteHours, &in.AdminIdleMinutes, &in.AdminAbsoluteHours}
	for i, name := range securityInts {
		s := strings.TrimSpace(posted.Get(name))
		if switched && slices.Contains(profileFields, name) && s == shown.Get(name) {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return in, errs.Field(name, "invalid_number", "%s must be a whole number", name)
		}
		*ptrs[i] = &n
	}
	mfa, export, admin := posted.Get("mfa_required") != "", posted.Get("mfa_for_export") != "", posted.Get("mfa_for_admin") != ""
	roles := append([]string{}, posted["mfa_roles"]...)
	in.MFARequired, in.MFAForExport, in.MFAForAdmin, in.MFARoles = &mfa, &export, &admin, &roles
	channels := append([]string{}, posted["code_channels"]...)
	in.CodeChannels = &channels
	nets := lines(posted.Get("allowed_networks"))
	in.AllowedNetworks = &nets
	roleNets, err := perRole("role_networks", posted.Get("role_networks"))
	if err != nil {
		return in, err
	}
	byRole := map[string][]string{}
	for k, l := range roleNets {
		byRole[k] = splitList(l)
	}
	in.RoleNetworks = &byRole
	hours, err := perRole("login_hours", posted.Get("login_hours"))
	in.LoginHours = &hours
	return in, err
}

// lines are the non-empty lines of a text area, trimmed.
func lines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func splitList(s string) []string {
	out := []string{}
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, x)
	}
	return out
}

// perRole reads "role: value" lines.
func perRole(name, s string) (map[string]string, error) {
	out := map[string]string{}
	for _, l := range lines(s) {
		k, val, ok := strings.Cut(l, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return out, errs.Field(name, "invalid_line", "each line of %s is a role key, a colon and its value", name)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return out, nil
}

// securityView builds the page: the form with vals and the error placed,
// and the report of the settings in force.
func (c *Console) securityView(r *http.Request, v *view, rep service.SecurityReport, vals url.Values, fe *fieldErr) (*securityView, error) {
	roles, err := c.svc.Roles(r.Context(), v.act)
	if errs.KindOf(err) == errs.Forbidden {
		roles, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	v.Title = v.T("security.title")
	p := &securityView{}
	breaks := map[string][]string{}
	for _, cl := range rep.Conformance {
		name := cl.Setting
		if n, ok := clauseField[name]; ok {
			name = n
		}
		if string(cl.Verdict) == "breaks" {
			breaks[name] = append(breaks[name], cl.Standard+" "+cl.Ref)
		}
		label := v.T("security." + name)
		if _, ok := messages["security."+name]; !ok {
			label = cl.Setting
		}
		p.Clauses = append(p.Clauses, clauseRow{Setting: label, Value: cl.Value, Standard: cl.Standard, Ref: cl.Ref,
			Verdict: string(cl.Verdict), Note: cl.Note})
	}
	p.Form = securityForm(v, vals, roleOptions(roles, rep.Settings), breaks)
	p.Form.place(fe)
	return p, nil
}

// roleOptions are the roles a setting may name: the tenant's, or, for a
// holder of manage_security who may not read roles, those already named.
func roleOptions(roles []access.Role, st service.SecuritySettings) []option {
	var out []option
	for _, r := range roles {
		out = append(out, option{Value: r.Key, Label: r.Name})
	}
	if roles == nil {
		for _, k := range st.MFARoles {
			out = append(out, option{Value: k, Label: k})
		}
	}
	return out
}

func securityForm(v *view, vals url.Values, roles []option, breaks map[string][]string) form {
	f := func(name, kind string) field {
		x := field{Name: name, Label: v.T("security." + name), Kind: kind, Value: vals.Get(name)}
		if b := breaks[name]; len(b) > 0 {
			x.Hint = v.T("security.breaks") + " " + strings.Join(b, "; ")
		}
		return x
	}
	profile := f("profile", "select")
	for _, p := range []string{"default", "dengbao-l3"} {
		profile.Options = append(profile.Options, option{Value: p, Label: v.T("security.profile." + p)})
	}
	profile.Hint = v.T("security.profile.hint")
	fields := []field{profile}
	for _, name := range securityInts {
		fields = append(fields, f(name, "number"))
	}
	window := f("totp_window", "select")
	for _, w := range []string{"drift", "strict", "exact"} {
		window.Options = append(window.Options, option{Value: w, Label: v.T("security.window." + w)})
	}
	mfaRoles := f("mfa_roles", "checkboxes")
	mfaRoles.Options, mfaRoles.Values = roles, vals["mfa_roles"]
	codes := f("code_channels", "checkboxes")
	codes.Values = vals["code_channels"]
	for _, ch := range []string{"email", "sms"} {
		codes.Options = append(codes.Options, option{Value: ch, Label: v.T("codes.channel." + ch)})
	}
	codes.Hint = strings.TrimSpace(v.T("security.code_channels.hint") + " " + codes.Hint)
	nets, roleNets, hours, zone := f("allowed_networks", "textarea"), f("role_networks", "textarea"), f("login_hours", "textarea"), f("time_zone", "text")
	nets.Hint, roleNets.Hint, hours.Hint = v.T("security.allowed_networks.hint"), v.T("security.role_networks.hint"), v.T("security.login_hours.hint")
	fields = append(fields, f("mfa_required", "checkbox"), mfaRoles, f("mfa_for_export", "checkbox"), f("mfa_for_admin", "checkbox"), window, codes, nets, roleNets, hours, zone)
	return form{Action: "/admin/security", Submit: v.T("security.save"), Prefix: "security-", Fields: fields}
}
