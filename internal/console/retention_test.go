package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"steward/internal/crm"
)

// Retention in the console: the page renders in both languages; a rule
// is added (a bad one comes back by its field), previewed, run and
// removed; a legal hold is placed on a customer and lifted; the auditor
// reads the page but is offered no change; a sales rep is refused.
func TestRetentionPage(t *testing.T) {
	s := newSite(t)
	admin := s.actor(t, "admin@demo.example")
	name := "Held Customer Ltd"
	cust, err := s.svc.CreateCustomer(context.Background(), admin, crm.CustomerInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	for _, lang := range []string{"zh-CN", "en"} {
		c.get("/lang/" + lang)
		if resp, body := c.get("/retention"); resp.StatusCode != 200 || strings.Contains(body, "[[") || !strings.Contains(body, `id="ret-form"`) {
			t.Fatalf("%s page: %d", lang, resp.StatusCode)
		}
	}
	_, body := c.get("/retention")
	token := csrf(t, body)
	resp, body := c.post("/retention/rules", url.Values{"csrf": {token}, "name": {"too soon"}, "object": {"activity"}, "days": {"3"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="ret-form-error"`) {
		t.Fatalf("a bad rule: %d", resp.StatusCode)
	}
	resp, _ = c.post("/retention/rules", url.Values{"csrf": {token}, "name": {"old follow-ups"}, "object": {"activity"}, "days": {"1825"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adding a rule: %d", resp.StatusCode)
	}
	rules, err := s.svc.RetentionRules(context.Background(), admin)
	if err != nil || len(rules) != 1 {
		t.Fatalf("rules: %+v %v", rules, err)
	}
	base := fmt.Sprintf("/retention/rules/%d", rules[0].ID)
	if resp, body = c.post(base+"/preview", url.Values{"csrf": {token}}); resp.StatusCode != 200 || !strings.Contains(body, `id="ret-preview-count">0<`) {
		t.Fatalf("preview: %d", resp.StatusCode)
	}
	for _, action := range []string{"run", "delete"} {
		if resp, _ = c.post(base+"/"+action, url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", action, resp.StatusCode)
		}
	}
	resp, _ = c.post("/retention/holds", url.Values{"csrf": {token}, "customer_id": {fmt.Sprint(cust.ID)}, "reason": {"litigation"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("placing a hold: %d", resp.StatusCode)
	}
	if resp, body = c.post("/retention/holds", url.Values{"csrf": {token}, "customer_id": {"999999"}, "reason": {"x"}}); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `id="hold-form-error"`) {
		t.Fatalf("a hold on an unknown customer: %d", resp.StatusCode)
	}
	auditor := newClient(t, s.URL)
	auditor.signIn("auditor@demo.example")
	if resp, body := auditor.get("/retention"); resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`data-customer="%d"`, cust.ID)) ||
		strings.Contains(body, `id="hold-lift-`) || strings.Contains(body, `id="ret-form"`) {
		t.Fatalf("the auditor's page: %d", resp.StatusCode)
	}
	if resp, _ = c.post(fmt.Sprintf("/retention/holds/%d/lift", cust.ID), url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("lifting: %d", resp.StatusCode)
	}
	rep := newClient(t, s.URL)
	rep.signIn("east.rep1@demo.example")
	if resp, _ := rep.get("/retention"); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Errorf("a sales rep opens retention: %d", resp.StatusCode)
	}
}
