package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// The review jobs besides the deadline: the next round of a recurring
// campaign, and reminders to reviewers with items left to decide.

// Reminders go to a reviewer with undecided items once when the campaign
// starts, then every remindEvery, and every remindFinal in the last
// remindWindow before the deadline.
const (
	remindEvery  = 7 * 24 * time.Hour
	remindFinal  = 24 * time.Hour
	remindWindow = 3 * 24 * time.Hour
)

// RecurReviews starts the next round of every closed recurring campaign,
// in every tenant, whose time has come (recurrence_days after the round
// started): the same scope, rules and policy, a deadline as far from its
// start as the last one's was, the items of today's grants. A round is
// started for its owner, and waits while the owner is not an active
// holder of run_reviews. It returns how many rounds it started.
func (s *Service) RecurReviews(ctx context.Context) (int, error) {
	if err := s.settleAudit(ctx, 0); err != nil {
		return 0, err
	}
	var due []store.CampaignRef
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		due, err = tx.RecurringReviewCampaigns(ctx, s.now())
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, ref := range due {
		if err := s.foldTrail(ctx, ref.TenantID); err != nil { // as StartReview does
			return n, err
		}
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			started, err := s.recur(ctx, tx, ref)
			if started {
				n++
			}
			return err
		})
		if errs.As(err).Code == "review_already_recurred" { // another node was first
			continue
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (s *Service) recur(ctx context.Context, tx *store.Tx, ref store.CampaignRef) (bool, error) {
	prev, err := tx.LockReviewCampaign(ctx, ref.TenantID, ref.ID)
	if err != nil || prev.Status != store.ReviewClosed || prev.StartedAt == nil {
		return false, err
	}
	now := s.now()
	if ok, err := runsReviews(ctx, tx, ref.TenantID, prev.CreatedBy, now); err != nil || !ok {
		return false, err
	}
	next := prev
	next.ID, next.Status, next.PreviousID, next.Round = 0, store.ReviewDraft, &prev.ID, prev.Round+1
	next.Deadline, next.CreatedAt = now.Add(prev.Deadline.Sub(*prev.StartedAt)), now
	next.EscalatedAt, next.EscalatedUntil, next.StartedAt, next.ClosedAt = nil, nil, nil, nil
	if err := tx.CreateReviewCampaign(ctx, &next); err != nil {
		return false, err
	}
	if err := s.record(ctx, tx, nil, ref.TenantID, event{action: "review.create", targetType: "review", targetID: next.ID,
		details: campaignDetails(next)}); err != nil {
		return false, err
	}
	return true, s.startCampaign(ctx, tx, nil, next, now)
}

// runsReviews reports whether the user is active and holds run_reviews.
func runsReviews(ctx context.Context, tx *store.Tx, tenantID, userID int64, now time.Time) (bool, error) {
	u, err := tx.User(ctx, tenantID, userID)
	if err != nil || u.Status != org.StatusActive {
		return false, err
	}
	roles, err := tx.UserRoles(ctx, tenantID, userID, now)
	for _, r := range roles {
		if slices.Contains(r.Functions, access.RunReviews) {
			return true, err
		}
	}
	return false, err
}

// RemindReviewers reminds, in every tenant, the reviewers of active
// campaigns who have items left to decide and are due a reminder. Each
// reminder is recorded (review_reminders, and review.remind in the audit
// trail) and, with a Sender, also delivered; a failed delivery is logged,
// not retried. It returns how many reminders it recorded.
func (s *Service) RemindReviewers(ctx context.Context) (int, error) {
	var active []store.CampaignRef
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		active, err = tx.ActiveReviewCampaigns(ctx, s.now())
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, ref := range active {
		var msgs []Message
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			msgs, err = s.remind(ctx, tx, ref)
			return err
		})
		if err != nil {
			return n, err
		}
		n += len(msgs)
		for _, m := range msgs {
			if s.Sender == nil {
				break
			}
			if err := s.Sender.Send(ctx, m); err != nil {
				s.Log.Error("review reminder not delivered", "review_id", ref.ID, "user_id", m.UserID, "err", err)
			}
		}
	}
	return n, nil
}

// remind records the reminders one campaign is due and returns them as
// messages to send once they are committed.
func (s *Service) remind(ctx context.Context, tx *store.Tx, ref store.CampaignRef) ([]Message, error) {
	c, err := tx.ReviewCampaign(ctx, ref.TenantID, ref.ID)
	if err != nil || c.Status != store.ReviewActive {
		return nil, err
	}
	now := s.now()
	every := remindEvery
	if c.Due().Sub(now) <= remindWindow {
		every = remindFinal
	}
	dues, err := tx.ReviewersWithPending(ctx, ref.TenantID, ref.ID)
	if err != nil {
		return nil, err
	}
	var out []Message
	for _, d := range dues {
		if d.LastRemindedAt != nil && now.Sub(*d.LastRemindedAt) < every {
			continue
		}
		u, err := tx.User(ctx, ref.TenantID, d.ReviewerID)
		if err != nil {
			return nil, err
		}
		if err := tx.RecordReviewReminder(ctx, ref.TenantID, ref.ID, d.ReviewerID, d.Pending, now); err != nil {
			return nil, err
		}
		if err := s.record(ctx, tx, nil, ref.TenantID, event{action: "review.remind", targetType: "review", targetID: ref.ID,
			links: store.AuditLinks{User: d.ReviewerID}, details: map[string]any{"reviewer_id": d.ReviewerID, "pending": d.Pending, "due": c.Due()}}); err != nil {
			return nil, err
		}
		out = append(out, Message{UserID: u.ID, To: u.Email, Subject: fmt.Sprintf("Access review: %d items to decide", d.Pending),
			Body: fmt.Sprintf("You have %d items to decide in the access review %q (campaign %d) by %s UTC.\n"+
				"They are listed at GET /api/v1/reviews/%d/items?reviewer=me&status=pending.\n",
				d.Pending, c.Name, c.ID, c.Due().Format("2006-01-02 15:04"), c.ID)})
	}
	return out, nil
}
