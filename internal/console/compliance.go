package console

import (
	"encoding/json"
	"net/http"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
)

// The compliance report for the audit administrator (docs/compliance-
// reports.md): a period and a format, and the file the service makes, as
// GET /reports/compliance gives it.

func (c *Console) complianceRoutes(mux *http.ServeMux) {
	mux.Handle("GET /compliance", c.private(c.compliancePage))
	mux.Handle("GET /compliance/report", c.private(c.complianceReport))
}

// CanCompliance reports whether the user may make the compliance report.
func (v *view) CanCompliance() bool { return v.can(access.ViewAudit) }

// complianceView is the report form, with the values typed and any error.
type complianceView struct {
	From, To, Format string
	Field, Error     string
}

func (c *Console) compliancePage(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ViewAudit); err != nil {
		return err
	}
	now := time.Now().UTC()
	return c.showCompliance(w, v, http.StatusOK, &complianceView{From: now.AddDate(0, -3, 0).Format(time.DateOnly),
		To: now.AddDate(0, 0, 1).Format(time.DateOnly), Format: "pdf"})
}

func (c *Console) showCompliance(w http.ResponseWriter, v *view, status int, p *complianceView) error {
	v.Title = v.T("cr.title")
	c.render(w, v, status, "compliance", p)
	return nil
}

// complianceReport answers the report as a file, or the form with the
// error by its field.
func (c *Console) complianceReport(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ViewAudit); err != nil {
		return err
	}
	q := r.URL.Query()
	p := &complianceView{From: q.Get("from"), To: q.Get("to"), Format: q.Get("format")}
	var in service.ComplianceQuery
	var err error
	if in.From, err = service.ParseReportTime("from", p.From); err == nil {
		in.To, err = service.ParseReportTime("to", p.To)
	}
	if err == nil && p.Format != "pdf" && p.Format != "csv" && p.Format != "json" {
		err = errs.Field("format", "invalid_value", "format must be pdf, csv or json")
	}
	var rep service.ComplianceReport
	if err == nil {
		rep, err = c.svc.Compliance(r.Context(), v.act, in)
	}
	if err != nil {
		status, fe, ok := c.formError(r, v, err)
		if !ok {
			return err
		}
		p.Field, p.Error = fe.Field, fe.Message
		return c.showCompliance(w, v, status, p)
	}
	var data []byte
	var name, ctype string
	switch p.Format {
	case "csv":
		data, name, err = c.svc.ComplianceCSV(r.Context(), v.act, rep)
		ctype = "text/csv; charset=utf-8"
	case "json":
		data, err = json.MarshalIndent(rep, "", "  ")
		name, ctype = "compliance-"+rep.Tenant.Slug+".json", "application/json"
	default:
		data, name, err = c.svc.CompliancePDF(rep)
		ctype = "application/pdf"
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(data)
	return nil
}
