package service_test

import (
	"context"
	"strings"
	"testing"

	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// A privacy request end to end on both engines: the subject is found by
// e-mail; an access request is answered with everything held and who did
// what with it; a restriction freezes the customer from edits and keeps it
// out of exports until lifted; an erasure is refused under a legal hold,
// then carried out, after which the person is found by no search, lookup
// or export, the business record stays, and the audit trail verifies.
// Only holders of handle_privacy handle requests.
func TestPrivacyRequestEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			name, phone, email := "Li Wei Trading", "+86 138 0000 2222", "li.wei@trading.example"
			c := must[crm.Customer](t)(f.svc.CreateCustomer(ctx, f.admin, crm.CustomerInput{Name: &name, Phone: &phone, Email: &email}))
			cname, cmail := "Li Wei", "LI.WEI@trading.example"
			must[crm.Contact](t)(f.svc.SaveContact(ctx, f.admin, c.ID, 0, crm.ContactInput{Name: &cname, Email: &cmail}))
			typ, note := "call", "Li Wei asked for a quote"
			must[crm.Activity](t)(f.svc.SaveActivity(ctx, f.admin, c.ID, 0, crm.ActivityInput{Type: &typ, Note: &note}))

			found := must[[]store.PrivacySubject](t)(f.svc.PrivacySubjects(ctx, f.admin, " Li.Wei@Trading.example ", ""))
			if len(found) != 2 || found[0].Type != "customer" || found[0].ID != c.ID || found[1].Type != "contact" {
				t.Fatalf("lookup by e-mail: %+v", found)
			}
			if got := must[[]store.PrivacySubject](t)(f.svc.PrivacySubjects(ctx, f.admin, "", "+86-138-0000-2222")); len(got) != 1 {
				t.Fatalf("lookup by phone: %+v", got)
			}
			request := func(kind string) store.PrivacyRequest {
				return must[store.PrivacyRequest](t)(f.svc.CreatePrivacyRequest(ctx, f.admin, service.PrivacyRequestInput{Kind: kind, SubjectType: "customer", SubjectID: c.ID}))
			}
			_, err := f.svc.CreatePrivacyRequest(ctx, f.manager, service.PrivacyRequestInput{Kind: "access", SubjectType: "customer", SubjectID: c.ID})
			wantCode(t, err, errs.Forbidden, "forbidden")

			acc := request("access")
			ex := must[service.SubjectExport](t)(f.svc.ExportSubject(ctx, f.admin, acc.ID))
			if ex.Customer == nil || ex.Customer.Email != email || len(ex.Contacts) != 1 || len(ex.Activities) != 1 || ex.Activities[0].Note != note {
				t.Fatalf("access export: %+v", ex)
			}
			if !containsAction(ex.Access, "customer.create") {
				t.Errorf("the export's access history lacks customer.create: %+v", ex.Access)
			}
			if _, err := f.svc.EraseSubject(ctx, f.admin, acc.ID); errs.As(err) == nil || errs.As(err).Code != "wrong_kind" {
				t.Errorf("erasing under an access request: %v", err)
			}

			res := request("restrict")
			must[store.PrivacyRequest](t)(f.svc.RestrictSubject(ctx, f.admin, res.ID))
			region := "North"
			_, err = f.svc.UpdateCustomer(ctx, f.admin, c.ID, crm.CustomerInput{Region: &region})
			wantCode(t, err, errs.Conflict, "processing_restricted")
			_, err = f.svc.SaveContact(ctx, f.admin, c.ID, 0, crm.ContactInput{Name: &cname})
			wantCode(t, err, errs.Conflict, "processing_restricted")
			if file := exportAll(t, f); strings.Contains(file, "Li Wei") || !strings.Contains(file, "Alpha Ltd") {
				t.Errorf("an export while restricted:\n%s", file)
			}
			if err := f.svc.LiftRestriction(ctx, f.admin, c.ID); err != nil {
				t.Fatal(err)
			}
			must[crm.Customer](t)(f.svc.UpdateCustomer(ctx, f.admin, c.ID, crm.CustomerInput{Region: &region}))

			er := request("erase")
			must[store.LegalHold](t)(f.svc.PlaceLegalHold(ctx, f.admin, c.ID, "litigation"))
			_, err = f.svc.EraseSubject(ctx, f.admin, er.ID)
			wantCode(t, err, errs.Conflict, "legal_hold")
			if err := f.svc.LiftLegalHold(ctx, f.admin, c.ID); err != nil {
				t.Fatal(err)
			}
			done := must[store.PrivacyRequest](t)(f.svc.EraseSubject(ctx, f.admin, er.ID))
			if done.Status != "done" || done.ClosedAt == nil {
				t.Fatalf("the erasure request: %+v", done)
			}

			for _, q := range []string{"Li Wei", "Trading", "2222", "li.wei"} {
				page := must[service.Page[crm.Customer]](t)(f.svc.Customers(ctx, f.admin, store.CustomerQuery{Text: q, Sort: "last_activity_at", Limit: 50}))
				if len(page.Items) != 0 {
					t.Errorf("a search for %q finds %+v after the erasure", q, page.Items)
				}
			}
			if got := must[[]store.PrivacySubject](t)(f.svc.PrivacySubjects(ctx, f.admin, email, phone)); len(got) != 0 {
				t.Errorf("the lookup finds %+v after the erasure", got)
			}
			if file := exportAll(t, f); strings.Contains(file, "Li Wei") || strings.Contains(file, "2222") || strings.Contains(file, "quote") {
				t.Errorf("an export after the erasure holds the person:\n%s", file)
			}
			kept := must[crm.Customer](t)(f.svc.Customer(ctx, f.admin, c.ID))
			if !strings.HasPrefix(kept.Name, "Anonymised customer") || kept.Phone != "" || kept.Email != "" {
				t.Errorf("the customer after the erasure: %+v", kept)
			}
			rep, err := f.svc.VerifyAudit(ctx, f.tenant, nil)
			if err != nil || !rep.OK {
				t.Fatalf("the trail after the erasure: %+v %v", rep, err)
			}
		})
	}
}

