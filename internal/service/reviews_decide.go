package service

import (
	"context"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// maxDecisions is how many items one call decides, all or none.
const maxDecisions = 500

// ReviewDecisionInput is the body of POST /reviews/{id}/items/decide.
type ReviewDecisionInput struct {
	Decisions []ItemDecision `json:"decisions" doc:"1 to 500 items, decided together or not at all"`
}

// ItemDecision is a reviewer's decision on one item.
type ItemDecision struct {
	ItemID   int64  `json:"item_id"`
	Decision string `json:"decision" doc:"certify (keep the grant) or revoke (remove it now)"`
	Comment  string `json:"comment,omitempty" doc:"why; required to revoke; at most 500 characters"`
}

// ReviewDecided is the answer to a decision: the items as decided.
type ReviewDecided struct {
	Items []ReviewItem `json:"items"`
}

// CheckReviewDecisions checks a decision body on its own, as
// DecideReviewItems does before it reads anything.
func CheckReviewDecisions(in ReviewDecisionInput) error {
	_, err := in.check()
	return err
}

func (in ReviewDecisionInput) check() (ReviewDecisionInput, error) {
	if len(in.Decisions) == 0 || len(in.Decisions) > maxDecisions {
		return in, errs.Field("decisions", "invalid_value", "decisions takes 1 to %d items", maxDecisions)
	}
	out := ReviewDecisionInput{Decisions: make([]ItemDecision, len(in.Decisions))}
	seen := make(map[int64]bool, len(in.Decisions))
	for i, d := range in.Decisions {
		field := "decisions[" + strconv.Itoa(i) + "]"
		if d.ItemID <= 0 || seen[d.ItemID] {
			return in, errs.Field(field+".item_id", "invalid_value", "item_id is a positive id, given once")
		}
		seen[d.ItemID] = true
		if err := fieldcheck.OneOf(field+".decision", d.Decision, false, store.DecisionCertify, store.DecisionRevoke); err != nil {
			return in, err
		}
		var err error
		if d.Decision == store.DecisionRevoke {
			d.Comment, err = fieldcheck.Name(field+".comment", d.Comment, 500)
		} else {
			d.Comment, err = fieldcheck.Optional(field+".comment", d.Comment, 500)
		}
		if err != nil {
			return in, err
		}
		out.Decisions[i] = d
	}
	return out, nil
}

// DecideReviewItems records a reviewer's decisions, all in one
// transaction: certified grants stay; revoked ones are removed at once
// through the code of a manual revocation, so the next request of the
// user no longer has them. A reviewer decides only the items assigned to
// them, never one about their own access, and no decided item changes.
func (s *Service) DecideReviewItems(ctx context.Context, a *Actor, campaignID int64, in ReviewDecisionInput) (ReviewDecided, error) {
	out := ReviewDecided{Items: []ReviewItem{}}
	in, err := in.check()
	if err != nil {
		return out, err
	}
	ids := make([]int64, len(in.Decisions))
	for i, d := range in.Decisions {
		ids[i] = d.ItemID
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		c, err := s.visibleReview(ctx, tx, a, campaignID)
		if err != nil {
			return err
		}
		now := s.now()
		if c.Status != store.ReviewActive {
			return errs.E(errs.Conflict, "review_not_active", "the campaign is %s: only an active campaign takes decisions", c.Status)
		}
		if !now.Before(c.Due()) {
			return errs.E(errs.Conflict, "review_deadline_passed", "the campaign's deadline has passed; its policy decides what is left")
		}
		items, err := tx.ReviewItemsByID(ctx, a.TenantID, campaignID, ids)
		if err != nil {
			return err
		}
		rv := newRevoker(s, a, a.TenantID)
		for i, d := range in.Decisions {
			if err := s.decideItem(ctx, tx, a, rv, items[d.ItemID], d, "decisions["+strconv.Itoa(i)+"]", now); err != nil {
				return err
			}
		}
		if err := rv.finish(ctx, tx); err != nil {
			return err
		}
		decided, err := tx.ReviewItemsByID(ctx, a.TenantID, campaignID, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			out.Items = append(out.Items, itemView(decided[id]))
		}
		return s.nameCustomers(ctx, tx, a, out.Items)
	})
	return out, err
}

// decideItem decides one item for its reviewer.
func (s *Service) decideItem(ctx context.Context, tx *store.Tx, a *Actor, rv *revoker, it store.ReviewItem, d ItemDecision, field string, now time.Time) error {
	mine := it.ID != 0 && ((it.ReviewerID != nil && *it.ReviewerID == a.UserID) || (it.ReviewerID == nil && a.Subject.Can(access.RunReviews)))
	if !mine {
		return errs.Field(field+".item_id", "invalid_reference", "item %d is not one of yours to review in this campaign", d.ItemID)
	}
	if it.UserID == a.UserID {
		return errs.E(errs.Forbidden, "own_access", "nobody reviews their own access").WithField(field + ".item_id")
	}
	by := a.UserID
	ok, err := tx.DecideReviewItem(ctx, a.TenantID, it.ID, store.ReviewDecision{Decision: d.Decision, Comment: d.Comment, By: &by, At: now})
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.Conflict, "item_decided", "item %d is decided already; a decision never changes", it.ID).WithField(field + ".item_id")
	}
	applied := ""
	if d.Decision == store.DecisionRevoke {
		if applied, err = rv.revoke(ctx, tx, it, false); err != nil {
			return errs.As(err).WithField(field + ".item_id")
		}
		if err := tx.SetReviewItemOutcome(ctx, a.TenantID, it.ID, d.Decision, applied); err != nil {
			return err
		}
	}
	return s.rec(ctx, tx, a, event{action: "review.decide", targetType: "review_item", targetID: it.ID, links: store.AuditLinks{User: it.UserID},
		details: itemDetails(it, d.Decision, applied)})
}

