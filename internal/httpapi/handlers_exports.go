package httpapi

import (
	"io"
	"net/http"
	"strconv"

	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// fileStream is a handler result sent as a file, written as it is read.
type fileStream struct {
	name, contentType string
	write             func(io.Writer) error
}

// DecisionRequest is the body of an approval or refusal.
type DecisionRequest struct {
	Reason string `json:"reason"`
}

func exportRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/exports", Summary: "Export the customers you may export, with the fields you may see (masked ones masked)",
			Body: service.ExportRequest{}, Response: store.Export{}, Status: http.StatusCreated, handle: (*API).createExport},
		{Method: "GET", Path: "/exports", Summary: "Your exports; ?all=true for everyone's (approve_exports)",
			Query:    []Param{{"all", "boolean", "everyone's exports (approve_exports)"}, {"status", "string", "only exports in this state"}},
			Response: service.Page[store.Export]{}, handle: (*API).listExports},
		{Method: "GET", Path: "/exports/volumes", Summary: "Everyone's exports per UTC day over the last days, by state, with the rows written (approve_exports)",
			Query: []Param{{"days", "integer", "the span: the last N days, today included, 1-366 (default 30)"}}, Response: service.ExportVolumes{}, handle: (*API).exportVolumes},
		{Method: "GET", Path: "/exports/{id}", Summary: "One export and its progress", Response: store.Export{}, handle: (*API).getExport},
		{Method: "POST", Path: "/exports/{id}/approve", Summary: "Approve an export waiting for approval (approve_exports; not your own)",
			Body: DecisionRequest{}, Response: store.Export{}, handle: (*API).approveExport},
		{Method: "POST", Path: "/exports/{id}/refuse", Summary: "Refuse an export waiting for approval, with a reason",
			Body: DecisionRequest{}, Response: store.Export{}, handle: (*API).refuseExport},
		{Method: "GET", Path: "/exports/{id}/download", Summary: "Download a finished export (its requester only; counted, audited, expires)",
			Files: []string{csvType + "; charset=utf-8", xlsxType}, handle: (*API).downloadExport},
		{Method: "GET", Path: "/export-settings", Summary: "Export controls: approval threshold, link lifetime, downloads, row limits per role",
			Response: store.ExportSettings{}, handle: (*API).exportSettings},
		{Method: "PUT", Path: "/export-settings", Summary: "Replace the export controls (manage_security)", Body: store.ExportSettings{},
			Response: store.ExportSettings{}, handle: (*API).saveExportSettings},
	}
}

func (a *API) createExport(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.ExportRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.RequestExport(r.Context(), act, in)
}

func (a *API) listExports(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	all := false
	for k := range v {
		switch k {
		case "all":
			if all, err = strconv.ParseBool(v.Get(k)); err != nil {
				return nil, errs.Field("all", "invalid_parameter", "all must be true or false")
			}
		case "status":
		default:
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	es, err := a.svc.Exports(r.Context(), act, all, v.Get("status"))
	return service.Page[store.Export]{Items: es}, err
}

func (a *API) exportVolumes(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	for k, vals := range v {
		if k != "days" {
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
		if len(vals) != 1 {
			return nil, errs.Field(k, "invalid_parameter", "%s may be given once", k)
		}
	}
	days, err := service.ParseVolumeDays(v.Get("days"))
	if err != nil {
		return nil, err
	}
	return a.svc.ExportVolumes(r.Context(), act, days)
}

func (a *API) getExport(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.Export(r.Context(), act, id)
}

func (a *API) approveExport(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.decideExport(r, act, true)
}

func (a *API) refuseExport(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.decideExport(r, act, false)
}

func (a *API) decideExport(r *http.Request, act *service.Actor, approve bool) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in DecisionRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.DecideExport(r.Context(), act, id, approve, in.Reason)
}

func (a *API) downloadExport(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	e, write, err := a.svc.DownloadExport(r.Context(), act, id)
	if err != nil {
		return nil, err
	}
	ct := csvType + "; charset=utf-8"
	if e.Format == "xlsx" {
		ct = xlsxType
	}
	return fileStream{name: "customers-exp_" + strconv.FormatInt(e.ID, 10) + "." + e.Format, contentType: ct, write: write}, nil
}

func (a *API) exportSettings(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.svc.ExportSettings(r.Context(), act)
}

func (a *API) saveExportSettings(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in store.ExportSettings
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveExportSettings(r.Context(), act, in)
}
