package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"steward/internal/errs"
	"steward/internal/service"
)

// At its deadline a campaign that keeps undecided items closes with them
// kept; nothing is decided before the deadline, and decisions stop at it.
func TestReviewDeadlineKeep(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		ctx := context.Background()
		r := f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{Roles: []string{"sales_rep"}}, Undecided: "keep",
			Deadline: f.now.Add(7 * 24 * time.Hour)})
		if n := must[int](t)(f.svc.CloseDueReviews(ctx)); n != 0 {
			t.Fatalf("closed %d campaigns before their deadline", n)
		}
		f.advance(7 * 24 * time.Hour)
		team := find(t, f.items(t, r.ID), f.repB, "team", "", f.custA)
		_, err := f.svc.DecideReviewItems(ctx, f.as(t, f.mgr), r.ID, decisions(team.ID, "certify", ""))
		wantCode(t, err, errs.Conflict, "review_deadline_passed")
		if n := must[int](t)(f.svc.CloseDueReviews(ctx)); n != 1 {
			t.Fatalf("closed %d campaigns at the deadline, want 1", n)
		}
		got := must[service.Review](t)(f.svc.ReviewByID(ctx, f.admin, r.ID))
		if got.Status != "closed" || got.Progress.ExpiredKept != 5 || got.Progress.Pending != 0 || got.ClosedAt == nil {
			t.Fatalf("closed campaign: %+v", got)
		}
		if !seesCustomer(t, f, f.repB, f.custA) || !seesCustomer(t, f, f.repA, f.custB) {
			t.Error("keep removed a grant")
		}
		if es := reviewAudit(t, f, "review.close"); len(es) != 1 || es[0].ActorType != "system" {
			t.Errorf("review.close entries: %+v", es)
		}
	})
}

// An escalating campaign hands what is undecided at its deadline to the
// reviewers' managers, once, with a new deadline; at that one the
// fallback (here revoke) takes what is left, through the code of a manual
// revocation, so the user loses it on the next check.
func TestReviewDeadlineEscalate(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		ctx := context.Background()
		r := f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{Roles: []string{"sales_rep"}}, Undecided: "escalate",
			EscalationDays: 2, Fallback: "revoke", Deadline: f.now.Add(7 * 24 * time.Hour)})
		rep := find(t, f.items(t, r.ID), f.repA, "role", "sales_rep", 0)
		must[service.ReviewDecided](t)(f.svc.DecideReviewItems(ctx, f.as(t, f.mgr), r.ID, decisions(rep.ID, "certify", "")))
		f.advance(7*24*time.Hour + time.Minute)
		must[int](t)(f.svc.CloseDueReviews(ctx))
		got := must[service.Review](t)(f.svc.ReviewByID(ctx, f.admin, r.ID))
		if got.Status != "active" || got.EscalatedAt == nil || !got.Due.Equal(f.now.Add(2*24*time.Hour)) || got.Progress.Escalated != 4 {
			t.Fatalf("escalated campaign: %+v", got)
		}
		items := f.items(t, r.ID)
		team := find(t, items, f.repB, "team", "", f.custA)
		if team.Status != "escalated" || team.EscalatedFrom == nil || *team.EscalatedFrom != f.mgr {
			t.Fatalf("repb's team place after escalation: %+v", team)
		}
		wantReviewer(t, "escalated to mgr's manager", team, f.head)
		must[service.ReviewDecided](t)(f.svc.DecideReviewItems(ctx, f.as(t, f.head), r.ID, decisions(team.ID, "certify", "still covering")))
		must[int](t)(f.svc.CloseDueReviews(ctx)) // not yet due again: nothing happens
		if got := must[service.Review](t)(f.svc.ReviewByID(ctx, f.admin, r.ID)); got.Status != "active" {
			t.Fatalf("closed before the escalation's deadline")
		}
		f.advance(2 * 24 * time.Hour)
		must[int](t)(f.svc.CloseDueReviews(ctx))
		got = must[service.Review](t)(f.svc.ReviewByID(ctx, f.admin, r.ID))
		if got.Status != "closed" || got.Progress.Certified != 2 || got.Progress.ExpiredRevoked != 3 {
			t.Fatalf("closed after escalation: %+v", got.Progress)
		}
		if seesCustomer(t, f, f.repA, f.custB) {
			t.Error("repa still sees Beta after the fallback revoked the share")
		}
		if !seesCustomer(t, f, f.repB, f.custA) {
			t.Error("repb lost the certified team place")
		}
		if keys := must[[]string](t)(roleKeys(f, f.repB)); len(keys) != 0 {
			t.Errorf("repb's roles after the fallback: %v, want none", keys)
		}
		if es := reviewAudit(t, f, "review.escalate"); len(es) != 1 {
			t.Errorf("review.escalate entries: %d", len(es))
		}
		if es := reviewAudit(t, f, "review.expire"); len(es) != 3 {
			t.Errorf("review.expire entries: %d, want 3", len(es))
		}
	})
}

