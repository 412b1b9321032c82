package service_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

func customerAsk(id int64, l access.Level, dur string) service.AccessRequestInput {
	return service.AccessRequestInput{Kind: "customer", CustomerID: id, Level: l, Reason: "covering while they are away", Duration: dur}
}

// A rep asks to read a colleague's customer; their manager sees the
// request, the colleague does not; nobody decides their own request; the
// approval shares the customer with the requester until the asked-for time
// has passed from the approval, and not a moment longer.
func TestAccessRequestCustomerApproval(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		if f.sees(t, f.repA, f.custB) {
			t.Fatal("repA sees repB's customer before any request")
		}
		r := must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, f.as(t, f.repA), customerAsk(f.custB, access.Read, "48h")))
		if r.Status != "pending" || r.CustomerName != "" || r.Duration != "2d" || r.DurationSeconds != 48*3600 {
			t.Fatalf("new request: status %q, customer name %q, duration %q/%d", r.Status, r.CustomerName, r.Duration, r.DurationSeconds)
		}
		_, err := f.svc.DecideAccessRequest(ctx, f.as(t, f.repA), r.ID, true, "")
		wantCode(t, err, errs.Forbidden, "own_request")
		_, err = f.svc.DecideAccessRequest(ctx, f.as(t, f.repB), r.ID, true, "")
		wantCode(t, err, errs.NotFound, "not_found") // a peer is not an approver; the request does not exist for them
		_, err = f.svc.DecideAccessRequest(ctx, f.as(t, f.outsider), r.ID, true, "")
		wantCode(t, err, errs.NotFound, "not_found")
		if got := toDecide(t, f, f.repB); len(got) != 0 {
			t.Fatalf("a peer has %d requests to decide", len(got))
		}
		if got := toDecide(t, f, f.mgr); len(got) != 1 || got[0].ID != r.ID || got[0].CustomerName != "Beta Ltd" {
			t.Fatalf("the manager's requests to decide: %+v", got)
		}

		approvedAt := *f.now
		f.advance(time.Hour)
		approved := must[service.AccessRequest](t)(f.svc.DecideAccessRequest(ctx, f.as(t, f.mgr), r.ID, true, "fine for the week"))
		wantExp := approvedAt.Add(time.Hour + 48*time.Hour)
		if approved.Status != "approved" || approved.GrantID == nil || approved.GrantExpiresAt == nil || !approved.GrantExpiresAt.Equal(wantExp) ||
			approved.DecidedBy == nil || *approved.DecidedBy != f.mgr {
			t.Fatalf("approved request: %+v", approved.AccessRequest)
		}
		if !f.sees(t, f.repA, f.custB) {
			t.Fatal("after approval, the requester cannot open the customer on the very next check")
		}
		mine := must[[]service.AccessRequest](t)(f.svc.AccessRequests(ctx, f.as(t, f.repA), service.AccessRequestList{Mine: true}))
		if len(mine) != 1 || mine[0].Status != "approved" || mine[0].CustomerName != "Beta Ltd" || mine[0].DecisionComment != "fine for the week" {
			t.Fatalf("the requester's view after approval: %+v", mine)
		}
		shares := must[[]store.Grant](t)(f.svc.Shares(ctx, f.admin, f.custB))
		if len(shares) != 1 || shares[0].ID != *approved.GrantID || shares[0].Principal.ID != f.repA || shares[0].Level != access.Read ||
			!strings.HasPrefix(shares[0].Reason, "access request #") {
			t.Fatalf("the share the approval made: %+v", shares)
		}
		_, err = f.svc.DecideAccessRequest(ctx, f.as(t, f.mgr), r.ID, false, "changed my mind")
		wantCode(t, err, errs.Conflict, "request_not_pending")

		f.advance(wantExp.Sub(*f.now) - time.Microsecond)
		if !f.sees(t, f.repA, f.custB) {
			t.Fatal("the grant ended before its expiry")
		}
		f.advance(time.Microsecond)
		if f.sees(t, f.repA, f.custB) {
			t.Fatal("the grant still counts at its expiry")
		}
		wantAudit(t, f, "access_request.create", r.ID, f.repA)
		wantAudit(t, f, "access_request.approve", r.ID, f.mgr)
	})
}

