package httpapi

import (
	"net/http"

	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

var previewParam = []Param{{"preview", "boolean", "true: change nothing and answer what the change would do"}}

func lifecycleRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/users/{id}/move", Summary: "Move a user to another department and/or manager (preview first with ?preview=true)",
			Query: previewParam, Body: service.MoveInput{}, Response: service.LifecycleReport{}, handle: (*API).moveUser},
		{Method: "POST", Path: "/users/{id}/offboard", Summary: "Offboard a leaver: deactivate, end sessions and keys, hand customers over (preview first with ?preview=true)",
			Query: previewParam, Body: service.OffboardInput{}, Response: service.LifecycleReport{}, handle: (*API).offboardUser},
		{Method: "GET", Path: "/users/{id}/lifecycle-reports", Summary: "A user's stored move and offboarding reports", Response: service.Page[store.LifecycleReport]{}, handle: (*API).listLifecycleReports},
		{Method: "GET", Path: "/lifecycle-reports/{id}", Summary: "One move or offboarding report; ?format=csv as a file", Response: service.LifecycleReport{}, CSV: true, handle: (*API).getLifecycleReport},
		{Method: "GET", Path: "/lifecycle-settings", Summary: "The tenant's defaults for moves", Response: service.LifecycleSettings{}, handle: (*API).getLifecycleSettings},
		{Method: "PUT", Path: "/lifecycle-settings", Summary: "Change the tenant's defaults for moves", Body: service.LifecycleSettings{}, Response: service.LifecycleSettings{}, handle: (*API).putLifecycleSettings},
	}
}

// previewFlag reads ?preview=true|false, the only parameter it allows.
func previewFlag(r *http.Request) (bool, error) {
	v, err := query(r)
	if err != nil {
		return false, err
	}
	for k := range v {
		if k != "preview" {
			return false, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	switch v.Get("preview") {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, errs.Field("preview", "invalid_parameter", "preview must be true or false")
}

func (a *API) moveUser(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	preview, err := previewFlag(r)
	if err != nil {
		return nil, err
	}
	var in service.MoveInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.MoveUser(r.Context(), act, id, in, preview)
}

func (a *API) offboardUser(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	preview, err := previewFlag(r)
	if err != nil {
		return nil, err
	}
	var in service.OffboardInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.Offboard(r.Context(), act, id, in, preview)
}

func (a *API) listLifecycleReports(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := noParams(r); err != nil {
		return nil, err
	}
	reps, err := a.svc.LifecycleReports(r.Context(), act, id)
	return service.Page[store.LifecycleReport]{Items: reps}, err
}

func (a *API) getLifecycleReport(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	for k := range v {
		if k != "format" {
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	switch v.Get("format") {
	case "", "json":
		return a.svc.LifecycleReportByID(r.Context(), act, id)
	case "csv":
		data, name, err := a.svc.LifecycleReportCSV(r.Context(), act, id)
		return csvFile{name: name, data: data}, err
	}
	return nil, errs.Field("format", "invalid_parameter", "format must be json or csv")
}

func (a *API) getLifecycleSettings(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	return a.svc.LifecycleSettingsOf(r.Context(), act)
}

func (a *API) putLifecycleSettings(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.LifecycleSettings
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SetLifecycleSettings(r.Context(), act, in)
}
