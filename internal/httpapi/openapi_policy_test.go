package httpapi_test

import (
	"io"
	"net/http"
	"strings"
)

// policyExchanges covers the policy document: exported as YAML and JSON,
// applied as a dry run from YAML and for real from JSON, and refused with
// the path of a bad value.
func policyExchanges(c *liveClient) {
	c.call("GET", "/policy", nil, http.StatusOK)
	doc := c.call("GET", "/policy?format=json", nil, http.StatusOK)
	yaml := c.policyYAML()
	added := strings.Replace(yaml, "roles:\n", "roles:\n  - {key: trainee, name: Trainee, permissions: {customer: {view: own}}}\n", 1)
	c.call("POST", "/policy?dry_run=true", fileBody{"application/yaml", []byte(added)}, http.StatusOK)
	roles := doc["roles"].([]any)
	doc["roles"] = append(roles, obj{"key": "trainee", "name": "Trainee", "permissions": obj{"customer": obj{"view": "own"}}})
	c.call("POST", "/policy", doc, http.StatusOK)
	bad := strings.Replace(added, "view: own}}}", "view: everyone}}}", 1)
	c.wantField(c.call("POST", "/policy", fileBody{"application/yaml", []byte(bad)}, http.StatusBadRequest), "invalid_value", "roles[0].permissions.customer.view")
}

// policyYAML fetches the policy as YAML.
func (c *liveClient) policyYAML() string {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+"/policy", nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/yaml") {
		c.t.Fatalf("GET /policy: status %d, type %q, %v", res.StatusCode, res.Header.Get("Content-Type"), err)
	}
	return string(b)
}

// wantField checks the code and field of an error response.
func (c *liveClient) wantField(body map[string]any, code, field string) {
	c.t.Helper()
	c.wantCode(body, code)
	if e, _ := body["error"].(map[string]any); e["field"] != field {
		c.t.Errorf("error field: got %v, want %s", e["field"], field)
	}
}
