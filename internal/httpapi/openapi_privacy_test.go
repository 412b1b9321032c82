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
	contact := num(c.call("POST", path("/customers/%d/contacts", cust), obj{"name": "Li Wei", "email": "li.wei@subject.example"}, http.StatusCreated)["id"])
	c.call("POST", path("/contacts/%d/consents", contact), obj{"purpose": "marketing", "basis": "consent", "status": "given", "source": "web form"}, http.StatusCreated)
	c.wantCode(c.call("POST", path("/contacts/%d/consents", contact), obj{"purpose": "spam", "basis": "consent", "status": "given"}, http.StatusBadRequest), "invalid_value")
	c.call("GET", path("/contacts/%d/consents", contact), nil, http.StatusOK)
	object := num(c.call("POST", "/privacy-requests", obj{"kind": "object", "subject_type": "contact", "subject_id": contact}, http.StatusCreated)["id"])
	c.call("POST", path("/privacy-requests/%d/object", object), nil, http.StatusOK)
	erase := num(c.call("POST", "/privacy-requests", obj{"kind": "erase", "subject_type": "customer", "subject_id": cust}, http.StatusCreated)["id"])
	c.call("POST", path("/privacy-requests/%d/erase", erase), nil, http.StatusOK)
}