// toDecide is the user's list of requests waiting for their decision.
func toDecide(t *testing.T, f *requestFixture, userID int64) []service.AccessRequest {
	t.Helper()
	return must[[]service.AccessRequest](t)(f.svc.AccessRequests(context.Background(), f.as(t, userID), service.AccessRequestList{ToDecide: true}))
}

// wantAudit finds the entry of an action on a request, by its actor, with
// no personal data: the details hold identifiers only.
func wantAudit(t *testing.T, f *requestFixture, action string, requestID, actor int64) audit.Entry {
	t.Helper()
	entries := must[[]audit.Entry](t)(f.svc.AuditEvents(context.Background(), f.admin, store.AuditQuery{Action: action,
		TargetType: "access_request", Limit: 50}))
	for _, e := range entries {
		if e.TargetID == strconv.FormatInt(requestID, 10) {
			if e.ActorID != actor {
				t.Errorf("%s of request %d: actor %d, want %d", action, requestID, e.ActorID, actor)
			}
			for _, personal := range []string{"@req.example", "Beta Ltd", "Alpha Ltd", "repa", "repb"} {
				if strings.Contains(string(e.Details), personal) {
					t.Errorf("%s of request %d: details hold %q: %s", action, requestID, personal, e.Details)
				}
			}
			return e
		}
	}
	t.Fatalf("no %s entry for request %d", action, requestID)
	return audit.Entry{}
}

// Edit access is given only by someone who may edit, and lets the
// requester edit; a manage_users holder without share rights on the
// customer cannot give what they do not hold.
func TestAccessRequestEditNeedsEdit(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		r := must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, f.as(t, f.repA), customerAsk(f.custOut, access.EditLevel, "3d")))
		_, err := f.svc.DecideAccessRequest(ctx, f.as(t, f.hr), r.ID, true, "")
		wantCode(t, err, errs.NotFound, "not_found") // HR cannot see the customer at all
		if got := toDecide(t, f, f.hr); len(got) != 0 {
			t.Fatalf("HR, who sees no customer, has %d customer requests to decide", len(got))
		}
		if got := toDecide(t, f, f.admin.UserID); len(got) != 1 {
			t.Fatalf("the administrator has %d requests to decide, want 1", len(got))
		}
		must[service.AccessRequest](t)(f.svc.DecideAccessRequest(ctx, f.admin, r.ID, true, ""))
		name := "Outer Ltd (renamed)"
		if _, err := f.svc.UpdateCustomer(ctx, f.as(t, f.repA), f.custOut, crm.CustomerInput{Name: &name}); err != nil {
			t.Fatalf("edit after an approved edit request: %v", err)
		}
	})
}

