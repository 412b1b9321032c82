package httpapi

import (
	"net/http"
	"strconv"

	"steward/internal/errs"
	"steward/internal/service"
)

// AccessDecision is the body of approving or refusing an access request.
type AccessDecision struct {
	Comment string `json:"comment,omitempty" doc:"why; required to refuse"`
}

func requestRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/me/grants", Summary: "Your unexpired role assignments, record-team memberships and shares, soonest expiry first",
			Query: []Param{{"expiring_within", "string", "only grants ending within this span: whole hours or days, 1h to 366d (e.g. 7d)"},
				{"limit", "integer", "at most this many of each kind, 1-500 (default 100)"}},
			Response: service.MyGrants{}, handle: (*API).myGrants},
		{Method: "POST", Path: "/access-requests", Summary: "Ask for a role, or for access to a customer, for a time and with a reason",
			Body: service.AccessRequestInput{}, Response: service.AccessRequest{}, Status: http.StatusCreated, handle: (*API).createAccessRequest},
		{Method: "GET", Path: "/access-requests", Summary: "Your access requests (mine, the default) or those waiting for your decision (to_decide)",
			Query: []Param{{"mine", "boolean", "your own requests, newest first"}, {"to_decide", "boolean", "pending requests you may decide, oldest first"},
				{"status", "string", "pending, approved, refused, cancelled or expired"}},
			Response: service.Page[service.AccessRequest]{}, handle: (*API).listAccessRequests},
		{Method: "GET", Path: "/access-requests/{id}", Summary: "One access request (its requester, or someone who may decide it)",
			Response: service.AccessRequest{}, handle: (*API).getAccessRequest},
		{Method: "POST", Path: "/access-requests/{id}/approve", Summary: "Approve a request: the grant is made with the request's expiry (never your own)",
			Body: AccessDecision{}, Response: service.AccessRequest{}, handle: (*API).approveAccessRequest},
		{Method: "POST", Path: "/access-requests/{id}/refuse", Summary: "Refuse a request, with a comment (never your own)",
			Body: AccessDecision{}, Response: service.AccessRequest{}, handle: (*API).refuseAccessRequest},
		{Method: "POST", Path: "/access-requests/{id}/cancel", Summary: "Withdraw your own pending request",
			Response: service.AccessRequest{}, handle: (*API).cancelAccessRequest},
	}
}

func (a *API) myGrants(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	var q service.MyGrantsQuery
	for k, vals := range v {
		if len(vals) != 1 {
			return nil, errs.Field(k, "invalid_parameter", "%s may be given once", k)
		}
		switch k {
		case "expiring_within":
			if q.ExpiringWithin, err = service.ParseExpiringWithin(vals[0]); err != nil {
				return nil, err
			}
		case "limit":
			if q.Limit, err = strconv.Atoi(vals[0]); err != nil || q.Limit == 0 {
				return nil, errs.Field("limit", "invalid_parameter", "limit must be a number from 1 to 500")
			}
		default:
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	return a.svc.MyGrants(r.Context(), act, q)
}

func (a *API) createAccessRequest(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.AccessRequestInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.RequestAccess(r.Context(), act, in)
}

func (a *API) listAccessRequests(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	var q service.AccessRequestList
	for k, vals := range v {
		if len(vals) != 1 {
			return nil, errs.Field(k, "invalid_parameter", "%s may be given once", k)
		}
		switch k {
		case "mine", "to_decide":
			b, err := strconv.ParseBool(vals[0])
			if err != nil {
				return nil, errs.Field(k, "invalid_parameter", "%s must be true or false", k)
			}
			if k == "mine" {
				q.Mine = b
			} else {
				q.ToDecide = b
			}
		case "status":
			q.Status = vals[0]
		default:
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	rs, err := a.svc.AccessRequests(r.Context(), act, q)
	return service.Page[service.AccessRequest]{Items: rs}, err
}

func (a *API) getAccessRequest(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.AccessRequestByID(r.Context(), act, id)
}

func (a *API) approveAccessRequest(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.decideAccessRequest(r, act, true)
}

func (a *API) refuseAccessRequest(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.decideAccessRequest(r, act, false)
}

func (a *API) decideAccessRequest(r *http.Request, act *service.Actor, approve bool) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in AccessDecision
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.DecideAccessRequest(r.Context(), act, id, approve, in.Comment)
}

func (a *API) cancelAccessRequest(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.CancelAccessRequest(r.Context(), act, id)
}
