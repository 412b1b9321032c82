package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
)

// Separation of duties (docs/separation-of-duties.md): the rules with how
// many users break each now, the conflicts report, and the 三员分立
// profile with who blocks switching it on. Reading needs manage_roles,
// manage_users or view_audit; changing a rule or the profile needs
// manage_roles and a recent sign-in, which the service asks for and the
// step-up flow gives (the change is then redone). Holdings are typed one
// per line (or separated by commas), as the API takes them:
// customer.export, function:approve_exports, duty:audit.

func (c *Console) sodRoutes(mux *http.ServeMux) {
	mux.Handle("GET /sod", c.private(c.sodPage))
	mux.Handle("POST /sod/rules", c.private(c.createSoDRule))
	mux.Handle("GET /sod/rules/{id}", c.private(c.sodRulePage))
	mux.Handle("POST /sod/rules/{id}", c.private(c.saveSoDRule))
	mux.Handle("POST /sod/rules/{id}/delete", c.private(c.deleteSoDRule))
	mux.Handle("POST /sod/profile", c.private(c.setSoDProfile))
}

// sodFields are the rule form's inputs.
var sodFields = []string{"name", "holdings", "mode", "description"}

// sodDone are the notices a redirect to the page may ask for.
var sodDone = []string{"created", "saved", "deleted", "profile_on", "profile_off"}

// sodPage is what the sod template shows.
type sodPageView struct {
	Done, ProfileError string
	Profile            service.SoDProfile
	Duties             []dutyRow
	Blockers           []blockerRow
	Rules              []sodRuleRow
	Conflicts          []conflictRow
	Form               form
}

type dutyRow struct{ Duty, Functions, Role string }

type blockerRow struct {
	UserID          int64
	Name, URL       string
	Duties, Through string
}

type sodRuleRow struct {
	service.SoDRuleView
	ModeText, URL string
}

type conflictRow struct {
	service.SoDViolation
	URL, ModeText, Justification string
	Holdings                     []string
}

func (c *Console) sodPage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.loadSoD(r, v)
	if err != nil {
		return err
	}
	p.Done = validDone(v, "done.sod.", r.URL.Query().Get("done"), sodDone)
	c.render(w, v, http.StatusOK, "sod", p)
	return nil
}

// loadSoD reads the rules, conflicts and profile; the form starts empty.
func (c *Console) loadSoD(r *http.Request, v *view) (*sodPageView, error) {
	if err := needAny(v, access.ManageRoles, access.ManageUsers, access.ViewAudit); err != nil {
		return nil, err
	}
	ctx := r.Context()
	rules, err := c.svc.SoDRules(ctx, v.act)
	if err != nil {
		return nil, err
	}
	conflicts, err := c.svc.SoDConflicts(ctx, v.act)
	if err != nil {
		return nil, err
	}
	prof, err := c.svc.SoDProfileOf(ctx, v.act)
	if err != nil {
		return nil, err
	}
	d, err := c.loadDirectory(ctx, v.act)
	if err != nil {
		return nil, err
	}
	p := &sodPageView{Profile: prof}
	for _, x := range prof.Duties {
		var fns []string
		for _, f := range x.Functions {
			fns = append(fns, string(f))
		}
		p.Duties = append(p.Duties, dutyRow{Duty: v.T("sod.duty." + string(x.Duty)), Functions: strings.Join(fns, ", "), Role: d.roleName(x.Role)})
	}
	for _, b := range prof.Blockers {
		row := blockerRow{UserID: b.UserID, Name: b.UserName, Duties: dutyNames(v, b.Duties)}
		var through []string
		for _, rd := range b.Roles {
			through = append(through, d.roleName(rd.Role)+" ("+dutyNames(v, rd.Duties)+")")
		}
		row.Through = strings.Join(through, ", ")
		if v.CanAdmin() {
			row.URL = userURL(b.UserID)
		}
		p.Blockers = append(p.Blockers, row)
	}
	for _, x := range rules {
		p.Rules = append(p.Rules, sodRuleRow{SoDRuleView: x, ModeText: v.T("sod.mode." + string(x.Mode)),
			URL: "/sod/rules/" + strconv.FormatInt(x.ID, 10)})
	}
	for _, x := range conflicts {
		row := conflictRow{SoDViolation: x, ModeText: v.T("sod.mode." + string(x.Mode))}
		if x.Builtin {
			row.Rule = v.T("sod.builtin") + " " + x.Rule
		}
		for _, h := range x.Holdings {
			var roles []string
			for _, k := range h.Roles {
				roles = append(roles, d.roleName(k))
			}
			row.Holdings = append(row.Holdings, string(h.Holding)+" ← "+strings.Join(roles, ", "))
		}
		if x.Justification != nil {
			row.Justification = x.Justification.Justification
		}
		if v.CanAdmin() {
			row.URL = userURL(x.UserID)
		}
		p.Conflicts = append(p.Conflicts, row)
	}
	if v.CanEditSoD() {
		p.Form = sodForm(v, "/sod/rules", v.T("sod.add"), map[string]string{"mode": string(access.SoDRefuse)})
	}
	v.Title = v.T("sod.title")
	return p, nil
}

func dutyNames(v *view, ds []access.Duty) string {
	var out []string
	for _, d := range ds {
		out = append(out, v.T("sod.duty."+string(d)))
	}
	return strings.Join(out, " + ")
}

