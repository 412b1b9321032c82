package httpapi

import (
	"net/http"

	"steward/internal/service"
	"steward/internal/store"
)

// retentionRoutes are the retention rules and legal holds (docs/retention.md).
func retentionRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/retention-rules", Summary: "Retention rules (manage_security, view_audit)",
			Response: service.Page[store.RetentionRule]{}, handle: (*API).listRetentionRules},
		{Method: "POST", Path: "/retention-rules", Summary: "Add a retention rule: delete follow-ups older than days, or anonymise customers inactive for days (manage_security, step-up)",
			Body: service.RetentionRuleInput{}, Response: store.RetentionRule{}, Status: http.StatusCreated, handle: (*API).createRetentionRule},
		{Method: "PUT", Path: "/retention-rules/{id}", Summary: "Replace a retention rule (manage_security, step-up)",
			Body: service.RetentionRuleInput{}, Response: store.RetentionRule{}, handle: (*API).replaceRetentionRule},
		{Method: "DELETE", Path: "/retention-rules/{id}", Summary: "Remove a retention rule (manage_security, step-up)", Status: http.StatusNoContent, handle: (*API).deleteRetentionRule},
		{Method: "POST", Path: "/retention-rules/{id}/preview", Summary: "What running the rule now would change: how many records, and the first ids",
			Response: service.RetentionResult{}, handle: (*API).previewRetention},
		{Method: "POST", Path: "/retention-rules/{id}/run", Summary: "Run the rule now (it also runs daily while enabled); each batch is audited with the ids it changed (manage_security, step-up)",
			Response: service.RetentionResult{}, handle: (*API).runRetention},
		{Method: "GET", Path: "/legal-holds", Summary: "Customers under a legal hold, which every retention rule leaves alone",
			Response: service.Page[store.LegalHold]{}, handle: (*API).listLegalHolds},
		{Method: "PUT", Path: "/customers/{id}/legal-hold", Summary: "Put a customer under a legal hold, with a reason (manage_security)",
			Body: LegalHoldInput{}, Response: store.LegalHold{}, handle: (*API).placeLegalHold},
		{Method: "DELETE", Path: "/customers/{id}/legal-hold", Summary: "Lift a customer's legal hold (manage_security)", Status: http.StatusNoContent, handle: (*API).liftLegalHold},
	}
}

// LegalHoldInput is the body of PUT /customers/{id}/legal-hold.
type LegalHoldInput struct {
	Reason string `json:"reason"`
}

func (a *API) listRetentionRules(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	rs, err := a.svc.RetentionRules(r.Context(), act)
	return service.Page[store.RetentionRule]{Items: rs}, err
}

func (a *API) createRetentionRule(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.RetentionRuleInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveRetentionRule(r.Context(), act, 0, in)
}

func (a *API) replaceRetentionRule(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.RetentionRuleInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveRetentionRule(r.Context(), act, id, in)
}

func (a *API) deleteRetentionRule(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteRetentionRule(r.Context(), act, id)
}

func (a *API) previewRetention(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.PreviewRetention(r.Context(), act, id)
}

func (a *API) runRetention(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.RunRetention(r.Context(), act, id)
}

func (a *API) listLegalHolds(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	hs, err := a.svc.LegalHolds(r.Context(), act)
	return service.Page[store.LegalHold]{Items: hs}, err
}

func (a *API) placeLegalHold(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in LegalHoldInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.PlaceLegalHold(r.Context(), act, id, in.Reason)
}

func (a *API) liftLegalHold(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.LiftLegalHold(r.Context(), act, id)
}
