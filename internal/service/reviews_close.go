package service

import (
	"context"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// A campaign's life after creation: started (its items made), decided,
// escalated once if its policy says so, closed at its deadline or by hand
// with the policy applied to what is left, and, if it recurs, followed by
// its next round. The jobs call CloseDueReviews and RecurReviews.

// closeBatch is how many undecided items the deadline revokes per
// transaction: each revocation is a change with its audit entry, and on
// SQLite the transaction holds the only write lock.
const closeBatch = 500

// StartReview makes a draft campaign's items from the current grants of
// everyone in its scope and opens it for decisions.
func (s *Service) StartReview(ctx context.Context, a *Actor, id int64) (Review, error) {
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return Review{}, err
	}
	var out Review
	if err := a.need(access.RunReviews); err != nil {
		return out, err
	}
	// The roles' last use comes from the trail folded per user and action;
	// folding it first, in transactions of its own, keeps the long part of
	// a first fold out of the generating transaction.
	if err := s.foldTrail(ctx, a.TenantID); err != nil {
		return out, err
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		c, err := tx.LockReviewCampaign(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		if c.Status != store.ReviewDraft {
			return errs.E(errs.Conflict, "review_not_draft", "the campaign is %s; only a draft starts", c.Status)
		}
		now := s.now()
		if !c.Deadline.After(now) {
			return errs.E(errs.Conflict, "review_deadline_passed", "the campaign's deadline has passed; create it again with a later one")
		}
		if err := s.startCampaign(ctx, tx, a, c, now); err != nil {
			return err
		}
		c, err = tx.ReviewCampaign(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		out, err = s.reviewView(ctx, tx, a, c, true)
		return err
	})
	return out, err
}

// startCampaign generates a campaign's items and marks it active, with its
// audit entry (a nil actor: a recurring round started by the job).
func (s *Service) startCampaign(ctx context.Context, tx *store.Tx, a *Actor, c store.ReviewCampaign, now time.Time) error {
	n, err := s.generateReview(ctx, tx, c, now)
	if err != nil {
		return err
	}
	if err := tx.MarkReviewStarted(ctx, c.TenantID, c.ID, now); err != nil {
		return err
	}
	return s.record(ctx, tx, a, c.TenantID, event{action: "review.start", targetType: "review", targetID: c.ID,
		details: map[string]any{"users": n.Users, "role_items": n.Roles, "team_items": n.Teams, "share_items": n.Share, "deadline": c.Deadline}})
}

// CloseReview ends an active campaign now: what is undecided gets the
// policy's final outcome (for escalate, its fallback), as at a deadline
// that cannot be escalated any more.
func (s *Service) CloseReview(ctx context.Context, a *Actor, id int64) (Review, error) {
	var out Review
	if err := a.need(access.RunReviews); err != nil {
		return out, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		c, err := tx.ReviewCampaign(ctx, a.TenantID, id)
		if err == nil && c.Status != store.ReviewActive {
			err = errs.E(errs.Conflict, "review_not_active", "the campaign is %s; only an active campaign closes", c.Status)
		}
		return err
	})
	if err != nil {
		return out, err
	}
	if err := s.finishReview(ctx, a, a.TenantID, id, true); err != nil {
		return out, err
	}
	return s.ReviewByID(ctx, a, id)
}

// CloseDueReviews applies the deadline to every active campaign, in every
// tenant, that has reached it (escalating once where the policy says so)
// or has nothing left to decide, and returns how many it escalated or
// closed. It is safe to run on several nodes at once: each campaign's
// steps lock its row and decide only items still pending.
func (s *Service) CloseDueReviews(ctx context.Context) (int, error) {
	var due []store.CampaignRef
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		due, err = tx.DueReviewCampaigns(ctx, s.now())
		return err
	}); err != nil {
		return 0, err
	}
	for _, c := range due {
		if err := s.finishReview(ctx, nil, c.TenantID, c.ID, false); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// finishReview applies a campaign's policy in batches until it is closed
// (or escalated). manual is a close by hand, by a; otherwise a is nil and
// the campaign's deadline (or its emptiness) is the cause.
func (s *Service) finishReview(ctx context.Context, a *Actor, tenantID, id int64, manual bool) error {
	for {
		more := false
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			more, err = s.finishStep(ctx, tx, a, tenantID, id, manual)
			return err
		})
		if err != nil || !more {
			return err
		}
	}
}

