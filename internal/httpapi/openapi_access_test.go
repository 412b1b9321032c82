package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// accessExchanges covers the matrix, teams, shares, rules, pools and explanations.
func accessExchanges(c *liveClient, ids liveIDs) {
	c.call("GET", "/permission-matrix", nil, http.StatusOK)
	c.call("GET", "/permission-matrix?format=csv", nil, http.StatusOK)
	cust := num(c.call("POST", "/customers", obj{"name": "Shared Co", "region": "East"}, http.StatusCreated)["id"])
	c.call("POST", path("/customers/%d/team", cust), obj{"user_id": ids.user, "level": "read", "reason": "covering"}, http.StatusCreated)
	c.call("GET", path("/customers/%d/team", cust), nil, http.StatusOK)
	c.call("DELETE", path("/customers/%d/team/", cust)+itoa(ids.user), nil, http.StatusNoContent)
	share := num(c.call("POST", path("/customers/%d/shares", cust), obj{"principal": obj{"type": "department", "id": ids.dept, "include_subdepartments": true},
		"level": "edit", "expires_at": "2999-01-01T00:00:00Z", "reason": "joint bid"}, http.StatusCreated)["id"])
	c.call("GET", path("/customers/%d/shares", cust), nil, http.StatusOK)
	c.call("DELETE", path("/customers/%d/shares/", cust)+itoa(share), nil, http.StatusNoContent)
	c.call("GET", path("/customers/%d/access", cust)+"?user_id="+itoa(ids.user), nil, http.StatusOK)
	c.call("GET", path("/users/%d/effective-permissions", ids.user), nil, http.StatusOK)

	crit := obj{"all": []obj{{"field": "region", "op": "equals", "value": "East"}, {"field": "level", "op": "in", "values": []string{"A", "B"}}}}
	rule := num(c.call("POST", "/sharing-rules", obj{"name": "East A/B to Sales", "criteria": crit,
		"principal": obj{"type": "department", "id": ids.dept}, "level": "read"}, http.StatusCreated)["id"])
	c.call("GET", "/sharing-rules", nil, http.StatusOK)
	c.call("PUT", path("/sharing-rules/%d", rule), obj{"name": "East A/B to Sales", "criteria": crit,
		"principal": obj{"type": "user", "id": ids.user}, "level": "edit", "reason": "owner asked"}, http.StatusOK)
	c.call("DELETE", path("/sharing-rules/%d", rule), nil, http.StatusNoContent)
	deny := num(c.call("POST", "/restriction-rules", obj{"name": "VIP", "criteria": obj{"field": "name", "op": "prefix", "value": "VIP"},
		"principals": []obj{{"type": "user", "id": ids.user}}}, http.StatusCreated)["id"])
	c.call("GET", "/restriction-rules", nil, http.StatusOK)
	c.call("PUT", path("/restriction-rules/%d", deny), obj{"name": "VIP accounts", "criteria": obj{"field": "level", "op": "range", "min": "A", "max": "A"},
		"principals": []obj{{"type": "role", "id": 1}}}, http.StatusOK)
	c.call("DELETE", path("/restriction-rules/%d", deny), nil, http.StatusNoContent)

	pool := num(c.call("POST", "/pools", obj{"name": "East pool", "departments": []int64{ids.root}, "holding_cap": 5, "cooldown_days": 7, "auto_return_days": 30}, http.StatusCreated)["id"])
	c.call("GET", "/pools", nil, http.StatusOK)
	c.call("PUT", path("/pools/%d", pool), obj{"name": "East pool", "departments": []int64{ids.root}, "holding_cap": 3, "cooldown_days": 0, "auto_return_days": 0}, http.StatusOK)
	c.call("POST", path("/customers/%d/return", cust), obj{"reason": "no budget this year", "pool_id": pool}, http.StatusOK)
	c.call("GET", path("/pools/%d/customers", pool)+"?limit=5", nil, http.StatusOK)
	c.call("POST", path("/pools/%d/claim", pool), obj{"customer_id": cust, "reason": "met them at a fair"}, http.StatusOK)
	c.call("GET", "/audit/events?limit=5&action=role.", nil, http.StatusOK)
	c.call("GET", "/audit/events?format=csv&limit=3", nil, http.StatusOK)
	c.call("GET", "/audit/events?format=jsonl&limit=3", nil, http.StatusOK)
	c.call("GET", "/audit/verify", nil, http.StatusOK)
	c.call("GET", "/audit/public-key", nil, http.StatusOK)
	c.call("GET", path("/users/%d/permission-history", ids.user), nil, http.StatusOK)
	c.call("GET", path("/customers/%d/access-history", cust), nil, http.StatusOK)
	c.call("GET", path("/customers/%d/access-at?at=", cust)+url.QueryEscape(time.Now().UTC().Format(time.RFC3339)), nil, http.StatusOK)
	c.wantCode(c.call("GET", path("/customers/%d/access-at?at=yesterday", cust), nil, http.StatusBadRequest), "invalid_time")
	c.wantCode(c.call("GET", path("/customers/%d/access-at", cust), nil, http.StatusBadRequest), "field_required")
	c.wantCode(c.call("GET", path("/customers/%d/access-at?at=2999-01-01T00:00:00Z", cust), nil, http.StatusBadRequest), "time_in_future")
	spare := num(c.call("POST", "/pools", obj{"name": "Spare pool", "departments": []int64{ids.root}, "holding_cap": 1}, http.StatusCreated)["id"])
	c.call("DELETE", path("/pools/%d", spare), nil, http.StatusNoContent)
}

func itoa(v int64) string { return path("%d", v) }

func init() {
	// JSON Lines exports are validated as text; kin-openapi has no decoder for them.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		return string(b), err
	})
}
