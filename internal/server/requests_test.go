package server_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"steward/internal/store"
	"steward/internal/store/storetest"
)

// accessRequest is the part of an access request the tests read.
type accessRequest struct {
	ID             int64      `json:"id"`
	Status         string     `json:"status"`
	CustomerName   string     `json:"customer_name"`
	GrantID        *int64     `json:"grant_id"`
	GrantExpiresAt *time.Time `json:"grant_expires_at"`
}

// Bad input to the access request routes answers 400 with a machine code
// and the field; the routes answer the statuses the document promises.
func TestAccessRequestInputOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		cases := []struct {
			body        any
			code, field string
		}{
			{map[string]any{}, "field_required", "kind"},
			{map[string]any{"kind": "team", "reason": "r", "duration": "1d"}, "invalid_value", "kind"},
			{map[string]any{"kind": "customer", "customer_id": 1, "level": "read", "reason": "r", "duration": "1.5d"}, "invalid_duration", "duration"},
			{map[string]any{"kind": "customer", "customer_id": 1, "level": "read", "reason": "r", "duration": 72}, "invalid_type", "duration"},
			{map[string]any{"kind": "customer", "customer_id": "1", "level": "read", "reason": "r", "duration": "1d"}, "invalid_type", "customer_id"},
			{map[string]any{"kind": "customer", "customer_id": 1, "level": "admin", "reason": "r", "duration": "1d"}, "invalid_value", "level"},
			{map[string]any{"kind": "customer", "customer_id": 1, "level": "read", "duration": "1d"}, "field_required", "reason"},
			{map[string]any{"kind": "customer", "customer_id": 1, "level": "read", "reason": "r", "duration": "1d", "id": 7}, "field_read_only", "id"},
			{map[string]any{"kind": "customer", "customer_id": 1, "level": "read", "reason": "r", "duration": "1d", "status": "approved"}, "unknown_field", "status"},
			{map[string]any{"kind": "customer", "customer_id": 1, "level": "read", "reason": "r", "duration": "1d", "expires_at": "2030-01-01T00:00:00Z"}, "unknown_field", "expires_at"},
			{map[string]any{"kind": "role", "role": "administrator", "reason": "r", "duration": "1d"}, "role_not_requestable", "role"},
			{map[string]any{"kind": "role", "role": "no_such_role", "reason": "r", "duration": "1d"}, "invalid_reference", "role"},
		}
		for _, c := range cases {
			r := o.w.do("POST", "/access-requests", c.body)
			if r.status != 400 || r.errCode() != c.code || r.errField() != c.field {
				t.Errorf("%v: got %d %s, want 400 %s on %s", c.body, r.status, r.body, c.code, c.field)
			}
		}
		for _, q := range []struct{ query, code, field string }{
			{"/me/grants?expiring_within=soon", "invalid_duration", "expiring_within"},
			{"/me/grants?expiring_within=0d", "invalid_duration", "expiring_within"},
			{"/me/grants?limit=0", "invalid_parameter", "limit"},
			{"/me/grants?colour=red", "invalid_parameter", "colour"},
			{"/access-requests?status=approvedish", "invalid_parameter", "status"},
			{"/access-requests?mine=maybe", "invalid_parameter", "mine"},
			{"/access-requests?mine=true&to_decide=true", "invalid_parameter", "to_decide"},
			{"/access-requests?to_decide=true&status=refused", "invalid_parameter", "status"},
		} {
			r := o.w.do("GET", q.query, nil)
			if r.status != 400 || r.errCode() != q.code || r.errField() != q.field {
				t.Errorf("GET %s: got %d %s, want 400 %s on %s", q.query, r.status, r.body, q.code, q.field)
			}
		}
		if r := o.w.do("POST", "/access-requests/abc/approve", map[string]any{}); r.status != 400 || r.errCode() != "invalid_id" {
			t.Errorf("approve /abc: %d %s", r.status, r.body)
		}
		if r := o.w.do("POST", "/access-requests/1/approve", map[string]any{"comment": 5}); r.status != 400 || r.errCode() != "invalid_type" {
			t.Errorf("a comment that is a number: %d %s", r.status, r.body)
		}
	})
}

