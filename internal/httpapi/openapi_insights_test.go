package httpapi_test

import "net/http"

// insightExchanges covers the least-privilege reports and a proposal
// previewed and applied.
func insightExchanges(c *liveClient, ids liveIDs) {
	c.call("GET", "/insights/unused-permissions?days=90&limit=5", nil, http.StatusOK)
	c.call("GET", path("/insights/unused-permissions?user_id=%d", ids.user), nil, http.StatusOK)
	c.wantCode(c.call("GET", "/insights/unused-permissions?days=0", nil, http.StatusBadRequest), "invalid_parameter")
	c.call("GET", "/insights/dormant-accounts?days=30", nil, http.StatusOK)
	c.call("GET", "/insights/stale-grants?days=1&kind=role", nil, http.StatusOK)
	c.call("GET", "/insights/roles", nil, http.StatusOK)
	c.call("POST", path("/users/%d/roles", ids.user), obj{"role": "marketing", "reason": "campaign"}, http.StatusCreated)
	remove := obj{"kind": "remove_role", "user_id": ids.user, "role": "marketing"}
	c.call("POST", "/insights/proposals/apply?preview=true", remove, http.StatusOK)
	c.call("POST", "/insights/proposals/apply", remove, http.StatusOK)
	c.wantCode(c.call("POST", "/insights/proposals/apply", obj{"kind": "narrow_role", "role": "marketing"}, http.StatusBadRequest), "nothing_to_change")
}