// finishStep takes one step of finishReview in one transaction and says
// whether another is needed.
func (s *Service) finishStep(ctx context.Context, tx *store.Tx, a *Actor, tenantID, id int64, manual bool) (bool, error) {
	c, err := tx.LockReviewCampaign(ctx, tenantID, id)
	if err != nil || c.Status != store.ReviewActive {
		return false, err
	}
	now := s.now()
	pending, err := tx.PendingReviewCount(ctx, tenantID, id)
	if err != nil {
		return false, err
	}
	if pending > 0 && !manual && now.Before(c.Due()) {
		return false, nil // decided meanwhile that it is not due
	}
	if pending > 0 && !manual && c.Undecided == "escalate" && c.EscalatedAt == nil {
		return false, s.escalate(ctx, tx, c, now)
	}
	if pending > 0 {
		return s.expireUndecided(ctx, tx, a, c, now)
	}
	if err := tx.MarkReviewClosed(ctx, tenantID, id, now); err != nil {
		return false, err
	}
	progress, err := tx.ReviewProgress(ctx, tenantID, id)
	if err != nil {
		return false, err
	}
	var total ReviewCounts
	for _, p := range progress {
		total.add(ReviewCounts{Total: p.Total, Certified: p.Certified, Revoked: p.Revoked, ExpiredKept: p.ExpiredKept, ExpiredRevoked: p.ExpiredRevoked})
	}
	return false, s.record(ctx, tx, a, tenantID, event{action: "review.close", targetType: "review", targetID: id,
		details: map[string]any{"manual": manual, "items": total.Total, "certified": total.Certified, "revoked": total.Revoked,
			"expired_kept": total.ExpiredKept, "expired_revoked": total.ExpiredRevoked}})
}

// escalate hands every undecided item to its reviewer's manager (or the
// owner) and gives the campaign its one new deadline.
func (s *Service) escalate(ctx context.Context, tx *store.Tx, c store.ReviewCampaign, now time.Time) error {
	n, err := tx.EscalateReviewItems(ctx, c.TenantID, c.ID, c.CreatedBy, now)
	if err != nil {
		return err
	}
	until := now.Add(time.Duration(c.EscalationDays) * 24 * time.Hour)
	if err := tx.MarkReviewEscalated(ctx, c.TenantID, c.ID, now, until); err != nil {
		return err
	}
	return s.record(ctx, tx, nil, c.TenantID, event{action: "review.escalate", targetType: "review", targetID: c.ID,
		details: map[string]any{"items": n, "due": until, "fallback": c.Fallback}})
}

// expireUndecided gives undecided items the policy's final outcome: kept, all
// at once; or revoked, closeBatch at a time. It says whether items are left.
func (s *Service) expireUndecided(ctx context.Context, tx *store.Tx, a *Actor, c store.ReviewCampaign, now time.Time) (bool, error) {
	outcome := c.Undecided
	if outcome == "escalate" {
		outcome = c.Fallback
	}
	var by *int64
	if a != nil {
		by = &a.UserID
	}
	if outcome == "keep" {
		_, err := tx.KeepPendingReviewItems(ctx, c.TenantID, c.ID, by, now)
		return err == nil, err // once more, to close
	}
	items, err := tx.PendingReviewItems(ctx, c.TenantID, c.ID, closeBatch)
	if err != nil {
		return false, err
	}
	rv := newRevoker(s, a, c.TenantID)
	for _, it := range items {
		ok, err := tx.DecideReviewItem(ctx, c.TenantID, it.ID, store.ReviewDecision{Decision: store.DecisionExpiredRevoked, By: by, At: now})
		if err != nil {
			return false, err
		}
		if !ok {
			continue // its reviewer decided it a moment ago (a close by hand races them)
		}
		applied, err := rv.revoke(ctx, tx, it, true)
		if err != nil {
			return false, err
		}
		decision := store.DecisionExpiredRevoked
		if applied == appliedKeptAdmin {
			decision = store.DecisionExpiredKept
		}
		if err := tx.SetReviewItemOutcome(ctx, c.TenantID, it.ID, decision, applied); err != nil {
			return false, err
		}
		if err := s.record(ctx, tx, a, c.TenantID, event{action: "review.expire", targetType: "review_item", targetID: it.ID,
			links: store.AuditLinks{User: it.UserID}, details: itemDetails(it, decision, applied)}); err != nil {
			return false, err
		}
	}
	return true, rv.finish(ctx, tx)
}
