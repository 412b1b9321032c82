package httpapi

import (
	"net/http"

	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// privacyRoutes are data subjects' requests (docs/privacy-requests.md).
func privacyRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/privacy-subjects", Summary: "Who an e-mail or phone belongs to: the customers and contacts holding it (handle_privacy; the lookup is audited by its count)",
			Query:    []Param{{"email", "string", "an e-mail, compared without case"}, {"phone", "string", "a phone number, spaces and dashes ignored"}},
			Response: service.Page[store.PrivacySubject]{}, handle: (*API).privacySubjects},
		{Method: "GET", Path: "/privacy-requests", Summary: "The register of privacy requests: open ones by due date, then the rest (handle_privacy)",
			Query: []Param{{"status", "string", "open, done or refused"}}, Response: service.Page[store.PrivacyRequest]{}, handle: (*API).listPrivacyRequests},
		{Method: "POST", Path: "/privacy-requests", Summary: "Register a data subject's request: access, rectify, erase, restrict or object (handle_privacy)",
			Body: service.PrivacyRequestInput{}, Response: store.PrivacyRequest{}, Status: http.StatusCreated, handle: (*API).createPrivacyRequest},
		{Method: "GET", Path: "/privacy-requests/{id}", Summary: "One privacy request", Response: store.PrivacyRequest{}, handle: (*API).getPrivacyRequest},
		{Method: "POST", Path: "/privacy-requests/{id}/close", Summary: "Close a request as done or refused, with the outcome",
			Body: service.PrivacyClose{}, Response: store.PrivacyRequest{}, handle: (*API).closePrivacyRequest},
		{Method: "GET", Path: "/privacy-requests/{id}/export", Summary: "An access request's answer: everything held about the subject, and who did what with it (audited)",
			Response: service.SubjectExport{}, handle: (*API).exportPrivacySubject},
		{Method: "POST", Path: "/privacy-requests/{id}/erase", Summary: "Carry out an erasure: the subject's personal values emptied, business records kept (refused under a legal hold)",
			Response: store.PrivacyRequest{}, handle: (*API).erasePrivacySubject},
		{Method: "POST", Path: "/privacy-requests/{id}/restrict", Summary: "Carry out a restriction: the subject's customer frozen from edits and left out of exports",
			Response: store.PrivacyRequest{}, handle: (*API).restrictPrivacySubject},
		{Method: "POST", Path: "/privacy-requests/{id}/object", Summary: "Carry out an objection to marketing: the subject contact, or every contact of the subject customer, recorded as objecting",
			Response: store.PrivacyRequest{}, handle: (*API).objectPrivacySubject},
		{Method: "GET", Path: "/contacts/{id}/consents", Summary: "A contact's consent records, newest first (the newest per purpose is its standing)",
			Response: service.Page[store.Consent]{}, handle: (*API).listConsents},
		{Method: "POST", Path: "/contacts/{id}/consents", Summary: "Record a contact's consent, withdrawal or objection for a purpose, with its basis and source",
			Body: service.ConsentInput{}, Response: store.Consent{}, Status: http.StatusCreated, handle: (*API).recordConsent},
		{Method: "DELETE", Path: "/customers/{id}/restriction", Summary: "Lift a processing restriction (handle_privacy)", Status: http.StatusNoContent, handle: (*API).liftRestriction},
	}
}

func (a *API) privacySubjects(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	for k := range v {
		if k != "email" && k != "phone" {
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	out, err := a.svc.PrivacySubjects(r.Context(), act, v.Get("email"), v.Get("phone"))
	return service.Page[store.PrivacySubject]{Items: out}, err
}

func (a *API) listPrivacyRequests(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	for k := range v {
		if k != "status" {
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	out, err := a.svc.PrivacyRequests(r.Context(), act, v.Get("status"))
	return service.Page[store.PrivacyRequest]{Items: out}, err
}

func (a *API) createPrivacyRequest(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.PrivacyRequestInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreatePrivacyRequest(r.Context(), act, in)
}

func (a *API) getPrivacyRequest(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.PrivacyRequest(r.Context(), act, id)
}

func (a *API) closePrivacyRequest(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.PrivacyClose
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.ClosePrivacyRequest(r.Context(), act, id, in)
}

func (a *API) exportPrivacySubject(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := noParams(r); err != nil {
		return nil, err
	}
	return a.svc.ExportSubject(r.Context(), act, id)
}

func (a *API) erasePrivacySubject(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.EraseSubject(r.Context(), act, id)
}

func (a *API) restrictPrivacySubject(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.RestrictSubject(r.Context(), act, id)
}

func (a *API) liftRestriction(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.LiftRestriction(r.Context(), act, id)
}

func (a *API) objectPrivacySubject(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.ObjectSubject(r.Context(), act, id)
}

func (a *API) listConsents(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := noParams(r); err != nil {
		return nil, err
	}
	cs, err := a.svc.Consents(r.Context(), act, id)
	return service.Page[store.Consent]{Items: cs}, err
}

func (a *API) recordConsent(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.ConsentInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.RecordConsent(r.Context(), act, id, in)
}
