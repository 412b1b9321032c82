package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/service"
	"steward/internal/store"
)

// These flows drive field permissions in headless Chromium: masked values
// and their reveal, a form that leaves out what the user may not change,
// the field catalogue and a role's field rules.

// auditActions lists the actions of the tenant's audit entries about a
// customer, newest first.
func (s *site) auditActions(t testing.TB, a *service.Actor, customerID int64) []string {
	t.Helper()
	entries, err := s.svc.AuditEvents(context.Background(), a, store.AuditQuery{SubjectCust: customerID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

// The auditor's role masks phones with reveal: the customer page shows
// 138****5678 marked masked; Reveal shows the number in that response
// only, and the audit trail records customer.reveal. A contact's phone
// reveals the same way; the explanation names the rule.
func TestE2ERevealMaskedPhone(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example")
	cu := s.customers(t, s.actor(t, "east.rep1@demo.example"))[0]
	phone := "13812345678"
	if _, err := s.svc.UpdateCustomer(ctx, admin, cu.ID, crm.CustomerInput{Phone: &phone}); err != nil {
		t.Fatal(err)
	}
	contactPhone, name := "13955554444", "Li Lei"
	ct, err := s.svc.SaveContact(ctx, admin, cu.ID, 0, crm.ContactInput{Name: &name, Phone: &contactPhone})
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, s.URL)
	b.signIn("auditor@demo.example")
	page := fmt.Sprintf("/customers/%d", cu.ID)
	b.open(page)
	if got := b.text("#customer-phone"); got != "138****5678" {
		t.Errorf("the auditor sees the phone as %q, want 138****5678", got)
	}
	if got := b.text(`[data-field="phone"] .badge.masked`); got != "masked" {
		t.Errorf("the masked phone's badge reads %q", got)
	}
	b.click("#reveal-customer-phone")
	if got := b.text("#customer-phone"); got != phone {
		t.Errorf("after Reveal the phone reads %q, want %q", got, phone)
	}
	if got := b.text("#done"); !strings.Contains(got, "audit trail") {
		t.Errorf("after Reveal the notice reads %q", got)
	}
	if n := eval[int](b, `document.querySelectorAll("#reveal-customer-phone").length`); n != 0 {
		t.Errorf("a revealed phone still offers Reveal")
	}
	if got := s.auditActions(t, admin, cu.ID); len(got) == 0 || got[0] != "customer.reveal" {
		t.Errorf("the newest audit entries about the customer: %q, want customer.reveal first", got)
	}

	// Reloaded, the customer is masked again: the value was never kept.
	b.open(page)
	if got := b.text("#customer-phone"); got != "138****5678" {
		t.Errorf("after reloading the phone reads %q, want the mask again", got)
	}
	cell := fmt.Sprintf("#contact-%d-phone", ct.ID)
	if got := b.text(cell); got != "139****4444" {
		t.Errorf("the contact's phone reads %q, want 139****4444", got)
	}
	b.click(fmt.Sprintf("#reveal-contact-%d-phone", ct.ID))
	if got := b.text(cell); got != contactPhone {
		t.Errorf("after Reveal the contact's phone reads %q, want %q", got, contactPhone)
	}
	if got := s.auditActions(t, admin, cu.ID); len(got) == 0 || got[0] != "contact.reveal" {
		t.Errorf("after revealing the contact, newest audit entries: %q, want contact.reveal first", got)
	}

	b.open(page + "/access")
	row := `#explain-fields tr[data-field="customer.phone"]`
	if got := b.text(row + " .access"); got != "masked" {
		t.Errorf("the explanation gives phone access %q, want masked", got)
	}
	if got := b.text(row + " .reveal"); got != "yes" {
		t.Errorf("the explanation gives phone reveal %q, want yes", got)
	}
	if got := b.text(row + " .given"); !strings.Contains(got, "auditor") {
		t.Errorf("the explanation says phone access comes from %q, want the auditor role", got)
	}
}

// The administrator makes sales_rep's phone read-only in the role's field
// rules; the rep's form then shows the phone as text, with no input, and
// saving a change to another field goes through.
func TestE2EReadOnlyPhoneStillSaves(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	rep := s.actor(t, "east.rep1@demo.example")
	cu := s.customers(t, rep)[0]

	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.open("/matrix?role=sales_rep")
	if v := eval[string](b, `document.querySelector("#fr-customer-phone").value`); v != "edit" {
		t.Fatalf("sales_rep's phone rule = %q, want edit", v)
	}
	b.setValue("#fr-customer-phone", "read")
	b.click("#save-field-rules")
	if got := b.text("#fields-notice"); !strings.Contains(got, "saved") {
		t.Errorf("after saving the field rules: %q", got)
	}
	if v := eval[string](b, `document.querySelector("#fr-customer-phone").value`); v != "read" {
		t.Errorf("after saving, the phone rule shows %q, want read", v)
	}

	b.switchTo("east.rep1@demo.example")
	b.open(fmt.Sprintf("/customers/%d/edit", cu.ID))
	if n := eval[int](b, `document.querySelectorAll('#customer-form [name="phone"]').length`); n != 0 {
		t.Errorf("the form has %d phone inputs, want none", n)
	}
	if got := b.text("#f-phone"); got != cu.Phone {
		t.Errorf("the read-only phone reads %q, want %q", got, cu.Phone)
	}
	b.setValue("#f-notes", "Called about the renewal")
	b.click("#save")
	if got := b.text("#done"); got != "Saved." {
		t.Errorf("after saving: %q", got)
	}
	after := s.customerByID(t, rep, cu.ID)
	if after.Notes != "Called about the renewal" || after.Phone != cu.Phone {
		t.Errorf("after saving: notes %q, phone %q; want the new notes and the same phone", after.Notes, after.Phone)
	}
}

// The administrator adds a custom field on the fields page (a bad key is
// refused next to it); the rep's form offers it and the customer page
// shows it. Marked sensitive, it shows masked to the rep, whose role has
// no rule for it.
func TestE2EAdminAddsCustomField(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	rep := s.actor(t, "east.rep1@demo.example")
	cu := s.customers(t, rep)[0]

	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.click("#nav-admin")
	b.click("#tab-fields")
	if n := eval[int](b, `document.querySelectorAll('#fields tr[data-field="phone"] .badge.bad').length`); n != 1 {
		t.Errorf("the phone is not listed as sensitive")
	}
	b.setValue("#add-f-key", "Tax ID")
	b.setValue("#add-f-type", "text")
	b.setValue("#add-f-label_zh", "税号")
	b.setValue("#add-f-label_en", "Tax ID")
	if st := b.click("#add-submit"); st != 400 {
		t.Errorf("a key with a space: status %d, want 400", st)
	}
	if got := b.text("#add-e-key"); got == "" {
		t.Errorf("no error next to the key")
	}
	b.setValue("#add-f-key", "tax_id")
	b.click("#add-submit")
	if got := b.text("#done"); !strings.Contains(got, "added") {
		t.Fatalf("after adding the field: %q", got)
	}
	if got := b.text(`#fields tr[data-field="tax_id"] .field-link`); got != "Tax ID" {
		t.Errorf("the new field is listed as %q", got)
	}

	b.switchTo("east.rep1@demo.example")
	b.open(fmt.Sprintf("/customers/%d/edit", cu.ID))
	b.do(chromedp.SendKeys(chromedp.CSS("#f-custom-tax_id"), "91310000MA1K"))
	b.click("#save")
	if got := b.text("#customer-custom-tax_id"); got != "91310000MA1K" {
		t.Errorf("the customer page shows the tax id as %q", got)
	}
	// A fresh actor: one signed in before the field existed does not know it.
	if got := s.customerByID(t, s.actor(t, "east.rep1@demo.example"), cu.ID).Custom["tax_id"]; got != "91310000MA1K" {
		t.Errorf("the service holds tax_id %v", got)
	}

	b.switchTo("admin@demo.example")
	b.open("/admin/fields?object=customer")
	b.click("#sensitive-tax_id")
	if n := eval[int](b, `document.querySelectorAll('#fields tr[data-field="tax_id"] .badge.bad').length`); n != 1 {
		t.Errorf("tax_id is not listed as sensitive after the switch")
	}
	b.switchTo("east.rep1@demo.example")
	b.open(fmt.Sprintf("/customers/%d", cu.ID))
	if got := b.text("#customer-custom-tax_id"); got != "****" {
		t.Errorf("marked sensitive, the tax id shows the rep %q, want ****", got)
	}
	b.open(fmt.Sprintf("/customers/%d/edit", cu.ID))
	if n := eval[int](b, `document.querySelectorAll('[name="custom.tax_id"]').length`); n != 0 {
		t.Errorf("the rep's form still has an input for the masked tax id")
	}

	// Deleting asks first, then takes the field off the form.
	b.switchTo("admin@demo.example")
	b.open("/admin/fields?object=customer")
	b.click("#delete-tax_id")
	b.click("#confirm-delete")
	if got := b.text("#done"); !strings.Contains(got, "deleted") {
		t.Errorf("after deleting: %q", got)
	}
	if _, ok := s.actor(t, "admin@demo.example").Fields.Get(access.Customer, "tax_id"); ok {
		t.Errorf("tax_id is still in the catalogue")
	}
}
