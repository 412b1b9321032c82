package httpapi_test

import "net/http"

// sodExchanges covers separation of duties: the profile refused while the
// administrator holds every duty, a rule that refuses and then asks for a
// justification of a role grant, the conflicts report, and cleaning up.
func sodExchanges(c *liveClient, ids liveIDs) {
	c.call("GET", "/sod-profile", nil, http.StatusOK)
	c.wantCode(c.call("PUT", "/sod-profile", obj{"separation_of_duties": true}, http.StatusConflict), "sod_profile_blocked")
	c.call("PUT", "/sod-profile", obj{"separation_of_duties": false}, http.StatusOK)
	c.wantCode(c.call("POST", "/sod-rules", obj{"name": "x", "holdings": []string{"customer.export"}, "mode": "refuse"},
		http.StatusBadRequest), "invalid_value")
	rule := num(c.call("POST", "/sod-rules", obj{"name": "four eyes", "holdings": []string{"customer.export", "function:approve_exports"},
		"mode": "refuse", "description": "exporters do not approve exports"}, http.StatusCreated)["id"])
	c.call("GET", "/sod-rules", nil, http.StatusOK)
	c.call("GET", "/sod-rules/conflicts", nil, http.StatusOK)
	grant := obj{"role": "sales_director", "reason": "covering the director"}
	c.wantCode(c.call("POST", path("/users/%d/roles", ids.user), grant, http.StatusConflict), "sod_conflict")
	c.call("PUT", path("/sod-rules/%d", rule), obj{"name": "four eyes", "holdings": []string{"customer.export", "function:approve_exports"},
		"mode": "justify"}, http.StatusOK)
	c.wantCode(c.call("POST", path("/users/%d/roles", ids.user), grant, http.StatusConflict), "sod_justification_required")
	grant["justification"] = "covering the director's leave in May"
	c.call("POST", path("/users/%d/roles", ids.user), grant, http.StatusCreated)
	c.call("DELETE", path("/users/%d/roles/sales_director", ids.user), nil, http.StatusNoContent)
	c.call("DELETE", path("/sod-rules/%d", rule), nil, http.StatusNoContent)
}