// A role request is decided by a holder of manage_users who holds every
// function the role carries; the role counts from the next request until
// its expiry. Roles that govern access cannot be asked for, and a role
// held for long enough already cannot be asked for again.
func TestAccessRequestRole(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		ask := service.AccessRequestInput{Kind: "role", Role: "auditor", Reason: "year-end audit", Duration: "72h"}
		r := must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, f.as(t, f.repA), ask))
		if r.Role != "auditor" || r.RoleName != "Auditor" {
			t.Fatalf("role request names %q %q", r.Role, r.RoleName)
		}
		_, err := f.svc.DecideAccessRequest(ctx, f.as(t, f.hr), r.ID, true, "")
		wantCode(t, err, errs.Forbidden, "grant_exceeds_own") // HR lacks view_audit
		if got := toDecide(t, f, f.hr); len(got) != 0 {
			t.Fatalf("HR has %d requests to decide, none of which it may grant", len(got))
		}
		_, err = f.svc.DecideAccessRequest(ctx, f.as(t, f.mgr), r.ID, true, "")
		wantCode(t, err, errs.NotFound, "not_found") // a manager without manage_users sees no role request
		must[service.AccessRequest](t)(f.svc.DecideAccessRequest(ctx, f.admin, r.ID, true, ""))
		if !f.as(t, f.repA).Subject.Can(access.ViewAudit) {
			t.Fatal("the approved role does not count on the next request")
		}
		_, err = f.svc.RequestAccess(ctx, f.as(t, f.repA), service.AccessRequestInput{Kind: "role", Role: "auditor", Reason: "more", Duration: "24h"})
		wantCode(t, err, errs.Conflict, "access_already_held")
		// Asking for longer than the grant runs is allowed: it extends it.
		longer := must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, f.as(t, f.repA), service.AccessRequestInput{Kind: "role", Role: "auditor", Reason: "more", Duration: "7d"}))
		must[service.AccessRequest](t)(f.svc.CancelAccessRequest(ctx, f.as(t, f.repA), longer.ID))

		f.advance(72 * time.Hour)
		if f.as(t, f.repA).Subject.Can(access.ViewAudit) {
			t.Fatal("the role still counts at its expiry")
		}
		_, err = f.svc.RequestAccess(ctx, f.as(t, f.repA), service.AccessRequestInput{Kind: "role", Role: "administrator", Reason: "x", Duration: "1h"})
		wantCode(t, err, errs.Invalid, "role_not_requestable")
		_, err = f.svc.RequestAccess(ctx, f.as(t, f.repA), service.AccessRequestInput{Kind: "role", Role: "hr", Reason: "x", Duration: "1h"})
		wantCode(t, err, errs.Invalid, "role_not_requestable")
		_, err = f.svc.RequestAccess(ctx, f.as(t, f.repA), service.AccessRequestInput{Kind: "role", Role: "nope", Reason: "x", Duration: "1h"})
		wantCode(t, err, errs.Invalid, "invalid_reference")
		wantAudit(t, f, "access_request.approve", r.ID, f.admin.UserID)
	})
}

// Approving never shortens a role the requester came to hold for longer
// in the meantime.
func TestAccessRequestRoleNeverShortened(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		r := must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, f.as(t, f.repA),
			service.AccessRequestInput{Kind: "role", Role: "auditor", Reason: "audit", Duration: "1d"}))
		if err := f.svc.GrantRole(ctx, f.admin, f.repA, service.RoleGrant{Role: "auditor", Reason: "permanent now"}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.DecideAccessRequest(ctx, f.admin, r.ID, true, "")
		wantCode(t, err, errs.Conflict, "access_already_held")
		f.advance(48 * time.Hour)
		if !f.as(t, f.repA).Subject.Can(access.ViewAudit) {
			t.Fatal("the permanent role was shortened")
		}
	})
}

