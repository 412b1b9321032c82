package console

import (
	"io"
	"net/http"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/policy"
	"steward/internal/service"
)

// Policy as code (docs/policy-as-code.md): the tenant's roles, rules,
// pools and separation-of-duties rules as one YAML document to download;
// a document uploaded is first applied as a dry run (made and rolled back
// by service.ApplyPolicy, so the report is what applying would do: the
// changes per section and who gains and loses what), and the report's
// Apply posts the same document again. Reading and dry runs need
// manage_roles or view_audit; applying needs, per section changed, its
// editor's function and a recent sign-in, which the service checks. A dry
// run that passes has passed those function checks already, so the report
// offers Apply only then and only when something changes.
//
// Apply carries the document in the form, as an ordinary form field, so
// that the step-up flow can redo it; forms are bounded at 1 MiB, like a
// policy document, and a document near that bound is better applied
// through the API or the command line.

func (c *Console) policyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /policy", c.private(c.policyPage))
	mux.Handle("GET /policy/export.yaml", c.private(c.exportPolicy))
	mux.Handle("POST /policy/dry-run", c.upload(c.dryRunPolicy))
	mux.Handle("POST /policy/apply", c.private(c.applyPolicy))
}

// policyView is what the policy template shows.
type policyView struct {
	FileError string
	Error     string
	Report    *policyReportView
	Document  string // the document to apply, after a dry run that changes something
	Applied   bool
}

// policyReportView is a dry run's or an apply's report.
type policyReportView struct {
	DryRun   bool
	Empty    bool
	Sections []planSection
	Users    []policyUserRow
}

// planSection is one section's changes.
type planSection struct {
	Name    string
	Changes []policy.Change
}

// policyUserRow is how one user's access changes.
type policyUserRow struct {
	changeRow
	FunctionsGained, FunctionsLost string
	Cells, Fields                  []string
}

func needPolicy(v *view) error { return needAny(v, access.ManageRoles, access.ViewAudit) }

func (c *Console) policyPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := needPolicy(v); err != nil {
		return err
	}
	return c.showPolicy(w, v, http.StatusOK, &policyView{})
}

func (c *Console) showPolicy(w http.ResponseWriter, v *view, status int, p *policyView) error {
	v.Title = v.T("pol.title")
	c.render(w, v, status, "policy", p)
	return nil
}

// exportPolicy answers the policy as a YAML file.
func (c *Console) exportPolicy(w http.ResponseWriter, r *http.Request, v *view) error {
	d, err := c.svc.ExportPolicy(r.Context(), v.act)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Content-Disposition", `attachment; filename="policy.yaml"`)
	_, _ = w.Write(d.YAML())
	return nil
}

// dryRunPolicy reads the uploaded document and reports what applying it
// would change.
func (c *Console) dryRunPolicy(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := needPolicy(v); err != nil {
		return err
	}
	if v.file == nil {
		return c.policyRefused(w, r, v, errs.Field("file", "field_required", "choose a policy file (YAML or JSON)"), true)
	}
	data, err := io.ReadAll(io.LimitReader(v.file, policy.MaxSize+1))
	if err != nil {
		return c.policyRefused(w, r, v, errs.Field("file", "invalid_form", "the file could not be read"), true)
	}
	return c.runPolicy(w, r, v, data, true)
}

func (c *Console) applyPolicy(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := needPolicy(v); err != nil {
		return err
	}
	return c.runPolicy(w, r, v, []byte(r.PostForm.Get("document")), false)
}

// runPolicy parses and applies (or dry-runs) a document and shows the report.
func (c *Console) runPolicy(w http.ResponseWriter, r *http.Request, v *view, data []byte, dry bool) error {
	doc, err := policy.Parse(data)
	var rep service.PolicyReport
	if err == nil {
		rep, err = c.svc.ApplyPolicy(r.Context(), v.act, doc, dry)
	}
	if err != nil {
		return c.policyRefused(w, r, v, err, dry)
	}
	p := &policyView{Report: c.policyReport(v, rep), Applied: !dry}
	if dry && !rep.Plan.Empty() {
		p.Document = string(data)
	}
	return c.showPolicy(w, v, http.StatusOK, p)
}

// policyRefused shows what the service or the parser refused: by the file
// input for a dry run, above the page for an apply.
func (c *Console) policyRefused(w http.ResponseWriter, r *http.Request, v *view, err error, dry bool) error {
	status, fe, ok := c.formError(r, v, err)
	if !ok && errs.KindOf(err) == errs.TooLarge {
		status, fe, ok = http.StatusRequestEntityTooLarge, &fieldErr{Message: v.lang.errText(errs.As(err))}, true
	}
	if !ok {
		return err
	}
	msg := fe.Message
	if fe.Field != "" && fe.Field != "file" {
		msg = fe.Field + ": " + msg
	}
	p := &policyView{}
	if dry {
		p.FileError = msg
	} else {
		p.Error = msg
	}
	return c.showPolicy(w, v, status, p)
}

func (c *Console) policyReport(v *view, rep service.PolicyReport) *policyReportView {
	out := &policyReportView{DryRun: rep.DryRun, Empty: rep.Plan.Empty()}
	for _, s := range []struct {
		name    string
		changes []policy.Change
	}{{"roles", rep.Plan.Roles}, {"sharing_rules", rep.Plan.SharingRules}, {"restriction_rules", rep.Plan.RestrictionRules},
		{"pools", rep.Plan.Pools}, {"sod_rules", rep.Plan.SoDRules}} {
		if len(s.changes) > 0 {
			out.Sections = append(out.Sections, planSection{Name: v.T("pol.section." + s.name), Changes: s.changes})
		}
	}
	for _, u := range rep.Users {
		row := policyUserRow{changeRow: changeRow{UserID: u.UserID, Name: u.Name, Gained: countCells(v, u.Gained), Lost: countCells(v, u.Lost),
			GainedSample: samples(u.GainedSample), LostSample: samples(u.LostSample)}}
		if v.CanAdmin() {
			row.URL = userURL(u.UserID)
		}
		for _, rel := range u.Relations {
			kind, name, _ := strings.Cut(rel, ":")
			row.Relations = append(row.Relations, v.T("pol.rel."+kind)+" "+name)
		}
		row.FunctionsGained, row.FunctionsLost = functionList(u.FunctionsGained), functionList(u.FunctionsLost)
		row.Cells = grantChangeRowOf(v, service.GrantChange{Cells: u.Cells}).Cells
		row.Fields = grantChangeRowOf(v, service.GrantChange{Fields: u.Fields}).Fields
		out.Users = append(out.Users, row)
	}
	return out
}

func functionList(fs []access.Function) string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f))
	}
	return strings.Join(out, ", ")
}