// A rep in the West asks for an East rep's customer. The request, and the
// request for an id that names nothing, look alike to them; the East
// manager approves it and the rep opens the customer on the very next
// request, until the grant runs out. Nobody decides their own request, a
// peer of the owner cannot see it, a decided request stays decided, and
// every step is in the audit trail.
func TestAccessRequestOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		cust := o.a.mkCustomer("Globex")
		cpath := p("/customers/%d", cust)
		if r := o.w.do("GET", cpath, nil); r.status != 404 {
			t.Fatalf("w before any request: %d", r.status)
		}
		ask := func(id int64) map[string]any {
			return map[string]any{"kind": "customer", "customer_id": id, "level": "read", "reason": "joint bid in the West", "duration": "72h"}
		}
		var req, ghost accessRequest
		hidden := o.w.must("POST", "/access-requests", ask(cust), 201, &req)
		missing := o.w.must("POST", "/access-requests", ask(cust+1000), 201, &ghost)
		if a, b := sansIDs(t, hidden.body), sansIDs(t, missing.body); !bytes.Equal(a, b) {
			t.Errorf("a hidden customer's request differs from a missing one's:\n%s\n%s", a, b)
		}
		r1, r2 := o.w.do("POST", "/access-requests", ask(cust)), o.w.do("POST", "/access-requests", ask(cust+1000))
		if r1.status != 409 || r1.errCode() != "request_pending" || !bytes.Equal(r1.body, r2.body) {
			t.Errorf("duplicates: %d %s / %d %s", r1.status, r1.body, r2.status, r2.body)
		}
		if r := o.a.do("POST", "/access-requests", ask(cust)); r.status != 409 || r.errCode() != "access_already_held" {
			t.Errorf("the owner asks for their own customer: %d %s", r.status, r.body)
		}

		rpath := p("/access-requests/%d", req.ID)
		if r := o.w.do("POST", rpath+"/approve", map[string]any{}); r.status != 403 || r.errCode() != "own_request" {
			t.Errorf("w approves their own request: %d %s", r.status, r.body)
		}
		peer, absent := o.b.do("GET", rpath, nil), o.b.do("GET", "/access-requests/999999", nil)
		if peer.status != 404 || !bytes.Equal(peer.body, absent.body) {
			t.Errorf("a peer of the owner reads the request: %d %s (missing: %s)", peer.status, peer.body, absent.body)
		}
		if r := o.b.do("POST", rpath+"/approve", map[string]any{}); r.status != 404 {
			t.Errorf("a peer of the owner approves: %d %s", r.status, r.body)
		}
		if r := o.m.do("POST", rpath+"/cancel", nil); r.status != 403 || r.errCode() != "not_requester" {
			t.Errorf("the manager cancels w's request: %d %s", r.status, r.body)
		}
		var queue struct{ Items []accessRequest }
		o.m.must("GET", "/access-requests?to_decide=true", nil, 200, &queue)
		if len(queue.Items) != 1 || queue.Items[0].ID != req.ID || queue.Items[0].CustomerName != "Globex" {
			t.Fatalf("the manager's queue: %+v", queue.Items)
		}
		if r := o.m.do("POST", rpath+"/refuse", map[string]any{}); r.status != 400 || r.errField() != "comment" {
			t.Errorf("a refusal without a comment: %d %s", r.status, r.body)
		}

		var approved accessRequest
		o.m.must("POST", rpath+"/approve", map[string]any{"comment": "for the bid"}, 200, &approved)
		if approved.Status != "approved" || approved.GrantID == nil || approved.GrantExpiresAt == nil {
			t.Fatalf("approved: %+v", approved)
		}
		o.w.must("GET", cpath, nil, 200, nil)
		if r := o.m.do("POST", rpath+"/refuse", map[string]any{"comment": "no"}); r.status != 409 || r.errCode() != "request_not_pending" {
			t.Errorf("refusing an approved request: %d %s", r.status, r.body)
		}
		var mine struct{ Items []accessRequest }
		o.w.must("GET", "/access-requests?mine=true&status=approved", nil, 200, &mine)
		if len(mine.Items) != 1 || mine.Items[0].CustomerName != "Globex" {
			t.Errorf("w's approved requests: %+v", mine.Items)
		}
		var grants struct {
			Customers []struct {
				CustomerID int64      `json:"customer_id"`
				GrantID    int64      `json:"grant_id"`
				ExpiresAt  *time.Time `json:"expires_at"`
			} `json:"customers"`
		}
		o.w.must("GET", "/me/grants?expiring_within=3d", nil, 200, &grants)
		if len(grants.Customers) != 1 || grants.Customers[0].CustomerID != cust || grants.Customers[0].GrantID != *approved.GrantID {
			t.Errorf("w's grants expiring within 3 days: %+v", grants.Customers)
		}

		e.advance(72 * time.Hour)
		o.relogin(e)
		if r := o.w.do("GET", cpath, nil); r.status != 404 {
			t.Errorf("w after the grant ran out: %d", r.status)
		}
		var events struct {
			Items []struct {
				Action string `json:"action"`
			}
		}
		o.admin.must("GET", "/audit/events?action=access_request.&limit=20", nil, 200, &events)
		seen := map[string]int{}
		for _, ev := range events.Items {
			seen[ev.Action]++
		}
		if seen["access_request.create"] != 2 || seen["access_request.approve"] != 1 {
			t.Errorf("access request entries in the audit trail: %v", seen)
		}
	})
}

// sansIDs is a request body without the fields that differ by
// construction: its own id and the customer asked for.
func sansIDs(t *testing.T, body []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "id")
	delete(m, "customer_id")
	out, _ := json.Marshal(m)
	return out
}
