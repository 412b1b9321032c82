package httpapi_test

import (
	"net/http"
)

// requestExchanges covers the caller's grants and access requests: a role
// request approved, a customer request refused and one cancelled, and the
// refusals of bad input, of a decision on one's own request and of a
// decided request.
func requestExchanges(c *liveClient, ids liveIDs) {
	c.call("POST", "/users", obj{"email": "asker@acme.example", "name": "Asker", "password": "asker-long-password-4",
		"department_id": ids.dept, "roles": []string{"sales_rep"}}, http.StatusCreated)
	cust := num(c.call("POST", "/customers", obj{"name": "Requested Co"}, http.StatusCreated)["id"])
	c.login("asker@acme.example", "asker-long-password-4")
	c.call("GET", "/me/grants?expiring_within=7d&limit=10", nil, http.StatusOK)
	c.wantCode(c.call("GET", "/me/grants?expiring_within=soon", nil, http.StatusBadRequest), "invalid_duration")
	role := num(c.call("POST", "/access-requests", obj{"kind": "role", "role": "auditor", "reason": "year-end audit", "duration": "72h"},
		http.StatusCreated)["id"])
	refused := num(c.call("POST", "/access-requests", obj{"kind": "customer", "customer_id": cust, "level": "read",
		"reason": "covering for a colleague", "duration": "7d"}, http.StatusCreated)["id"])
	c.wantCode(c.call("POST", "/access-requests", obj{"kind": "customer", "customer_id": cust, "level": "edit",
		"reason": "again", "duration": "7d"}, http.StatusConflict), "request_pending")
	c.wantCode(c.call("POST", "/access-requests", obj{"kind": "role", "role": "auditor", "reason": "x", "duration": "100d"},
		http.StatusBadRequest), "invalid_duration")
	c.wantCode(c.call("POST", path("/access-requests/%d/approve", role), obj{}, http.StatusForbidden), "own_request")
	c.call("GET", "/access-requests?mine=true&status=pending", nil, http.StatusOK)
	c.call("GET", path("/access-requests/%d", role), nil, http.StatusOK)
	spare := num(c.call("POST", "/access-requests", obj{"kind": "customer", "customer_id": 999999, "level": "read",
		"reason": "a lead from the fair", "duration": "24h"}, http.StatusCreated)["id"])
	c.call("POST", path("/access-requests/%d/cancel", spare), nil, http.StatusOK)

	c.login("admin@acme.example", "a-long-enough-password-1")
	c.call("GET", "/access-requests?to_decide=true", nil, http.StatusOK)
	c.call("POST", path("/access-requests/%d/approve", role), obj{"comment": "for the audit"}, http.StatusOK)
	c.call("POST", path("/access-requests/%d/refuse", refused), obj{"comment": "ask the owner"}, http.StatusOK)
	c.wantCode(c.call("POST", path("/access-requests/%d/refuse", role), obj{"comment": "too late"}, http.StatusConflict), "request_not_pending")
	c.wantCode(c.call("GET", "/access-requests?mine=true&to_decide=true", nil, http.StatusBadRequest), "invalid_parameter")
}
