package httpapi_test

import "net/http"

// retentionExchanges covers retention rules (made, replaced, previewed,
// run, removed; a bad body refused) and a legal hold placed and lifted.
func retentionExchanges(c *liveClient) {
	cust := num(c.call("POST", "/customers", obj{"name": "Held Ltd"}, http.StatusCreated)["id"])
	c.call("PUT", path("/customers/%d/legal-hold", cust), obj{"reason": "litigation 2026-17"}, http.StatusOK)
	c.call("GET", "/legal-holds", nil, http.StatusOK)
	id := num(c.call("POST", "/retention-rules", obj{"name": "old follow-ups", "object": "activity", "days": 1825}, http.StatusCreated)["id"])
	c.wantCode(c.call("POST", "/retention-rules", obj{"name": "too soon", "object": "activity", "days": 7}, http.StatusBadRequest), "invalid_value")
	c.call("GET", "/retention-rules", nil, http.StatusOK)
	c.call("PUT", path("/retention-rules/%d", id), obj{"name": "idle customers", "object": "customer", "days": 1095, "enabled": false}, http.StatusOK)
	c.call("POST", path("/retention-rules/%d/preview", id), nil, http.StatusOK)
	c.call("POST", path("/retention-rules/%d/run", id), nil, http.StatusOK)
	c.call("DELETE", path("/retention-rules/%d", id), nil, http.StatusNoContent)
	c.call("DELETE", path("/customers/%d/legal-hold", cust), nil, http.StatusNoContent)
	c.wantCode(c.call("DELETE", path("/customers/%d/legal-hold", cust), nil, http.StatusNotFound), "not_found")
}
