package httpapi_test

import "net/http"

// reportExchanges covers the compliance report in each format, and its
// refusals of a bad period and an unknown format.
func reportExchanges(c *liveClient) {
	c.call("GET", "/reports/compliance?from=2025-01-01&to=2030-01-01", nil, http.StatusOK)
	c.call("GET", "/reports/compliance?from=2025-01-01&to=2030-01-01&format=csv", nil, http.StatusOK)
	c.call("GET", "/reports/compliance?from=2025-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&format=pdf", nil, http.StatusOK)
	c.wantCode(c.call("GET", "/reports/compliance?from=2025-01-01", nil, http.StatusBadRequest), "field_required")
	c.wantCode(c.call("GET", "/reports/compliance?from=yesterday&to=2030-01-01", nil, http.StatusBadRequest), "invalid_time")
	c.wantCode(c.call("GET", "/reports/compliance?from=2025-01-01&to=2030-01-01&format=doc", nil, http.StatusBadRequest), "invalid_parameter")
}