// exportAll exports every customer the administrator may, and returns the file.
func exportAll(t *testing.T, f exportFixture) string {
	t.Helper()
	ex := must[store.Export](t)(f.svc.RequestExport(context.Background(), f.admin, service.ExportRequest{Object: "customer", Format: "csv", Reason: "privacy check"}))
	f.svc.Wait()
	mustExport(t, f.svc, f.admin, ex.ID, store.ExportDone)
	return string(download(t, f.svc, f.admin, ex.ID))
}

func containsAction(rows []store.AuditRow, action string) bool {
	for _, r := range rows {
		if r.Action == action {
			return true
		}
	}
	return false
}

// Consent records decide a marketing export: it carries only the contacts
// whose newest marketing record says given; a withdrawal, or an objection
// carried out through a privacy request, takes a contact out; an ordinary
// contact export is unchanged; a marketing export of customers is refused.
func TestConsentAndMarketingExport(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			name := "Consent Co"
			c := must[crm.Customer](t)(f.svc.CreateCustomer(ctx, f.admin, crm.CustomerInput{Name: &name}))
			ids := map[string]int64{}
			for _, n := range []string{"Ann Given", "Bob Withdrawn", "Cai Silent"} {
				n := n
				ids[n] = must[crm.Contact](t)(f.svc.SaveContact(ctx, f.admin, c.ID, 0, crm.ContactInput{Name: &n})).ID
			}
			consent := func(who, status string) {
				must[store.Consent](t)(f.svc.RecordConsent(ctx, f.admin, ids[who], service.ConsentInput{Purpose: "marketing", Basis: "consent", Status: status, Source: "web form"}))
			}
			consent("Ann Given", "given")
			consent("Bob Withdrawn", "given")
			consent("Bob Withdrawn", "withdrawn")
			export := func(purpose string) string {
				ex := must[store.Export](t)(f.svc.RequestExport(ctx, f.admin, service.ExportRequest{Object: "contact", Format: "csv", Reason: "campaign", Purpose: purpose}))
				f.svc.Wait()
				mustExport(t, f.svc, f.admin, ex.ID, store.ExportDone)
				return string(download(t, f.svc, f.admin, ex.ID))
			}
			if file := export("marketing"); !strings.Contains(file, "Ann Given") || strings.Contains(file, "Bob Withdrawn") || strings.Contains(file, "Cai Silent") {
				t.Errorf("marketing export:\n%s", file)
			}
			if file := export(""); !strings.Contains(file, "Bob Withdrawn") || !strings.Contains(file, "Cai Silent") {
				t.Errorf("ordinary export:\n%s", file)
			}
			req := must[store.PrivacyRequest](t)(f.svc.CreatePrivacyRequest(ctx, f.admin, service.PrivacyRequestInput{Kind: "object", SubjectType: "contact", SubjectID: ids["Ann Given"]}))
			if done := must[store.PrivacyRequest](t)(f.svc.ObjectSubject(ctx, f.admin, req.ID)); done.Status != "done" {
				t.Fatalf("objection: %+v", done)
			}
			if file := export("marketing"); strings.Contains(file, "Ann Given") {
				t.Errorf("a marketing export after the objection:\n%s", file)
			}
			hist := must[[]store.Consent](t)(f.svc.Consents(ctx, f.admin, ids["Ann Given"]))
			if len(hist) != 2 || hist[0].Status != "objected" {
				t.Errorf("Ann's consent history: %+v", hist)
			}
			_, err := f.svc.RequestExport(ctx, f.admin, service.ExportRequest{Object: "customer", Format: "csv", Purpose: "marketing"})
			if e := errs.As(err); e == nil || e.Field != "purpose" {
				t.Errorf("a marketing export of customers: %v", err)
			}
		})
	}
}
