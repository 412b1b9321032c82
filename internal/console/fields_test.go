package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"steward/internal/access"
	"steward/internal/fields"
	"steward/internal/service"
)

// A read-only user's role has no field rules, so sensitive fields are
// masked without reveal: the page marks them and offers no Reveal, and a
// reveal posted anyway is refused on the page without the value. Customer
// Service's role hides deal amounts: the column is not there at all.
func TestCustomerPageFollowsFieldAccess(t *testing.T) {
	s := newSite(t)
	reader := s.actor(t, "readonly@demo.example")
	cu := s.customers(t, reader)[0]
	real := s.customerByID(t, s.actor(t, "admin@demo.example"), cu.ID).Phone
	page := fmt.Sprintf("/customers/%d", cu.ID)

	c := newClient(t, s.URL)
	c.signIn("readonly@demo.example")
	_, body := c.get(page)
	if !strings.Contains(body, `id="customer-phone" class="value">`+cu.Phone+"<") || !strings.Contains(cu.Phone, "*") {
		t.Errorf("the page does not show the masked phone %q", cu.Phone)
	}
	if !strings.Contains(body, `class="badge masked"`) || strings.Contains(body, `id="reveal-customer-phone"`) {
		t.Errorf("want the phone marked masked with no Reveal button")
	}
	resp, body := c.post(page+"/reveal", url.Values{"csrf": {csrf(t, body)}, "field": {"phone"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `id="reveal-error"`) || strings.Contains(body, real) {
		t.Errorf("a reveal without the right: status %d, error shown %v, value leaked %v; want 403, the error, no value",
			resp.StatusCode, strings.Contains(body, `id="reveal-error"`), strings.Contains(body, real))
	}

	svc := newClient(t, s.URL)
	svc.signIn("service@demo.example")
	_, body = svc.get(page)
	if strings.Contains(body, ">Amount<") || strings.Contains(body, "CNY") {
		t.Errorf("customer service, whose role hides deal amounts, sees an amount column")
	}
}

// An error the service names "custom.<key>" is shown next to that input.
func TestCustomFieldErrorNextToInput(t *testing.T) {
	s := newSite(t)
	admin := s.actor(t, "admin@demo.example")
	o, key, typ, zh, en := access.Customer, "employees", fields.Number, "员工数", "Employees"
	if _, err := s.svc.SaveField(context.Background(), admin, o, "", service.FieldInput{Object: &o, Key: &key, Type: &typ, LabelZh: &zh, LabelEn: &en}); err != nil {
		t.Fatal(err)
	}
	cu := s.customers(t, s.actor(t, "east.rep1@demo.example"))[0]
	c := newClient(t, s.URL)
	c.signIn("east.rep1@demo.example")
	path := fmt.Sprintf("/customers/%d", cu.ID)
	_, body := c.get(path + "/edit")
	if !strings.Contains(body, `id="f-custom-employees" name="custom.employees" type="number"`) {
		t.Fatalf("the form has no number input for the custom field")
	}
	// The form as the browser posts it: every input, one of them changed.
	form := url.Values{"csrf": {csrf(t, body)}, "name": {cu.Name}, "industry": {cu.Industry}, "level": {cu.Level}, "region": {cu.Region},
		"source": {cu.Source}, "phone": {cu.Phone}, "email": {cu.Email}, "address": {cu.Address}, "notes": {cu.Notes}, "custom.employees": {"many"}}
	resp, body := c.post(path, form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-custom-employees"`) {
		t.Errorf("a number that is not one: status %d, error next to the input %v; want 400 and the error there",
			resp.StatusCode, strings.Contains(body, `id="e-custom-employees"`))
	}
	form.Set("custom.employees", "120")
	resp, _ = c.post(path, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("saving 120: status %d, want 303", resp.StatusCode)
	}
	if got := s.customerByID(t, s.actor(t, "east.rep1@demo.example"), cu.ID).Custom["employees"]; got != 120.0 {
		t.Errorf("employees = %v, want 120", got)
	}
}

// Reveal without masked access is refused by the service; posted without
// the script that prevents it, the error shows on the rule's row.
func TestFieldRuleErrorOnItsRow(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get("/matrix?role=sales_rep")
	resp, body := c.post("/matrix/fields", url.Values{"csrf": {csrf(t, body)}, "role": {"sales_rep"},
		"rule.customer.phone": {"read"}, "reveal.customer.phone": {"1"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `data-rule="customer.phone" class="invalid"`) {
		t.Errorf("reveal with read access: status %d, want 400 with the error on the phone's row", resp.StatusCode)
	}
	role, err := s.svc.Role(context.Background(), s.actor(t, "admin@demo.example"), "sales_rep")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range role.Fields {
		if r.Object == access.Customer && r.Field == "phone" && r.Access != access.FieldEdit {
			t.Errorf("the refused save changed the phone rule to %s", r.Access)
		}
	}
}
