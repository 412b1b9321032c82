package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// Privacy requests of data subjects (docs/privacy-requests.md): a register
// with deadlines, handlers and outcomes, and the actions that carry the
// requests out — the subject's data exported (access), erased
// (anonymised), or frozen from edits and exports (restrict). Holders of
// handle_privacy only; every step is audited by ids, never values.

const (
	defaultPrivacyDays = 30 // GDPR art. 12(3): one month
	maxPrivacyDays     = 90 // extended by two further months at most
	privacyListLimit   = 500
	subjectAuditLimit  = 10_000
)

// PrivacyRequestInput is the body of POST /privacy-requests.
type PrivacyRequestInput struct {
	Kind        string `json:"kind" doc:"access, rectify, erase, restrict or object (to marketing)"`
	SubjectType string `json:"subject_type" doc:"customer or contact"`
	SubjectID   int64  `json:"subject_id"`
	DueDays     int    `json:"due_days,omitempty" doc:"days to answer, 1-90 (default 30)"`
	HandlerID   int64  `json:"handler_id,omitempty" doc:"who handles it (a holder of handle_privacy); default the creator"`
	Note        string `json:"note,omitempty" doc:"how the person was identified, without personal values"`
}

// PrivacyClose is the body of POST /privacy-requests/{id}/close.
type PrivacyClose struct {
	Status  string `json:"status" doc:"done or refused"`
	Outcome string `json:"outcome" doc:"what was done, or why refused"`
}

// CheckPrivacyRequest checks a request's body as CreatePrivacyRequest does.
func CheckPrivacyRequest(in PrivacyRequestInput) error {
	if err := fieldcheck.OneOf("kind", in.Kind, false, "access", "rectify", "erase", "restrict", "object"); err != nil {
		return err
	}
	if err := fieldcheck.OneOf("subject_type", in.SubjectType, false, "customer", "contact"); err != nil {
		return err
	}
	if in.SubjectID <= 0 {
		return errs.Field("subject_id", "field_required", "subject_id is required")
	}
	if in.DueDays < 0 || in.DueDays > maxPrivacyDays {
		return errs.Field("due_days", "invalid_value", "due_days must be 1 to %d", maxPrivacyDays)
	}
	if in.HandlerID < 0 {
		return errs.Field("handler_id", "invalid_value", "handler_id must be a user id")
	}
	_, err := fieldcheck.Optional("note", in.Note, 1000)
	return err
}

// PrivacySubjects finds who an e-mail or phone number belongs to.
func (s *Service) PrivacySubjects(ctx context.Context, a *Actor, email, phone string) ([]store.PrivacySubject, error) {
	if err := a.need(access.HandlePrivacy); err != nil {
		return nil, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	phone = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(phone))
	if email == "" && phone == "" {
		return nil, errs.Field("email", "field_required", "give an email or a phone")
	}
	if len(email) > 254 || len(phone) > 40 {
		return nil, errs.Field("email", "too_long", "email or phone is too long")
	}
	var out []store.PrivacySubject
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.PrivacySubjects(ctx, a.TenantID, email, phone)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The lookup is recorded by its result, not by what was looked up.
	return out, s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.rec(ctx, tx, a, event{action: "privacy.lookup", targetType: "privacy", details: map[string]any{"found": len(out)}})
	})
}

// CreatePrivacyRequest registers a request.
func (s *Service) CreatePrivacyRequest(ctx context.Context, a *Actor, in PrivacyRequestInput) (store.PrivacyRequest, error) {
	var r store.PrivacyRequest
	if err := a.need(access.HandlePrivacy); err != nil {
		return r, err
	}
	if err := CheckPrivacyRequest(in); err != nil {
		return r, err
	}
	now := s.now()
	days := in.DueDays
	if days == 0 {
		days = defaultPrivacyDays
	}
	r = store.PrivacyRequest{Kind: in.Kind, SubjectType: in.SubjectType, SubjectID: in.SubjectID, DueAt: now.AddDate(0, 0, days),
		HandlerID: in.HandlerID, Note: strings.TrimSpace(in.Note), CreatedBy: a.UserID, CreatedAt: now}
	if r.HandlerID == 0 {
		r.HandlerID = a.UserID
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		cust, err := subjectCustomer(ctx, tx, a.TenantID, in.SubjectType, in.SubjectID)
		if err != nil {
			return err
		}
		r.CustomerID = cust
		if err := s.checkHandler(ctx, tx, a.TenantID, r.HandlerID); err != nil {
			return err
		}
		if err := tx.CreatePrivacyRequest(ctx, a.TenantID, &r); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "privacy.request", targetType: "privacy_request", targetID: r.ID, links: store.AuditLinks{Customer: r.CustomerID},
			details: map[string]any{"kind": r.Kind, "subject_type": r.SubjectType, "subject_id": r.SubjectID, "due_at": r.DueAt, "handler_id": r.HandlerID}})
	})
	return r, err
}