// A refusal needs a comment and is visible to the requester; a decided
// request never changes again, and a pending one lapses after two weeks.
func TestAccessRequestRefusalAndLapse(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		r := must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, f.as(t, f.repA), customerAsk(f.custB, access.Read, "1d")))
		_, err := f.svc.DecideAccessRequest(ctx, f.as(t, f.mgr), r.ID, false, "  ")
		if e := errs.As(err); e.Kind != errs.Invalid || e.Field != "comment" || e.Code != "field_required" {
			t.Fatalf("refusal without a comment: %v", err)
		}
		must[service.AccessRequest](t)(f.svc.DecideAccessRequest(ctx, f.as(t, f.mgr), r.ID, false, "ask Beta's owner first"))
		got := must[service.AccessRequest](t)(f.svc.AccessRequestByID(ctx, f.as(t, f.repA), r.ID))
		if got.Status != "refused" || got.DecisionComment != "ask Beta's owner first" || got.DecidedBy == nil || *got.DecidedBy != f.mgr || got.GrantID != nil {
			t.Fatalf("the requester's view of the refusal: %+v", got.AccessRequest)
		}
		_, err = f.svc.DecideAccessRequest(ctx, f.as(t, f.mgr), r.ID, true, "")
		wantCode(t, err, errs.Conflict, "request_not_pending")
		_, err = f.svc.CancelAccessRequest(ctx, f.as(t, f.repA), r.ID)
		wantCode(t, err, errs.Conflict, "request_not_pending")
		if f.sees(t, f.repA, f.custB) {
			t.Fatal("a refused request gave access")
		}
		wantAudit(t, f, "access_request.refuse", r.ID, f.mgr)

		late := must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, f.as(t, f.repA), customerAsk(f.custB, access.Read, "1d")))
		_, err = f.svc.CancelAccessRequest(ctx, f.as(t, f.mgr), late.ID)
		wantCode(t, err, errs.Forbidden, "not_requester")
		f.advance(service.RequestLapse)
		got = must[service.AccessRequest](t)(f.svc.AccessRequestByID(ctx, f.as(t, f.repA), late.ID))
		if got.Status != "expired" {
			t.Fatalf("a request pending for %v reads %q, want expired", service.RequestLapse, got.Status)
		}
		_, err = f.svc.DecideAccessRequest(ctx, f.as(t, f.mgr), late.ID, true, "")
		wantCode(t, err, errs.Conflict, "request_expired")
		if got := toDecide(t, f, f.mgr); len(got) != 0 {
			t.Fatalf("an expired request is still to decide: %+v", got)
		}
		expired := must[[]service.AccessRequest](t)(f.svc.AccessRequests(ctx, f.as(t, f.repA), service.AccessRequestList{Status: "expired"}))
		if len(expired) != 1 || expired[0].ID != late.ID {
			t.Fatalf("?status=expired: %+v", expired)
		}
		// An expired request is no duplicate: it may be asked for again.
		again := must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, f.as(t, f.repA), customerAsk(f.custB, access.Read, "1d")))
		must[service.AccessRequest](t)(f.svc.CancelAccessRequest(ctx, f.as(t, f.repA), again.ID))
		wantAudit(t, f, "access_request.cancel", again.ID, f.repA)
	})
}

// A request for a customer the requester cannot see and one for an id that
// names no customer are accepted alike, look alike, and refuse a
// duplicate alike; only a customer the requester sees can be "already held".
func TestAccessRequestLeaksNoExistence(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		out := f.as(t, f.outsider)
		missing := f.custOut + 1000
		hidden := must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, out, customerAsk(f.custB, access.Read, "1d")))
		absent := must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, out, customerAsk(missing, access.Read, "1d")))
		if a, b := sansIDs(hidden), sansIDs(absent); a != b {
			t.Fatalf("a hidden customer's request differs from a missing one's:\n%s\n%s", a, b)
		}
		_, e1 := f.svc.RequestAccess(ctx, out, customerAsk(f.custB, access.EditLevel, "2d"))
		_, e2 := f.svc.RequestAccess(ctx, out, customerAsk(missing, access.EditLevel, "2d"))
		if errs.As(e1).Code != "request_pending" || errs.As(e1).Message != errs.As(e2).Message || errs.As(e1).Code != errs.As(e2).Code {
			t.Fatalf("duplicates: %v and %v", e1, e2)
		}
		for _, id := range []int64{hidden.ID, absent.ID} {
			got := must[service.AccessRequest](t)(f.svc.AccessRequestByID(ctx, out, id))
			if got.CustomerName != "" {
				t.Fatalf("the requester reads the name %q of a customer they cannot see", got.CustomerName)
			}
		}
		_, err := f.svc.RequestAccess(ctx, out, customerAsk(f.custOut, access.Read, "1d"))
		wantCode(t, err, errs.Conflict, "access_already_held")
		// Nobody can decide the request for a customer that does not exist.
		_, err = f.svc.DecideAccessRequest(ctx, f.admin, absent.ID, true, "")
		wantCode(t, err, errs.NotFound, "not_found")
	})
}

// sansIDs is a request's view as JSON, without what differs by
// construction: its own id and the customer id asked for.
func sansIDs(r service.AccessRequest) string {
	r.ID, r.CustomerID = 0, nil
	b, _ := json.Marshal(r)
	return string(b)
}

