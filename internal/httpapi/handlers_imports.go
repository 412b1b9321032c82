package httpapi

import (
	"net/http"
	"time"

	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

func importRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/imports", Summary: "Import customers (with a contact each) from a CSV or XLSX file sent as the body",
			Query:  []Param{{"format", "string", "csv or xlsx"}, {"mode", "string", "dry_run (check only), all (every row or none) or per_row (the good rows)"}},
			Upload: []string{csvType, xlsxType}, Response: store.Import{}, Status: http.StatusCreated, handle: (*API).createImport},
		{Method: "GET", Path: "/imports", Summary: "Your import runs", Response: service.Page[store.Import]{}, handle: (*API).listImports},
		{Method: "GET", Path: "/imports/{id}", Summary: "One import run: progress, then its report (per-row errors, duplicates)", Response: store.Import{}, handle: (*API).getImport},
	}
}

func (a *API) createImport(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	for k := range v {
		if k != "format" && k != "mode" {
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	// The reader stops at its own size limit (50 MiB) and says so; this
	// bound only keeps a connection from streaming forever.
	body := http.MaxBytesReader(w, r.Body, 64<<20)
	// The server gives a request a minute to arrive; a file of 50 MiB over
	// a slow line needs longer, and its size is bounded above.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(10 * time.Minute))
	return a.svc.Import(r.Context(), act, v.Get("format"), v.Get("mode"), body)
}

func (a *API) listImports(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	ims, err := a.svc.Imports(r.Context(), act)
	return service.Page[store.Import]{Items: ims}, err
}

func (a *API) getImport(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.ImportRun(r.Context(), act, id)
}