// subjectCustomer is the customer a subject belongs to: itself, or the
// contact's. A subject not in the tenant is a field error.
func subjectCustomer(ctx context.Context, tx *store.Tx, tenantID int64, typ string, id int64) (int64, error) {
	if typ == "customer" {
		if _, err := tx.Customer(ctx, tenantID, id); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				return 0, errs.Field("subject_id", "invalid_reference", "no customer has the id %d", id)
			}
			return 0, err
		}
		return id, nil
	}
	c, err := tx.Contact(ctx, tenantID, id)
	if errs.KindOf(err) == errs.NotFound {
		return 0, errs.Field("subject_id", "invalid_reference", "no contact has the id %d", id)
	}
	return c.CustomerID, err
}

// checkHandler refuses a handler who is not an active holder of handle_privacy.
func (s *Service) checkHandler(ctx context.Context, tx *store.Tx, tenantID, userID int64) error {
	u, err := tx.User(ctx, tenantID, userID)
	if errs.KindOf(err) == errs.NotFound {
		return errs.Field("handler_id", "invalid_reference", "no user has the id %d", userID)
	}
	if err != nil {
		return err
	}
	sub, _, err := s.subject(ctx, tx, tenantID, u, s.now())
	if err != nil {
		return err
	}
	if u.Status != "active" || !sub.Can(access.HandlePrivacy) {
		return errs.Field("handler_id", "invalid_reference", "the handler must be an active holder of handle_privacy")
	}
	return nil
}

// PrivacyRequests lists the register.
func (s *Service) PrivacyRequests(ctx context.Context, a *Actor, status string) ([]store.PrivacyRequest, error) {
	if err := a.need(access.HandlePrivacy); err != nil {
		return nil, err
	}
	if err := fieldcheck.OneOf("status", status, true, "open", "done", "refused"); err != nil {
		return nil, err
	}
	var out []store.PrivacyRequest
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.PrivacyRequests(ctx, a.TenantID, status, privacyListLimit)
		return err
	})
	return out, err
}

// PrivacyRequest returns one request.
func (s *Service) PrivacyRequest(ctx context.Context, a *Actor, id int64) (store.PrivacyRequest, error) {
	var r store.PrivacyRequest
	if err := a.need(access.HandlePrivacy); err != nil {
		return r, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		r, err = tx.PrivacyRequestByID(ctx, a.TenantID, id, false)
		return err
	})
	return r, err
}

// ClosePrivacyRequest records a request's outcome: done or refused.
func (s *Service) ClosePrivacyRequest(ctx context.Context, a *Actor, id int64, in PrivacyClose) (store.PrivacyRequest, error) {
	if err := fieldcheck.OneOf("status", in.Status, false, "done", "refused"); err != nil {
		return store.PrivacyRequest{}, err
	}
	outcome, err := fieldcheck.Name("outcome", in.Outcome, 1000)
	if err != nil {
		return store.PrivacyRequest{}, err
	}
	return s.onRequest(ctx, a, id, "", func(tx *store.Tx, r *store.PrivacyRequest) (string, string, error) {
		return in.Status, outcome, nil
	})
}

// onRequest runs an action on an open request of the kind ("" any) in one
// transaction: fn returns the status and outcome to close it with ("" to
// leave it open), and is audited as privacy.<kind|close>.
func (s *Service) onRequest(ctx context.Context, a *Actor, id int64, kind string, fn func(*store.Tx, *store.PrivacyRequest) (string, string, error)) (store.PrivacyRequest, error) {
	var r store.PrivacyRequest
	if err := a.need(access.HandlePrivacy); err != nil {
		return r, err
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if r, err = tx.PrivacyRequestByID(ctx, a.TenantID, id, true); err != nil {
			return err
		}
		if r.Status != "open" {
			return errs.E(errs.Conflict, "request_closed", "the request is %s already", r.Status)
		}
		if kind != "" && r.Kind != kind {
			return errs.E(errs.Conflict, "wrong_kind", "this is a %s request, not %s", r.Kind, kind)
		}
		status, outcome, err := fn(tx, &r)
		if err != nil {
			return err
		}
		action := "privacy.close"
		if kind != "" {
			action = "privacy." + kind
		}
		if status != "" {
			now := s.now()
			if err := tx.ClosePrivacyRequest(ctx, a.TenantID, r.ID, status, outcome, now); err != nil {
				return err
			}
			r.Status, r.Outcome, r.ClosedAt = status, outcome, &now
		}
		return s.rec(ctx, tx, a, event{action: action, targetType: "privacy_request", targetID: r.ID, links: store.AuditLinks{Customer: r.CustomerID},
			details: map[string]any{"kind": r.Kind, "subject_type": r.SubjectType, "subject_id": r.SubjectID, "status": r.Status, "outcome": r.Outcome}})
	})
	return r, err
}