// itemDetails are an item's identifiers for the audit trail: no names, no
// comment (it is free text, kept in the item itself).
func itemDetails(it store.ReviewItem, decision, applied string) map[string]any {
	d := map[string]any{"review_id": it.CampaignID, "item_id": it.ID, "user_id": it.UserID, "kind": it.Kind, "grant_id": it.GrantID,
		"decision": decision, "change": applied}
	if it.RoleKey != "" {
		d["role"] = it.RoleKey
	}
	if it.CustomerID != nil {
		d["customer_id"] = *it.CustomerID
	}
	return d
}

// What a revocation did, in review_items.applied.
const (
	appliedRevoked   = "revoked"
	appliedGone      = "gone"                    // the reviewed grant had ended or been replaced
	appliedKeptAdmin = "kept_last_administrator" // the deadline does not remove the last administrator
)

// revoker removes the grants of revoked items within one transaction,
// through the service code of manual revocations, with the review's ids
// in their audit entries. A nil actor is the deadline.
type revoker struct {
	s        *Service
	a        *Actor
	tenantID int64
	roles    map[int64]access.Role
	records  bool // a team place or share went: bump the policy version once
}

func newRevoker(s *Service, a *Actor, tenantID int64) *revoker {
	return &revoker{s: s, a: a, tenantID: tenantID}
}

// revoke removes the grant an item names, if it still exists as it was
// reviewed, and says what it did. The last active administrator keeps the
// role: a reviewer is refused, the deadline keeps it (auto).
func (r *revoker) revoke(ctx context.Context, tx *store.Tx, it store.ReviewItem, auto bool) (string, error) {
	extra := map[string]any{"review_id": it.CampaignID, "review_item_id": it.ID}
	switch it.Kind {
	case store.ReviewRole:
		return r.revokeRole(ctx, tx, it, auto, extra)
	case store.ReviewTeam:
		g, ok, err := findGrant(tx.TeamGrants(ctx, r.tenantID, deref(it.CustomerID)))(it.GrantID, r.s.now())
		if err != nil || !ok {
			return appliedGone, err
		}
		r.records = true
		return appliedRevoked, r.s.removeTeamMember(ctx, tx, r.a, r.tenantID, g, extra)
	default:
		g, ok, err := findGrant(tx.ShareGrants(ctx, r.tenantID, deref(it.CustomerID)))(it.GrantID, r.s.now())
		if err != nil || !ok {
			return appliedGone, err
		}
		r.records = true
		return appliedRevoked, r.s.removeShare(ctx, tx, r.a, r.tenantID, g, extra)
	}
}

func (r *revoker) revokeRole(ctx context.Context, tx *store.Tx, it store.ReviewItem, auto bool, extra map[string]any) (string, error) {
	held, err := tx.Assignments(ctx, r.tenantID, it.UserID)
	if err != nil {
		return "", err
	}
	now := r.s.now()
	var live bool
	for _, as := range held {
		live = live || (as.ID == it.GrantID && (as.ExpiresAt == nil || as.ExpiresAt.After(now)))
	}
	if !live {
		return appliedGone, nil
	}
	if r.roles == nil {
		if r.roles, err = rolesByID(ctx, tx, r.tenantID); err != nil {
			return "", err
		}
	}
	role := r.roles[deref(it.RoleID)]
	if role.Key == "administrator" {
		others, err := tx.OtherActiveRoleHolders(ctx, r.tenantID, role.ID, it.UserID, now)
		if err != nil {
			return "", err
		}
		if others == 0 && auto {
			return appliedKeptAdmin, nil
		}
		if others == 0 {
			return "", errs.E(errs.Conflict, "last_administrator", "this is the tenant's last active administrator; give the role to someone else first")
		}
	}
	return appliedRevoked, r.s.unassign(ctx, tx, r.a, r.tenantID, it.UserID, role, extra)
}

// finish bumps the policy version once if team places or shares went
// (role revocations bump it themselves), so every node sees the change on
// its next request.
func (r *revoker) finish(ctx context.Context, tx *store.Tx) error {
	if !r.records {
		return nil
	}
	return tx.BumpPolicy(ctx, r.tenantID)
}

// findGrant finds a grant by id among a customer's, if it has not
// expired: an expired grant gives nothing, and the expiry job removes it.
func findGrant(gs []store.Grant, err error) func(int64, time.Time) (store.Grant, bool, error) {
	return func(id int64, now time.Time) (store.Grant, bool, error) {
		for _, g := range gs {
			if g.ID == id && (g.ExpiresAt == nil || g.ExpiresAt.After(now)) {
				return g, true, err
			}
		}
		return store.Grant{}, false, err
	}
}
