package console

import (
	"net/http"
	"strings"

	"steward/internal/access"
	"steward/internal/service"
)

// The lifecycle settings are a tab beside the security settings, for
// holders of manage_users: what happens to a moved user's customers when
// the move does not say (a move through the API without "records", a
// department changed on the user itself). The move form starts at it.

// lifecycleSettingsView is what the lifecycle_settings template shows.
type lifecycleSettingsView struct {
	Done string
	Form form
}

// InLifecycleSettings reports whether the page is the lifecycle settings
// tab.
func (v *view) InLifecycleSettings() bool {
	return strings.HasPrefix(v.Path, "/admin/lifecycle-settings")
}

func (c *Console) lifecycleSettingsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageUsers); err != nil {
		return err
	}
	st, err := c.svc.LifecycleSettingsOf(r.Context(), v.act)
	if err != nil {
		return err
	}
	p := &lifecycleSettingsView{Form: lifecycleSettingsForm(v, st.MoveRecords)}
	if r.URL.Query().Get("done") == "saved" {
		p.Done = v.T("done.lc.settings")
	}
	v.Title = v.T("lc.settings.title")
	c.render(w, v, http.StatusOK, "lifecycle_settings", p)
	return nil
}

func (c *Console) saveLifecycleSettings(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ManageUsers); err != nil {
		return err
	}
	in := service.LifecycleSettings{MoveRecords: r.PostForm.Get("move_records")}
	_, err := c.svc.SetLifecycleSettings(r.Context(), v.act, in)
	if err == nil {
		http.Redirect(w, r, "/admin/lifecycle-settings?done=saved", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p := &lifecycleSettingsView{Form: lifecycleSettingsForm(v, in.MoveRecords)}
	p.Form.place(fe)
	v.Title = v.T("lc.settings.title")
	c.render(w, v, status, "lifecycle_settings", p)
	return nil
}

func lifecycleSettingsForm(v *view, records string) form {
	f := field{Name: "move_records", Label: v.T("lc.f.move_records"), Kind: "select", Value: records, Required: true,
		Hint:    v.T("lc.f.move_records.hint"),
		Options: []option{{Value: "follow", Label: v.T("lc.records.follow")}, {Value: "stay", Label: v.T("lc.records.stay")}}}
	return form{Action: "/admin/lifecycle-settings", Submit: v.T("lc.settings.save"), Prefix: "lc-", Fields: []field{f}}
}