// SubjectExport is everything held about a subject (GDPR art. 15, 20;
// PIPL art. 45): the record with every field, what hangs under it, and
// who did what with it, from the audit trail.
type SubjectExport struct {
	RequestID   int64            `json:"request_id"`
	GeneratedAt time.Time        `json:"generated_at"`
	SubjectType string           `json:"subject_type"`
	Customer    *crm.Customer    `json:"customer,omitempty"`
	Contact     *crm.Contact     `json:"contact,omitempty"`
	Contacts    []crm.Contact    `json:"contacts,omitempty"`
	Deals       []crm.Deal       `json:"deals,omitempty"`
	Activities  []crm.Activity   `json:"activities,omitempty"`
	Access      []store.AuditRow `json:"access" doc:"audit entries about the subject: who changed, revealed, shared or exported it, and when"`
	Restricted  bool             `json:"restricted"`
	LegalHold   bool             `json:"legal_hold"`
}

// ExportSubject answers an access request with the subject's data; the
// request stays open until closed.
func (s *Service) ExportSubject(ctx context.Context, a *Actor, id int64) (SubjectExport, error) {
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return SubjectExport{}, err
	}
	var out SubjectExport
	_, err := s.onRequest(ctx, a, id, "access", func(tx *store.Tx, r *store.PrivacyRequest) (string, string, error) {
		out = SubjectExport{RequestID: r.ID, GeneratedAt: s.now(), SubjectType: r.SubjectType}
		page := store.ChildPage{Limit: 100_000}
		var err error
		if r.SubjectType == "customer" {
			c, err := tx.Customer(ctx, a.TenantID, r.SubjectID)
			if err != nil {
				return "", "", err
			}
			out.Customer = &c
			if out.Contacts, err = tx.Contacts(ctx, a.TenantID, c.ID, page); err != nil {
				return "", "", err
			}
			if out.Deals, err = tx.Deals(ctx, a.TenantID, c.ID, page); err != nil {
				return "", "", err
			}
			if out.Activities, err = tx.Activities(ctx, a.TenantID, c.ID, page); err != nil {
				return "", "", err
			}
		} else {
			c, err := tx.Contact(ctx, a.TenantID, r.SubjectID)
			if err != nil {
				return "", "", err
			}
			out.Contact = &c
		}
		if out.Access, err = tx.SubjectAudit(ctx, a.TenantID, r.SubjectType, r.SubjectID, subjectAuditLimit); err != nil {
			return "", "", err
		}
		if out.Restricted, err = tx.Restricted(ctx, a.TenantID, r.CustomerID); err != nil {
			return "", "", err
		}
		out.LegalHold, err = tx.Held(ctx, a.TenantID, r.CustomerID)
		return "", "", err
	})
	return out, err
}

// EraseSubject answers an erasure request: the subject's personal values
// are emptied (a customer with its contacts, or one contact), the business
// records and the audit trail's ids stay; the request is done. A customer
// under a legal hold is refused (GDPR art. 17(3)(e)).
func (s *Service) EraseSubject(ctx context.Context, a *Actor, id int64) (store.PrivacyRequest, error) {
	return s.onRequest(ctx, a, id, "erase", func(tx *store.Tx, r *store.PrivacyRequest) (string, string, error) {
		held, err := tx.Held(ctx, a.TenantID, r.CustomerID)
		if err != nil {
			return "", "", err
		}
		if held {
			return "", "", errs.E(errs.Conflict, "legal_hold", "the customer is under a legal hold; lift it or refuse the request with the reason")
		}
		if r.SubjectType == "customer" {
			err = tx.AnonymiseCustomer(ctx, a.TenantID, r.SubjectID, s.now())
		} else {
			err = tx.AnonymiseContact(ctx, a.TenantID, r.SubjectID, s.now())
		}
		return "done", "erased: personal values emptied", err
	})
}

// RestrictSubject answers a restriction request: the subject's customer is
// frozen from edits and left out of exports until lifted.
func (s *Service) RestrictSubject(ctx context.Context, a *Actor, id int64) (store.PrivacyRequest, error) {
	return s.onRequest(ctx, a, id, "restrict", func(tx *store.Tx, r *store.PrivacyRequest) (string, string, error) {
		return "done", "processing restricted", tx.RestrictProcessing(ctx, a.TenantID, r.CustomerID, r.ID, s.now())
	})
}

