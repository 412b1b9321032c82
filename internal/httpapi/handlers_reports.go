package httpapi

import (
	"bytes"
	"io"
	"net/http"

	"steward/internal/errs"
	"steward/internal/service"
)

func reportRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/reports/compliance", Summary: "The compliance report for a period: users and their access, permission changes, exports and reveals, failed sign-ins and lockouts, reviews, SoD conflicts, the audit trail's verification and the security settings against NIST, ASVS, 等保, PCI, GDPR art. 32 and HIPAA 164.312 (view_audit; ?format=json, csv or pdf)",
			Query: []Param{{"from", "string", "start of the period, inclusive: RFC 3339 or YYYY-MM-DD"}, {"to", "string", "end of the period, exclusive: RFC 3339 or YYYY-MM-DD"},
				{"format", "string", "json (default), csv (one fact a row: section, item, field, value) or pdf"}},
			Response: service.ComplianceReport{}, CSV: true, Files: []string{pdfType}, handle: (*API).complianceReport},
	}
}

func (a *API) complianceReport(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	var q service.ComplianceQuery
	for k := range v {
		switch k {
		case "from", "to":
			t, err := service.ParseReportTime(k, v.Get(k))
			if err != nil {
				return nil, err
			}
			if k == "from" {
				q.From = t
			} else {
				q.To = t
			}
		case "format":
		default:
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	format := v.Get("format")
	if format != "" && format != "json" && format != "csv" && format != "pdf" {
		return nil, errs.Field("format", "invalid_parameter", "format must be json, csv or pdf")
	}
	rep, err := a.svc.Compliance(r.Context(), act, q)
	if err != nil {
		return nil, err
	}
	switch format {
	case "csv":
		data, name, err := a.svc.ComplianceCSV(r.Context(), act, rep)
		return csvFile{name: name, data: data}, err
	case "pdf":
		data, name, err := a.svc.CompliancePDF(rep)
		if err != nil {
			return nil, err
		}
		return fileStream{name: name, contentType: pdfType, write: func(w io.Writer) error {
			_, err := io.Copy(w, bytes.NewReader(data))
			return err
		}}, nil
	}
	return rep, nil
}