func roleKeys(f *reviewFixture, user int64) ([]string, error) {
	as, err := f.svc.Assignments(context.Background(), f.admin, user)
	var out []string
	for _, a := range as {
		out = append(out, a.RoleKey)
	}
	return out, err
}

// A campaign that revokes undecided items revokes them all at the deadline
// but never the last active administrator's role; closing by hand applies
// the policy at once.
func TestReviewDeadlineRevoke(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		ctx := context.Background()
		r := f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{All: true}, Undecided: "revoke"})
		_, err := f.svc.CloseReview(ctx, f.as(t, f.mgr), r.ID)
		wantCode(t, err, errs.Forbidden, "forbidden")
		got := must[service.Review](t)(f.svc.CloseReview(ctx, f.admin, r.ID))
		if got.Status != "closed" || got.Progress.ExpiredRevoked != 9 || got.Progress.ExpiredKept != 1 {
			t.Fatalf("closed by hand: %+v", got.Progress)
		}
		admin := find(t, f.items(t, r.ID), f.adminID, "role", "administrator", 0)
		if admin.Status != "expired-kept" || admin.Change != "kept_last_administrator" || admin.DecidedBy == nil || *admin.DecidedBy != f.adminID {
			t.Errorf("the last administrator's role: %+v", admin)
		}
		if seesCustomer(t, f, f.repB, f.custA) {
			t.Error("repb keeps the team place the policy revoked")
		}
		_, err = f.svc.CloseReview(ctx, f.admin, r.ID)
		wantCode(t, err, errs.Conflict, "review_not_active")
	})
}

// A recurring campaign's next round starts, for its owner, recurrence_days
// after the last one started: same rules, a deadline as far from its start,
// today's grants; once.
func TestReviewRecurrence(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		ctx := context.Background()
		r := f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{Roles: []string{"sales_rep"}}, RecurrenceDays: 30,
			Deadline: f.now.Add(10 * 24 * time.Hour)})
		f.advance(10 * 24 * time.Hour)
		must[int](t)(f.svc.CloseDueReviews(ctx))
		if n := must[int](t)(f.svc.RecurReviews(ctx)); n != 0 {
			t.Fatalf("recurred %d before the period", n)
		}
		f.advance(20 * 24 * time.Hour)
		if n := must[int](t)(f.svc.RecurReviews(ctx)); n != 1 {
			t.Fatalf("recurred %d, want 1", n)
		}
		if n := must[int](t)(f.svc.RecurReviews(ctx)); n != 0 {
			t.Fatalf("recurred again: %d", n)
		}
		all := must[[]service.Review](t)(f.svc.Reviews(ctx, f.admin))
		next := all[0]
		if len(all) != 2 || next.PreviousID == nil || *next.PreviousID != r.ID || next.Round != 2 || next.Status != "active" ||
			!next.Deadline.Equal(f.now.Add(10*24*time.Hour)) || next.Progress.Total != 3 || next.CreatedBy != f.adminID {
			t.Fatalf("the next round: %+v", next)
		}
		if es := reviewAudit(t, f, "review.create"); len(es) != 2 || es[0].ActorType != "system" {
			t.Errorf("review.create entries: %+v", es)
		}
	})
}