// LiftRestriction thaws a customer (handle_privacy).
func (s *Service) LiftRestriction(ctx context.Context, a *Actor, customerID int64) error {
	if err := a.need(access.HandlePrivacy); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.LiftRestriction(ctx, a.TenantID, customerID); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "privacy.lift", targetType: "customer", targetID: customerID, links: store.AuditLinks{Customer: customerID}})
	})
}

// errRestricted refuses a change to a customer whose processing is restricted.
var errRestricted = errs.E(errs.Conflict, "processing_restricted", "processing of this customer is restricted by a privacy request; it cannot be changed until the restriction is lifted")

// ConsentInput is the body of POST /contacts/{id}/consents.
type ConsentInput struct {
	Purpose string `json:"purpose" doc:"marketing, newsletter or profiling"`
	Basis   string `json:"basis" doc:"consent, contract, legitimate_interest or legal_obligation"`
	Status  string `json:"status" doc:"given, withdrawn or objected"`
	Source  string `json:"source" doc:"where it came from (a web form, a call, a contract), without personal values"`
}

// CheckConsent checks a consent record's body as RecordConsent does.
func CheckConsent(in ConsentInput) error {
	if err := fieldcheck.OneOf("purpose", in.Purpose, false, "marketing", "newsletter", "profiling"); err != nil {
		return err
	}
	if err := fieldcheck.OneOf("basis", in.Basis, false, "consent", "contract", "legitimate_interest", "legal_obligation"); err != nil {
		return err
	}
	if err := fieldcheck.OneOf("status", in.Status, false, "given", "withdrawn", "objected"); err != nil {
		return err
	}
	_, err := fieldcheck.Optional("source", in.Source, 200)
	return err
}

// RecordConsent appends a consent record to a contact: by whoever may edit
// the contact, or a holder of handle_privacy (who may also while the
// customer is restricted: a withdrawal must always be recordable).
func (s *Service) RecordConsent(ctx context.Context, a *Actor, contactID int64, in ConsentInput) (store.Consent, error) {
	c := store.Consent{ContactID: contactID, Purpose: in.Purpose, Basis: in.Basis, Status: in.Status, Source: strings.TrimSpace(in.Source),
		RecordedBy: &a.UserID, At: s.now()}
	if err := CheckConsent(in); err != nil {
		return c, err
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		k, err := tx.Contact(ctx, a.TenantID, contactID)
		if err != nil {
			return err
		}
		act := access.Edit
		if a.Subject.Can(access.HandlePrivacy) {
			act = access.View
		}
		if _, err := s.visibleCustomer(ctx, tx, a, k.CustomerID, access.Contact, act); err != nil {
			return err
		}
		if err := tx.AddConsent(ctx, a.TenantID, &c); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "consent.record", targetType: "contact", targetID: contactID, links: store.AuditLinks{Customer: k.CustomerID},
			details: map[string]any{"purpose": c.Purpose, "basis": c.Basis, "status": c.Status}})
	})
	return c, err
}

// Consents lists a contact's consent records, newest first, for whoever
// may see the contact.
func (s *Service) Consents(ctx context.Context, a *Actor, contactID int64) ([]store.Consent, error) {
	var out []store.Consent
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		k, err := tx.Contact(ctx, a.TenantID, contactID)
		if err != nil {
			return err
		}
		if _, err := s.visibleCustomer(ctx, tx, a, k.CustomerID, access.Contact, access.View); err != nil {
			return err
		}
		out, err = tx.Consents(ctx, a.TenantID, contactID)
		return err
	})
	return out, err
}

// ObjectSubject answers an objection to marketing (GDPR art. 21(2)): the
// subject contact, or every contact of the subject customer, is recorded
// as objecting, so marketing exports leave them out from now on.
func (s *Service) ObjectSubject(ctx context.Context, a *Actor, id int64) (store.PrivacyRequest, error) {
	return s.onRequest(ctx, a, id, "object", func(tx *store.Tx, r *store.PrivacyRequest) (string, string, error) {
		ids := []int64{r.SubjectID}
		if r.SubjectType == "customer" {
			ks, err := tx.Contacts(ctx, a.TenantID, r.SubjectID, store.ChildPage{Limit: 100_000})
			if err != nil {
				return "", "", err
			}
			ids = ids[:0]
			for _, k := range ks {
				ids = append(ids, k.ID)
			}
		}
		for _, k := range ids {
			c := store.Consent{ContactID: k, Purpose: "marketing", Basis: "legitimate_interest", Status: "objected",
				Source: "privacy request #" + strconv.FormatInt(r.ID, 10), RecordedBy: &a.UserID, At: s.now()}
			if err := tx.AddConsent(ctx, a.TenantID, &c); err != nil {
				return "", "", err
			}
		}
		return "done", "objection to marketing recorded for " + strconv.Itoa(len(ids)) + " contact(s)", nil
	})
}
