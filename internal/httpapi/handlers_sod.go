package httpapi

import (
	"net/http"

	"steward/internal/service"
)

// sodRoutes are separation of duties (docs/separation-of-duties.md): the
// rules, who breaks them now, and the 三员分立 profile.
func sodRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/sod-rules", Summary: "Separation-of-duties rules, each with how many users break it now",
			Response: service.Page[service.SoDRuleView]{}, handle: (*API).listSoDRules},
		{Method: "POST", Path: "/sod-rules", Summary: "Add a separation-of-duties rule (users who already break it are reported, not changed)",
			Body: service.SoDRuleInput{}, Response: service.SoDRuleView{}, Status: http.StatusCreated, handle: (*API).createSoDRule},
		{Method: "PUT", Path: "/sod-rules/{id}", Summary: "Replace a separation-of-duties rule",
			Body: service.SoDRuleInput{}, Response: service.SoDRuleView{}, handle: (*API).replaceSoDRule},
		{Method: "DELETE", Path: "/sod-rules/{id}", Summary: "Remove a separation-of-duties rule", Status: http.StatusNoContent, handle: (*API).deleteSoDRule},
		{Method: "GET", Path: "/sod-rules/conflicts", Summary: "Every user who breaks a rule now, with the roles giving each holding and any justification",
			Response: service.Page[service.SoDViolation]{}, handle: (*API).listSoDConflicts},
		{Method: "GET", Path: "/sod-profile", Summary: "The 三员分立 profile: on or off, its duties and rules, and who blocks switching it on",
			Response: service.SoDProfile{}, handle: (*API).getSoDProfile},
		{Method: "PUT", Path: "/sod-profile", Summary: "Switch the 三员分立 profile on or off (refused while anyone holds two duties)",
			Body: service.SoDProfileInput{}, Response: service.SoDProfile{}, handle: (*API).putSoDProfile},
	}
}

func (a *API) listSoDRules(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	rs, err := a.svc.SoDRules(r.Context(), act)
	return service.Page[service.SoDRuleView]{Items: rs}, err
}

func (a *API) createSoDRule(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.SoDRuleInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveSoDRule(r.Context(), act, 0, in)
}

func (a *API) replaceSoDRule(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.SoDRuleInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveSoDRule(r.Context(), act, id, in)
}

func (a *API) deleteSoDRule(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteSoDRule(r.Context(), act, id)
}

func (a *API) listSoDConflicts(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	vs, err := a.svc.SoDConflicts(r.Context(), act)
	return service.Page[service.SoDViolation]{Items: vs}, err
}

func (a *API) getSoDProfile(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	return a.svc.SoDProfileOf(r.Context(), act)
}

func (a *API) putSoDProfile(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.SoDProfileInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SetSoDProfile(r.Context(), act, in)
}