// Every field of a request is checked before any data is read.
func TestAccessRequestInput(t *testing.T) {
	cases := []struct {
		in          service.AccessRequestInput
		field, code string
	}{
		{service.AccessRequestInput{Reason: "r", Duration: "1d"}, "kind", "field_required"},
		{service.AccessRequestInput{Kind: "team", Reason: "r", Duration: "1d"}, "kind", "invalid_value"},
		{service.AccessRequestInput{Kind: "role", Reason: "r", Duration: "1d"}, "role", "field_required"},
		{service.AccessRequestInput{Kind: "role", Role: "auditor", CustomerID: 3, Reason: "r", Duration: "1d"}, "customer_id", "invalid_value"},
		{service.AccessRequestInput{Kind: "role", Role: "auditor", Level: "read", Reason: "r", Duration: "1d"}, "level", "invalid_value"},
		{service.AccessRequestInput{Kind: "customer", Level: "read", Reason: "r", Duration: "1d"}, "customer_id", "field_required"},
		{service.AccessRequestInput{Kind: "customer", CustomerID: -1, Level: "read", Reason: "r", Duration: "1d"}, "customer_id", "field_required"},
		{service.AccessRequestInput{Kind: "customer", CustomerID: 1, Role: "x", Level: "read", Reason: "r", Duration: "1d"}, "role", "invalid_value"},
		{service.AccessRequestInput{Kind: "customer", CustomerID: 1, Level: "owner", Reason: "r", Duration: "1d"}, "level", "invalid_value"},
		{service.AccessRequestInput{Kind: "customer", CustomerID: 1, Level: "read", Duration: "1d"}, "reason", "field_required"},
		{service.AccessRequestInput{Kind: "customer", CustomerID: 1, Level: "read", Reason: strings.Repeat("x", 501), Duration: "1d"}, "reason", "too_long"},
		{service.AccessRequestInput{Kind: "customer", CustomerID: 1, Level: "read", Reason: "a\u202eb", Duration: "1d"}, "reason", "invalid_characters"},
		{service.AccessRequestInput{Kind: "customer", CustomerID: 1, Level: "read", Reason: "r"}, "duration", "field_required"},
		{service.AccessRequestInput{Kind: "customer", CustomerID: 1, Level: "read", Reason: "r", Duration: "91d"}, "duration", "invalid_duration"},
		{service.AccessRequestInput{Kind: "customer", CustomerID: 1, Level: "read", Reason: "r", Duration: "30m"}, "duration", "invalid_duration"},
		{service.AccessRequestInput{Kind: "customer", CustomerID: 1, Level: "read", Reason: "r", Duration: "forever"}, "duration", "invalid_duration"},
	}
	for _, c := range cases {
		err := service.CheckAccessRequest(c.in)
		if e := errs.As(err); e.Kind != errs.Invalid || e.Field != c.field || e.Code != c.code {
			t.Errorf("%+v: got %v, want %s on %s", c.in, err, c.code, c.field)
		}
	}
}

// A requester may have at most 20 requests waiting.
func TestAccessRequestPendingCap(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		a := f.as(t, f.outsider)
		for i := range 20 {
			must[service.AccessRequest](t)(f.svc.RequestAccess(ctx, a, customerAsk(f.custOut+100+int64(i), access.Read, "1d")))
		}
		_, err := f.svc.RequestAccess(ctx, a, customerAsk(f.custB, access.Read, "1d"))
		wantCode(t, err, errs.Conflict, "too_many_pending")
	})
}

// The same request sent several times at once is recorded once: the
// duplicate check holds under concurrency on both engines.
func TestAccessRequestConcurrentDuplicates(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		a := f.as(t, f.repA)
		errsOut := make(chan error, 8)
		for range 8 {
			go func() {
				_, err := f.svc.RequestAccess(ctx, a, customerAsk(f.custB, access.Read, "1d"))
				errsOut <- err
			}()
		}
		ok := 0
		for range 8 {
			err := <-errsOut
			switch {
			case err == nil:
				ok++
			case errs.As(err).Code != "request_pending":
				t.Errorf("a concurrent duplicate: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of 8 identical requests sent at once were recorded, want 1", ok)
		}
	})
}
