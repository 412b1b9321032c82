package server_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"steward/internal/store"
	"steward/internal/store/storetest"
)

// reviewItem is the part of a review item the tests read.
type reviewItem struct {
	ID         int64  `json:"id"`
	UserID     int64  `json:"user_id"`
	Kind       string `json:"kind"`
	Role       string `json:"role"`
	CustomerID *int64 `json:"customer_id"`
	ReviewerID *int64 `json:"reviewer_id"`
	Status     string `json:"status"`
	Change     string `json:"change"`
}

// An access review campaign end to end over HTTP: the administrator
// creates and starts it over East and West; the East manager sees only
// the items of their reports, certifies one and revokes a team place,
// which the member loses on their next request; nobody decides another
// reviewer's item; at the deadline the job's call revokes what was left
// undecided; the evidence pack lists it all in JSON, CSV and PDF, for the
// administrator only; every step is in the audit trail.
func TestReviewCampaignOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		cust := o.a.mkCustomer("Globex")
		cpath := p("/customers/%d", cust)
		o.a.must("POST", cpath+"/team", map[string]any{"user_id": o.ids["b"], "level": "edit", "reason": "covering holidays"}, 201, nil)
		o.a.must("POST", cpath+"/shares", map[string]any{"principal": map[string]any{"type": "user", "id": o.ids["w"]}, "level": "read",
			"reason": "joint bid", "expires_at": e.clock.Add(30 * 24 * time.Hour).Format(time.RFC3339)}, 201, nil)
		o.b.must("GET", cpath, nil, 200, nil)
		o.w.must("GET", cpath, nil, 200, nil)

		var rv struct {
			ID       int64  `json:"id"`
			Status   string `json:"status"`
			Progress struct {
				Total          int `json:"total"`
				Certified      int `json:"certified"`
				Revoked        int `json:"revoked"`
				ExpiredRevoked int `json:"expired_revoked"`
			} `json:"progress"`
		}
		o.admin.must("POST", "/reviews", map[string]any{"name": "Q3 sales access", "scope": map[string]any{"departments": []int64{o.east, o.west}},
			"reviewers": map[string]any{"rule": "manager"}, "deadline": e.clock.Add(7 * 24 * time.Hour).Format(time.RFC3339), "undecided": "revoke"}, 201, &rv)
		if r := o.m.do("POST", p("/reviews/%d/start", rv.ID), nil); r.status != 403 {
			t.Errorf("a manager without run_reviews starts the campaign: %d %s", r.status, r.body)
		}
		o.admin.must("POST", p("/reviews/%d/start", rv.ID), nil, 200, &rv)
		// m, a, b, w: one role each; b's team place; w's share.
		if rv.Status != "active" || rv.Progress.Total != 6 {
			t.Fatalf("started: %+v", rv)
		}

		var mine struct {
			Items      []reviewItem `json:"items"`
			NextCursor *string      `json:"next_cursor"`
		}
		o.m.must("GET", p("/reviews/%d/items?reviewer=me&status=pending", rv.ID), nil, 200, &mine)
		if len(mine.Items) != 3 { // a's and b's roles, b's team place
			t.Fatalf("the East manager's items: %+v", mine.Items)
		}
		var aRole, bTeam reviewItem
		for _, it := range mine.Items {
			switch {
			case it.UserID == o.ids["a"] && it.Kind == "role":
				aRole = it
			case it.UserID == o.ids["b"] && it.Kind == "team":
				bTeam = it
			}
		}
		var all struct{ Items []reviewItem }
		o.admin.must("GET", p("/reviews/%d/items", rv.ID), nil, 200, &all)
		var wShare reviewItem
		for _, it := range all.Items {
			if it.Kind == "share" {
				wShare = it
			}
		}
		if wShare.ReviewerID == nil || *wShare.ReviewerID == o.ids["m"] {
			t.Fatalf("w has no manager: the owner reviews the share; got %+v", wShare)
		}
		if r := o.m.do("POST", p("/reviews/%d/items/decide", rv.ID), map[string]any{"decisions": []map[string]any{
			{"item_id": wShare.ID, "decision": "certify"}}}); r.status != 400 || r.errField() != "decisions[0].item_id" {
			t.Errorf("m decides the owner's item: %d %s", r.status, r.body)
		}
		if r := o.w.do("GET", p("/reviews/%d", rv.ID), nil); r.status != 404 {
			t.Errorf("w reviews nothing and sees the campaign: %d", r.status)
		}
		o.m.must("POST", p("/reviews/%d/items/decide", rv.ID), map[string]any{"decisions": []map[string]any{
			{"item_id": aRole.ID, "decision": "certify", "comment": "owns accounts"},
			{"item_id": bTeam.ID, "decision": "revoke", "comment": "back from holiday"}}}, 200, nil)
		if r := o.b.do("GET", cpath, nil); r.status != 404 {
			t.Errorf("b after the team place was revoked: %d", r.status)
		}
		if r := o.m.do("POST", p("/reviews/%d/items/decide", rv.ID), map[string]any{"decisions": []map[string]any{
			{"item_id": bTeam.ID, "decision": "certify"}}}); r.status != 409 || r.errCode() != "item_decided" {
			t.Errorf("deciding again: %d %s", r.status, r.body)
		}

		e.advance(7*24*time.Hour + time.Minute)
		if _, err := e.svc.CloseDueReviews(context.Background()); err != nil { // what the review_deadline job runs
			t.Fatal(err)
		}
		o.relogin(e)
		o.admin.must("GET", p("/reviews/%d", rv.ID), nil, 200, &rv)
		if rv.Status != "closed" || rv.Progress.Certified != 1 || rv.Progress.Revoked != 1 || rv.Progress.ExpiredRevoked != 4 {
			t.Fatalf("after the deadline: %+v", rv)
		}
		if r := o.w.do("GET", cpath, nil); r.status != 404 {
			t.Errorf("w still sees Globex after the deadline revoked the share: %d", r.status)
		}

		var ev struct {
			Items []reviewItem `json:"items"`
		}
		o.admin.must("GET", p("/reviews/%d/evidence", rv.ID), nil, 200, &ev)
		if len(ev.Items) != 6 {
			t.Errorf("evidence items: %d", len(ev.Items))
		}
		for _, it := range ev.Items {
			if it.Status == "pending" || (it.Status != "certify" && it.Change != "revoked") {
				t.Errorf("evidence item: %+v", it)
			}
		}
		csv := o.admin.raw("GET", p("/reviews/%d/evidence?format=csv", rv.ID), "", nil)
		if csv.status != 200 || !strings.Contains(string(csv.body), "back from holiday") || strings.Count(string(csv.body), "\n") != 8 {
			t.Errorf("CSV evidence: %d %s", csv.status, csv.body)
		}
		pdf := o.admin.raw("GET", p("/reviews/%d/evidence?format=pdf", rv.ID), "", nil)
		if pdf.status != 200 || !bytes.HasPrefix(pdf.body, []byte("%PDF-")) {
			t.Errorf("PDF evidence: %d %q", pdf.status, pdf.body[:min(len(pdf.body), 16)])
		}
		if r := o.m.do("GET", p("/reviews/%d/evidence", rv.ID), nil); r.status != 403 {
			t.Errorf("a reviewer takes the evidence pack: %d %s", r.status, r.body)
		}
		for action, want := range map[string]int{"review.create": 1, "review.start": 1, "review.decide": 2, "review.expire": 4,
			"review.close": 1, "review.evidence": 3, "team.remove": 1, "share.remove": 1} {
			if got := o.admin.auditCount(action); got != want {
				t.Errorf("%s entries: got %d, want %d", action, got, want)
			}
		}
	})
}
