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

// The privacy register in the console: it renders in both languages for a
// holder of handle_privacy; a subject is found by e-mail; a request is
// registered (a bad one comes back by its field), its data downloaded, an
// erasure carried out (the customer's values gone), and a request closed
// with its outcome; a sales rep is refused.
func TestPrivacyPage(t *testing.T) {
	s := newSite(t)
	admin := s.actor(t, "admin@demo.example")
	name, mail := "Privacy Subject Ltd", "subject@privacy.example"
	cust, err := s.svc.CreateCustomer(context.Background(), admin, crm.CustomerInput{Name: &name, Email: &mail})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	for _, lang := range []string{"zh-CN", "en"} {
		c.get("/lang/" + lang)
		resp, body := c.get("/privacy")
		if resp.StatusCode != 200 || strings.Contains(body, "[[") || !strings.Contains(body, `id="pr-new-form"`) {
			t.Fatalf("%s page: %d", lang, resp.StatusCode)
		}
	}
	_, body := c.get("/privacy?email=" + url.QueryEscape(mail))
	if !strings.Contains(body, `id="lookup-found"`) || !strings.Contains(body, fmt.Sprintf("subject_id=%d", cust.ID)) {
		t.Fatal("the lookup does not find the customer")
	}
	token := csrf(t, body)
	resp, body := c.post("/privacy/requests", url.Values{"csrf": {token}, "kind": {"forget"}, "subject_type": {"customer"}, "subject_id": {fmt.Sprint(cust.ID)}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="pr-form-error"`) {
		t.Fatalf("a bad request: %d", resp.StatusCode)
	}
	for _, kind := range []string{"access", "erase"} {
		resp, _ = c.post("/privacy/requests", url.Values{"csrf": {token}, "kind": {kind}, "subject_type": {"customer"}, "subject_id": {fmt.Sprint(cust.ID)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("registering %s: %d", kind, resp.StatusCode)
		}
	}
	reqs, err := s.svc.PrivacyRequests(context.Background(), admin, "open")
	if err != nil || len(reqs) != 2 {
		t.Fatalf("open requests: %d %v", len(reqs), err)
	}
	var access, erase int64
	for _, r := range reqs {
		if r.Kind == "access" {
			access = r.ID
		} else {
			erase = r.ID
		}
	}
	resp, body = c.get(fmt.Sprintf("/privacy/requests/%d/export.json", access))
	if resp.StatusCode != 200 || !strings.Contains(body, mail) {
		t.Fatalf("the access export: %d", resp.StatusCode)
	}
	resp, _ = c.post(fmt.Sprintf("/privacy/requests/%d/erase", erase), url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=erase") {
		t.Fatalf("erasing: %d", resp.StatusCode)
	}
	if got := s.customerByID(t, admin, cust.ID); got.Email != "" || !strings.HasPrefix(got.Name, "Anonymised") {
		t.Fatalf("after the erasure: %+v", got)
	}
	resp, _ = c.post(fmt.Sprintf("/privacy/requests/%d/close", access), url.Values{"csrf": {token}, "status": {"done"}, "outcome": {"sent by post"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("closing: %d", resp.StatusCode)
	}
	if _, body = c.get("/privacy"); !strings.Contains(body, "sent by post") {
		t.Error("the register does not show the outcome")
	}
	rep := newClient(t, s.URL)
	rep.signIn("east.rep1@demo.example")
	if resp, _ := rep.get("/privacy"); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Errorf("a sales rep opens the register: %d", resp.StatusCode)
	}
}