// The evidence pack lists every item with its decision, reviewer, time
// and change, as JSON, CSV (watermarked) and PDF; each is recorded with
// its SHA-256. Reviewers without run_reviews or view_audit cannot take it.
func TestReviewEvidence(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		ctx := context.Background()
		r := f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{All: true}})
		share := find(t, f.items(t, r.ID), f.repA, "share", "", f.custB)
		must[service.ReviewDecided](t)(f.svc.DecideReviewItems(ctx, f.as(t, f.mgr), r.ID, decisions(share.ID, "revoke", "the bid was lost")))
		f.advance(15 * 24 * time.Hour)
		must[int](t)(f.svc.CloseDueReviews(ctx))

		ev := must[service.ReviewEvidence](t)(f.svc.ReviewEvidenceJSON(ctx, f.admin, r.ID))
		if len(ev.Items) != 10 || ev.Review.Status != "closed" || len(ev.Review.ByReviewer) == 0 {
			t.Fatalf("evidence: %d items, review %+v", len(ev.Items), ev.Review)
		}
		data, name, err := f.svc.ReviewEvidenceCSV(ctx, f.admin, r.ID)
		if err != nil || !strings.HasSuffix(name, ".csv") {
			t.Fatal(name, err)
		}
		rows, err := csv.NewReader(bytes.NewReader(data[bytes.IndexByte(data, '\n')+1:])).ReadAll() // past the watermark
		if err != nil || len(rows) != 11 || rows[0][0] != "item_id" {
			t.Fatalf("CSV: %d rows, %v: %s", len(rows), err, data)
		}
		if !strings.Contains(string(data), "the bid was lost") || !strings.Contains(string(data), ",revoke,") || !strings.Contains(string(data), "expired-kept") {
			t.Errorf("CSV lacks the decisions: %s", data)
		}
		pdf, name, err := f.svc.ReviewEvidencePDF(ctx, f.admin, r.ID)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) || !strings.HasSuffix(name, ".pdf") {
			t.Fatalf("PDF: %q %v", pdf[:min(len(pdf), 20)], err)
		}
		again, _, _ := f.svc.ReviewEvidencePDF(ctx, f.admin, r.ID)
		if !bytes.Equal(pdf, again) {
			t.Error("the same pack rendered two different PDFs")
		}
		es := reviewAudit(t, f, "review.evidence")
		if len(es) != 4 || !strings.Contains(string(es[0].Details), `"sha256":`) || !strings.Contains(string(es[0].Details), `"format":"pdf"`) {
			t.Errorf("review.evidence entries: %d", len(es))
		}
		_, err = f.svc.ReviewEvidenceJSON(ctx, f.as(t, f.mgr), r.ID)
		wantCode(t, err, errs.Forbidden, "forbidden")
	})
}

// Reviewers with undecided items are reminded when the campaign starts,
// then weekly, then daily in its last three days; each reminder is recorded
// and goes out through the Sender.
func TestReviewReminders(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		ctx := context.Background()
		sent := &captureSender{}
		f.svc.Sender = sent
		r := f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{Roles: []string{"sales_rep"}}, Deadline: f.now.Add(10 * 24 * time.Hour)})
		if n := must[int](t)(f.svc.RemindReviewers(ctx)); n != 1 || len(sent.msgs) != 1 || sent.msgs[0].UserID != f.mgr ||
			!strings.Contains(sent.msgs[0].Subject, "5 items") {
			t.Fatalf("first reminders: %d, %+v", n, sent.msgs)
		}
		f.advance(24 * time.Hour)
		if n := must[int](t)(f.svc.RemindReviewers(ctx)); n != 0 {
			t.Fatalf("reminded again the next day: %d", n)
		}
		f.advance(6 * 24 * time.Hour) // 3 days left: a week since the first
		if n := must[int](t)(f.svc.RemindReviewers(ctx)); n != 1 {
			t.Fatalf("weekly reminder: %d", n)
		}
		f.advance(24 * time.Hour)
		if n := must[int](t)(f.svc.RemindReviewers(ctx)); n != 1 {
			t.Fatalf("daily reminder near the deadline: %d", n)
		}
		got := must[service.Review](t)(f.svc.ReviewByID(ctx, f.admin, r.ID))
		if len(got.ByReviewer) != 1 || got.ByReviewer[0].LastRemindedAt == nil || !got.ByReviewer[0].LastRemindedAt.Equal(*f.now) {
			t.Errorf("progress per reviewer: %+v", got.ByReviewer)
		}
		if es := reviewAudit(t, f, "review.remind"); len(es) != 3 {
			t.Errorf("review.remind entries: %d, want 3", len(es))
		}
	})
}

type captureSender struct{ msgs []service.Message }

func (c *captureSender) Send(_ context.Context, m service.Message) error {
	c.msgs = append(c.msgs, m)
	return nil
}
