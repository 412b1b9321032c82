package httpapi_test

import (
	"net/http"
	"time"
)

// reviewExchanges covers an access review campaign: created, started,
// listed, its items decided (and a decision refused), closed by hand, and
// its evidence pack in each format.
func reviewExchanges(c *liveClient, ids liveIDs) {
	deadline := time.Now().Add(14 * 24 * time.Hour).UTC().Format(time.RFC3339)
	id := num(c.call("POST", "/reviews", obj{"name": "Quarterly access review", "scope": obj{"roles": []string{"sales_rep"}},
		"reviewers": obj{"rule": "manager"}, "deadline": deadline, "undecided": "escalate", "escalation_days": 3, "fallback": "keep",
		"recurrence_days": 90}, http.StatusCreated)["id"])
	c.wantCode(c.call("POST", "/reviews", obj{"name": "x", "scope": obj{}, "reviewers": obj{"rule": "manager"}, "deadline": deadline,
		"undecided": "keep"}, http.StatusBadRequest), "field_required")
	c.call("POST", path("/reviews/%d/start", id), nil, http.StatusOK)
	c.wantCode(c.call("POST", path("/reviews/%d/start", id), nil, http.StatusConflict), "review_not_draft")
	c.call("GET", "/reviews", nil, http.StatusOK)
	c.call("GET", path("/reviews/%d", id), nil, http.StatusOK)
	page := c.call("GET", path("/reviews/%d/items?reviewer=me&status=pending&limit=5", id), nil, http.StatusOK)
	c.call("GET", path("/reviews/%d/items?kind=role&user_id=", id)+itoa(ids.user), nil, http.StatusOK)
	item := num(page["items"].([]any)[0].(map[string]any)["id"])
	c.wantCode(c.call("POST", path("/reviews/%d/items/decide", id), obj{"decisions": []obj{{"item_id": item, "decision": "revoke"}}},
		http.StatusBadRequest), "field_required")
	c.call("POST", path("/reviews/%d/items/decide", id), obj{"decisions": []obj{{"item_id": item, "decision": "certify",
		"comment": "still selling"}}}, http.StatusOK)
	c.call("POST", path("/reviews/%d/close", id), nil, http.StatusOK)
	c.call("GET", path("/reviews/%d/evidence", id), nil, http.StatusOK)
	c.call("GET", path("/reviews/%d/evidence?format=csv", id), nil, http.StatusOK)
	c.call("GET", path("/reviews/%d/evidence?format=pdf", id), nil, http.StatusOK)
	c.wantCode(c.call("GET", path("/reviews/%d/evidence?format=doc", id), nil, http.StatusBadRequest), "invalid_parameter")
}
