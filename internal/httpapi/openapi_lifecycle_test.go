package httpapi_test

import "net/http"

// lifecycleExchanges covers the move settings, a move previewed and
// applied, an offboarding previewed and applied, and the stored reports.
func lifecycleExchanges(c *liveClient, ids liveIDs) {
	c.call("GET", "/lifecycle-settings", nil, http.StatusOK)
	c.call("PUT", "/lifecycle-settings", obj{"move_records": "follow"}, http.StatusOK)
	mover := num(c.call("POST", "/users", obj{"email": "mover@acme.example", "name": "Mover", "password": "mover-long-password-4",
		"department_id": ids.dept, "roles": []string{"sales_rep"}}, http.StatusCreated)["id"])
	heir := num(c.call("POST", "/users", obj{"email": "heir@acme.example", "name": "Heir", "password": "heir-long-password-5",
		"department_id": ids.root, "roles": []string{"sales_rep"}}, http.StatusCreated)["id"])
	move := obj{"department_id": ids.root, "manager_id": heir}
	c.call("POST", path("/users/%d/move?preview=true", mover), move, http.StatusOK)
	c.call("POST", path("/users/%d/move", mover), move, http.StatusOK)
	c.call("POST", path("/users/%d/move", mover), obj{"records": "sideways", "manager_id": 0}, http.StatusBadRequest)
	off := obj{"successor_id": heir, "reason": "left the company"}
	c.call("POST", path("/users/%d/offboard?preview=true", mover), off, http.StatusOK)
	rep := num(c.call("POST", path("/users/%d/offboard", mover), off, http.StatusOK)["id"])
	c.call("GET", path("/users/%d/lifecycle-reports", mover), nil, http.StatusOK)
	c.call("GET", path("/lifecycle-reports/%d", rep), nil, http.StatusOK)
}