// sodForm is a rule's form with vals.
func sodForm(v *view, action, submit string, vals map[string]string) form {
	name := field{Name: "name", Label: v.T("sod.f.name"), Kind: "text", Value: vals["name"], Required: true, Max: 100}
	holdings := field{Name: "holdings", Label: v.T("sod.f.holdings"), Kind: "textarea", Value: vals["holdings"], Required: true,
		Hint: v.T("sod.f.holdings.hint")}
	mode := field{Name: "mode", Label: v.T("sod.f.mode"), Kind: "select", Value: vals["mode"], Required: true,
		Options: []option{{Value: string(access.SoDRefuse), Label: v.T("sod.mode.refuse")}, {Value: string(access.SoDJustify), Label: v.T("sod.mode.justify")}}}
	desc := field{Name: "description", Label: v.T("sod.f.description"), Kind: "text", Value: vals["description"], Max: 500}
	return form{Action: action, Submit: submit, Prefix: "sod-", Fields: []field{name, mode, desc, holdings}}
}

// sodInput reads the rule form.
func sodInput(vals map[string]string) service.SoDRuleInput {
	in := service.SoDRuleInput{Name: vals["name"], Mode: access.SoDMode(vals["mode"]), Description: vals["description"]}
	for _, h := range strings.FieldsFunc(vals["holdings"], func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' }) {
		in.Holdings = append(in.Holdings, access.Holding(h))
	}
	return in
}

// holdingsText is a rule's holdings as the form shows them.
func holdingsText(hs []access.Holding) string {
	var out []string
	for _, h := range hs {
		out = append(out, string(h))
	}
	return strings.Join(out, "\n")
}

func (c *Console) createSoDRule(w http.ResponseWriter, r *http.Request, v *view) error {
	vals := postedMap(r, sodFields...)
	_, err := c.svc.SaveSoDRule(r.Context(), v.act, 0, sodInput(vals))
	if err == nil {
		http.Redirect(w, r, "/sod?done=created", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.loadSoD(r, v)
	if lerr != nil {
		return lerr
	}
	p.Form = sodForm(v, "/sod/rules", v.T("sod.add"), vals)
	p.Form.place(fe)
	c.render(w, v, status, "sod", p)
	return nil
}

// sodRuleView is what the sod_rule template shows.
type sodRuleView struct {
	Rule   service.SoDRuleView
	Form   form
	Delete string // the delete form's action
	Error  string
}

func sodRuleID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotVisible("sod rule")
	}
	return id, nil
}

// findSoDRule reads one rule through the list, which is all the service
// offers; a rule not there is not found.
func (c *Console) findSoDRule(r *http.Request, v *view) (service.SoDRuleView, error) {
	if err := need(v, access.ManageRoles); err != nil {
		return service.SoDRuleView{}, err
	}
	id, err := sodRuleID(r)
	if err != nil {
		return service.SoDRuleView{}, err
	}
	rules, err := c.svc.SoDRules(r.Context(), v.act)
	if err != nil {
		return service.SoDRuleView{}, err
	}
	i := slices.IndexFunc(rules, func(x service.SoDRuleView) bool { return x.ID == id })
	if i < 0 {
		return service.SoDRuleView{}, errs.NotVisible("sod rule")
	}
	return rules[i], nil
}

func (c *Console) sodRulePage(w http.ResponseWriter, r *http.Request, v *view) error {
	x, err := c.findSoDRule(r, v)
	if err != nil {
		return err
	}
	vals := map[string]string{"name": x.Name, "mode": string(x.Mode), "description": x.Description, "holdings": holdingsText(x.Holdings)}
	return c.showSoDRule(w, v, x, vals, http.StatusOK, nil)
}

func (c *Console) showSoDRule(w http.ResponseWriter, v *view, x service.SoDRuleView, vals map[string]string, status int, fe *fieldErr) error {
	url := "/sod/rules/" + strconv.FormatInt(x.ID, 10)
	p := &sodRuleView{Rule: x, Form: sodForm(v, url, v.T("sod.save"), vals), Delete: url + "/delete"}
	p.Form.place(fe)
	v.Title = x.Name
	c.render(w, v, status, "sod_rule", p)
	return nil
}

func (c *Console) saveSoDRule(w http.ResponseWriter, r *http.Request, v *view) error {
	x, err := c.findSoDRule(r, v)
	if err != nil {
		return err
	}
	vals := postedMap(r, sodFields...)
	if _, err = c.svc.SaveSoDRule(r.Context(), v.act, x.ID, sodInput(vals)); err == nil {
		http.Redirect(w, r, "/sod?done=saved", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	return c.showSoDRule(w, v, x, vals, status, fe)
}

func (c *Console) deleteSoDRule(w http.ResponseWriter, r *http.Request, v *view) error {
	x, err := c.findSoDRule(r, v)
	if err != nil {
		return err
	}
	if err = c.svc.DeleteSoDRule(r.Context(), v.act, x.ID); err == nil {
		http.Redirect(w, r, "/sod?done=deleted", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	vals := map[string]string{"name": x.Name, "mode": string(x.Mode), "description": x.Description, "holdings": holdingsText(x.Holdings)}
	return c.showSoDRule(w, v, x, vals, status, &fieldErr{Message: fe.Message})
}

// setSoDProfile switches the profile; a refusal (someone still holds two
// duties) is shown on the profile's card.
func (c *Console) setSoDProfile(w http.ResponseWriter, r *http.Request, v *view) error {
	on := r.PostForm.Get("separation_of_duties") == "on"
	_, err := c.svc.SetSoDProfile(r.Context(), v.act, service.SoDProfileInput{SeparationOfDuties: &on})
	if err == nil {
		done := "profile_off"
		if on {
			done = "profile_on"
		}
		http.Redirect(w, r, "/sod?done="+done, http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.loadSoD(r, v)
	if lerr != nil {
		return lerr
	}
	p.ProfileError = fe.Message
	c.render(w, v, status, "sod", p)
	return nil
}
