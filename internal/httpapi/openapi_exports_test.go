package httpapi_test

import (
	"net/http"
	"time"
)

// exportExchanges covers export settings, a request held for approval, an
// approval, a refusal, progress and the download.
func exportExchanges(c *liveClient, ids liveIDs) {
	c.call("GET", "/export-settings", nil, http.StatusOK)
	c.call("PUT", "/export-settings", obj{"approval_threshold": 0, "link_hours": 24, "max_downloads": 2, "role_limits": obj{}}, http.StatusOK)
	c.call("POST", "/users", obj{"email": "mgr@acme.example", "name": "Manager", "password": "manager-long-password-3",
		"department_id": ids.dept, "roles": []string{"sales_manager"}}, http.StatusCreated)
	c.login("mgr@acme.example", "manager-long-password-3")
	c.call("POST", "/customers", obj{"name": "Export Co", "phone": "13700001111"}, http.StatusCreated)
	req := obj{"object": "customer", "format": "csv", "filter": obj{}, "fields": []string{"name", "phone"}, "reason": "quarterly call list"}
	first := num(c.call("POST", "/exports", req, http.StatusCreated)["id"])
	req["format"] = "xlsx"
	second := num(c.call("POST", "/exports", req, http.StatusCreated)["id"])
	c.login("admin@acme.example", "a-long-enough-password-1")
	c.call("GET", "/exports?all=true&status=pending_approval", nil, http.StatusOK)
	c.call("POST", path("/exports/%d/approve", first), obj{"reason": "ok for the campaign"}, http.StatusOK)
	c.call("POST", path("/exports/%d/refuse", second), obj{"reason": "one file is enough"}, http.StatusOK)
	c.login("mgr@acme.example", "manager-long-password-3")
	c.call("GET", "/exports", nil, http.StatusOK)
	var written int64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if e := c.call("GET", path("/exports/%d", first), nil, http.StatusOK); e["status"] == "done" || time.Now().After(deadline) {
			written = num(e["rows_written"])
			break
		}
	}
	c.call("GET", path("/exports/%d/download", first), nil, http.StatusOK)
	c.wantCode(c.call("GET", "/exports/volumes", nil, http.StatusForbidden), "forbidden")
	c.login("admin@acme.example", "a-long-enough-password-1")
	vol := c.call("GET", "/exports/volumes?days=7", nil, http.StatusOK)
	if tot, _ := vol["total"].(map[string]any); num(tot["exports"]) != 2 || num(tot["done"]) != 1 || num(tot["refused"]) != 1 || num(tot["rows"]) != written {
		c.t.Errorf("export volumes: total %v, want 2 exports, 1 done of %d rows, 1 refused", tot, written)
	}
	c.wantCode(c.call("GET", "/exports/volumes?days=0", nil, http.StatusBadRequest), "invalid_parameter")
}

// importExchanges covers a dry run, a real import and the run's report.
func importExchanges(c *liveClient) {
	csv := "name,phone,level,contact_name,contact_phone\nImported Co,13911112222,B,Zhao Lei,13911113333\n"
	c.call("POST", "/imports?format=csv&mode=dry_run", fileBody{"text/csv", []byte(csv)}, http.StatusCreated)
	id := num(c.call("POST", "/imports?format=csv&mode=all", fileBody{"text/csv", []byte(csv)}, http.StatusCreated)["id"])
	c.call("GET", "/imports", nil, http.StatusOK)
	c.call("GET", path("/imports/%d", id), nil, http.StatusOK)
}
