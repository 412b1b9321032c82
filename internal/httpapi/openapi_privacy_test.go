package httpapi_test

import "net/http"

// privacyExchanges covers the privacy register: a subject found by e-mail,
// an access request answered with its export and closed, an erasure, a
// restriction and its lifting, and the refusals of a closed request and
// of a bad body.
func privacyExchanges(c *liveClient) {
	cust := num(c.call("POST", "/customers", obj{"name": "Subject Ltd", "email": "li.wei@subject.example", "phone": "+86 138 0000 1111"}, http.StatusCreated)["id"])
	c.call("GET", "/privacy-subjects?email=LI.WEI@subject.example", nil, http.StatusOK)
	c.wantCode(c.call("GET", "/privacy-subjects", nil, http.StatusBadRequest), "field_required")
	access := num(c.call("POST", "/privacy-requests", obj{"kind": "access", "subject_type": "customer", "subject_id": cust, "note": "verified by reply e-mail"},
		http.StatusCreated)["id"])
	c.wantCode(c.call("POST", "/privacy-requests", obj{"kind": "forget", "subject_type": "customer", "subject_id": cust}, http.StatusBadRequest), "invalid_value")
	c.call("GET", "/privacy-requests?status=open", nil, http.StatusOK)
	c.call("GET", path("/privacy-requests/%d", access), nil, http.StatusOK)
	c.call("GET", path("/privacy-requests/%d/export", access), nil, http.StatusOK)
	c.call("POST", path("/privacy-requests/%d/close", access), obj{"status": "done", "outcome": "export sent by post"}, http.StatusOK)
	c.wantCode(c.call("POST", path("/privacy-requests/%d/close", access), obj{"status": "done", "outcome": "again"}, http.StatusConflict), "request_closed")
	restrict := num(c.call("POST", "/privacy-requests", obj{"kind": "restrict", "subject_type": "customer", "subject_id": cust}, http.StatusCreated)["id"])
	c.call("POST", path("/privacy-requests/%d/restrict", restrict), nil, http.StatusOK)
	c.call("DELETE", path("/customers/%d/restriction", cust), nil, http.StatusNoContent)
	erase := num(c.call("POST", "/privacy-requests", obj{"kind": "erase", "subject_type": "customer", "subject_id": cust}, http.StatusCreated)["id"])
	c.call("POST", path("/privacy-requests/%d/erase", erase), nil, http.StatusOK)
}
