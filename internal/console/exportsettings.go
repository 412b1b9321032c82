package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// The export controls are a tab beside the security settings, for holders
// of manage_security: the approval threshold, how long and how often a
// file may be downloaded, and a row limit per role. Saving goes through
// service.SaveExportSettings, which, like the security settings, needs a
// recent sign-in; the console then asks for the password and saves again.

// limitPrefix names a role's row-limit input: role_limits.<key>, as the
// service names the field in its errors, so they land by the input.
const limitPrefix = "role_limits."

// exportSettingsView is what the export settings template shows.
type exportSettingsView struct {
	Done   string
	Form   form
	Limits form // the per-role inputs, drawn inside Form's <form>
}

func (c *Console) exportSettingsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageSecurity); err != nil {
		return err
	}
	st, err := c.svc.ExportSettings(r.Context(), v.act)
	if err != nil {
		return err
	}
	p, err := c.exportSettingsView(r, v, exportSettingValues(st), nil)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") == "saved" {
		p.Done = v.T("done.exportsettings")
	}
	c.render(w, v, http.StatusOK, "exportsettings", p)
	return nil
}

func (c *Console) saveExportSettings(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageSecurity); err != nil {
		return err
	}
	in, err := exportSettingsInput(r.PostForm)
	if err == nil {
		_, err = c.svc.SaveExportSettings(r.Context(), v.act, in)
	}
	if err == nil {
		http.Redirect(w, r, "/admin/export-settings?done=saved", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err // step_up_required among them: the wrapper asks for it
	}
	p, lerr := c.exportSettingsView(r, v, r.PostForm, fe)
	if lerr != nil {
		return lerr
	}
	c.render(w, v, status, "exportsettings", p)
	return nil
}

// exportSettingValues are the settings as the form shows them; a role
// without a limit has an empty input.
func exportSettingValues(st store.ExportSettings) url.Values {
	out := url.Values{}
	out.Set("approval_threshold", strconv.FormatInt(st.ApprovalThreshold, 10))
	out.Set("link_hours", strconv.Itoa(st.LinkHours))
	out.Set("max_downloads", strconv.Itoa(st.MaxDownloads))
	for k, n := range st.RoleLimits {
		out.Set(limitPrefix+k, strconv.FormatInt(n, 10))
	}
	return out
}

// exportSettingsInput reads the form. Every role_limits.<key> input is
// read, so a role the form offered is not needed to keep its limit: an
// empty one means no limit and leaves the role out.
func exportSettingsInput(f url.Values) (store.ExportSettings, error) {
	st := store.ExportSettings{RoleLimits: map[string]int64{}}
	var err error
	if st.ApprovalThreshold, err = wholeNumber(f, "approval_threshold"); err != nil {
		return st, err
	}
	hours, err := wholeNumber(f, "link_hours")
	if err != nil {
		return st, err
	}
	downloads, err := wholeNumber(f, "max_downloads")
	if err != nil {
		return st, err
	}
	// The service bounds both far below an int's range; out-of-range text
	// becomes a number it refuses rather than one that wraps around.
	st.LinkHours, st.MaxDownloads = int(min(hours, 1<<30)), int(min(downloads, 1<<30))
	for name := range f {
		key, ok := strings.CutPrefix(name, limitPrefix)
		if !ok || strings.TrimSpace(f.Get(name)) == "" {
			continue
		}
		if st.RoleLimits[key], err = wholeNumber(f, name); err != nil {
			return st, err
		}
	}
	return st, nil
}

func wholeNumber(f url.Values, name string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(f.Get(name)), 10, 64)
	if err != nil {
		return 0, errs.Field(name, "invalid_number", "%s must be a whole number", name)
	}
	return n, nil
}

// exportSettingsView builds the page: the three settings, then one input
// per role (the tenant's roles, or for one who may not read them, those
// the settings name), with vals and the error placed.
func (c *Console) exportSettingsView(r *http.Request, v *view, vals url.Values, fe *fieldErr) (*exportSettingsView, error) {
	roles, err := c.svc.Roles(r.Context(), v.act)
	if errs.KindOf(err) == errs.Forbidden {
		roles, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	v.Title = v.T("exportsettings.title")
	num := func(name string) field {
		return field{Name: name, Label: v.T("exportsettings." + name), Kind: "number", Value: vals.Get(name), Required: true,
			Hint: v.T("exportsettings." + name + ".hint")}
	}
	p := &exportSettingsView{
		Form: form{Action: "/admin/export-settings", Submit: v.T("exportsettings.save"), Prefix: "exports-",
			Fields: []field{num("approval_threshold"), num("link_hours"), num("max_downloads")}},
		Limits: form{Prefix: "exports-"},
	}
	for _, o := range limitRoles(roles, vals) {
		p.Limits.Fields = append(p.Limits.Fields, field{Name: limitPrefix + o.Value, Label: o.Label, Kind: "number", Value: vals.Get(limitPrefix + o.Value)})
	}
	p.Form.place(fe)
	if p.Form.Error != "" && fe != nil && strings.HasPrefix(fe.Field, limitPrefix) {
		p.Form.Error = ""
		p.Limits.place(fe)
	}
	return p, nil
}

// limitRoles are the roles with a limit input: every role of the tenant,
// and any role the values name that the user may not read.
func limitRoles(roles []access.Role, vals url.Values) []option {
	var out []option
	for _, r := range roles {
		out = append(out, option{Value: r.Key, Label: r.Name})
	}
	var extra []string
	for name := range vals {
		key, ok := strings.CutPrefix(name, limitPrefix)
		if ok && !slices.ContainsFunc(out, func(o option) bool { return o.Value == key }) {
			extra = append(extra, key)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		out = append(out, option{Value: k, Label: k})
	}
	return out
}
