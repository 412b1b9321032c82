package console_test

import (
	"net/http"
	"strings"
	"testing"
)

// The compliance page renders in both languages for holders of view_audit
// and gives the report as a file; a bad period comes back on the form,
// naming its field; a sales rep is refused.
func TestCompliancePage(t *testing.T) {
	s := newSite(t)
	for _, lang := range []string{"en", "zh-CN"} {
		c := newClient(t, s.URL)
		c.signIn("auditor@demo.example")
		c.get("/lang/" + lang)
		resp, body := c.get("/compliance")
		if resp.StatusCode != 200 || !strings.Contains(body, `id="compliance-form"`) || strings.Contains(body, "[[") {
			t.Fatalf("%s page: %d", lang, resp.StatusCode)
		}
		resp, body = c.get("/compliance/report?from=2020-01-01&to=2029-01-01&format=pdf")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
			t.Fatalf("%s pdf: %d %s", lang, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		resp, body = c.get("/compliance/report?from=2020-01-01&to=2029-01-01&format=csv")
		if resp.StatusCode != 200 || !strings.Contains(body, "section,item,field,value") {
			t.Fatalf("%s csv: %d", lang, resp.StatusCode)
		}
		resp, body = c.get("/compliance/report?from=2029-01-01&to=2020-01-01&format=pdf")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="compliance-error"`) || !strings.Contains(body, `id="cr-to" name="to" type="date" value="2020-01-01" required aria-invalid="true"`) {
			t.Fatalf("%s bad period: %d", lang, resp.StatusCode)
		}
	}
	rep := newClient(t, s.URL)
	rep.signIn("east.rep1@demo.example")
	if resp, _ := rep.get("/compliance"); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Errorf("a sales rep opens the compliance page: %d", resp.StatusCode)
	}
}
