package service

import (
	"context"
	"slices"
	"strconv"
	"time"

	"steward/internal/errs"
	"steward/internal/store"
)

// ReviewItem is one grant under review as the API shows it: the grant as
// it was when the campaign started, where it came from, when it was last
// exercised, who reviews it and what they decided.
type ReviewItem struct {
	ID              int64      `json:"id"`
	CampaignID      int64      `json:"campaign_id"`
	UserID          int64      `json:"user_id" doc:"whose access"`
	UserName        string     `json:"user_name"`
	Kind            string     `json:"kind" doc:"role (a role assignment), team (a place on a customer's record team) or share (a share of a customer naming the user)"`
	GrantID         int64      `json:"grant_id" doc:"the role assignment, team place or share reviewed"`
	Role            string     `json:"role" doc:"the role's key, for a role assignment"`
	CustomerID      *int64     `json:"customer_id"`
	CustomerName    string     `json:"customer_name" doc:"empty unless you may see the customer"`
	Level           string     `json:"level" doc:"read or edit, for a team place or share"`
	Reason          string     `json:"reason" doc:"why it was granted (an approved access request says so)"`
	GrantedBy       *int64     `json:"granted_by"`
	GrantedAt       time.Time  `json:"granted_at"`
	ExpiresAt       *time.Time `json:"expires_at"`
	Temporary       bool       `json:"temporary" doc:"the grant ends by itself at expires_at"`
	LastExercisedAt *time.Time `json:"last_exercised_at" doc:"the latest audited use since it was granted; null when none is recorded (views are not audited)"`
	ReviewerID      *int64     `json:"reviewer_id" doc:"null: any run_reviews holder but the user decides"`
	EscalatedFrom   *int64     `json:"escalated_from" doc:"the reviewer before the deadline escalated the item"`
	EscalatedAt     *time.Time `json:"escalated_at"`
	Status          string     `json:"status" doc:"pending, escalated, certify, revoke, expired-kept or expired-revoked"`
	Comment         string     `json:"comment"`
	DecidedBy       *int64     `json:"decided_by" doc:"null for the deadline's decisions"`
	DecidedAt       *time.Time `json:"decided_at"`
	Change          string     `json:"change" doc:"what the decision changed: revoked, gone (the grant had ended or been replaced already) or kept_last_administrator; empty when nothing"`
}

func itemView(it store.ReviewItem) ReviewItem {
	v := ReviewItem{ID: it.ID, CampaignID: it.CampaignID, UserID: it.UserID, UserName: it.UserName, Kind: it.Kind, GrantID: it.GrantID,
		Role: it.RoleKey, CustomerID: it.CustomerID, Level: it.Level, Reason: it.Reason, GrantedBy: it.GrantedBy, GrantedAt: it.GrantedAt,
		ExpiresAt: it.ExpiresAt, Temporary: it.ExpiresAt != nil, LastExercisedAt: it.LastExercisedAt, ReviewerID: it.ReviewerID,
		EscalatedFrom: it.EscalatedFrom, EscalatedAt: it.EscalatedAt, Status: it.Decision, Comment: it.Comment, DecidedBy: it.DecidedBy,
		DecidedAt: it.DecidedAt, Change: it.Applied}
	if v.Status == "" {
		v.Status = "pending"
		if it.EscalatedAt != nil {
			v.Status = "escalated"
		}
	}
	return v
}

// ReviewItemList selects a campaign's items.
type ReviewItemList struct {
	Reviewer string // "me", a user id, or "" for all (those who oversee campaigns)
	Status   string // pending, escalated, decided, or a decision
	Kind     string
	UserID   int64
	Limit    int // 1-500, default 100
	Cursor   string
}

var itemStates = []string{"pending", "escalated", "decided", store.DecisionCertify, store.DecisionRevoke,
	store.DecisionExpiredKept, store.DecisionExpiredRevoked}

func (q ReviewItemList) check(a *Actor) (store.ReviewItemQuery, error) {
	out := store.ReviewItemQuery{Status: q.Status, Kind: q.Kind, UserID: q.UserID, Limit: q.Limit}
	if q.Status != "" && !slices.Contains(itemStates, q.Status) {
		return out, errs.Field("status", "invalid_parameter", "status must be pending, escalated, decided, certify, revoke, expired-kept or expired-revoked")
	}
	if q.Kind != "" && q.Kind != store.ReviewRole && q.Kind != store.ReviewTeam && q.Kind != store.ReviewShare {
		return out, errs.Field("kind", "invalid_parameter", "kind must be role, team or share")
	}
	if out.Limit == 0 {
		out.Limit = 100
	}
	if out.Limit < 1 || out.Limit > 500 {
		return out, errs.Field("limit", "invalid_parameter", "limit must be 1 to 500")
	}
	if q.Cursor != "" {
		after, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || after <= 0 {
			return out, errs.Field("cursor", "invalid_parameter", "cursor must be the next_cursor of the previous page")
		}
		out.After = after
	}
	switch q.Reviewer {
	case "":
	case "me":
		out.ReviewerID = a.UserID
	default:
		id, err := strconv.ParseInt(q.Reviewer, 10, 64)
		if err != nil || id <= 0 {
			return out, errs.Field("reviewer", "invalid_parameter", "reviewer must be me or a user id")
		}
		out.ReviewerID = id
	}
	if !overseesReviews(a) {
		if out.ReviewerID != 0 && out.ReviewerID != a.UserID {
			return out, errs.E(errs.Forbidden, "forbidden", "you see the items you review; other reviewers' need run_reviews or view_audit")
		}
		out.ReviewerID = a.UserID
	}
	return out, nil
}

// ReviewItems lists a campaign's items by id: all of them for those who
// oversee campaigns, a reviewer's own to anyone else.
func (s *Service) ReviewItems(ctx context.Context, a *Actor, campaignID int64, q ReviewItemList) (Page[ReviewItem], error) {
	out := Page[ReviewItem]{Items: []ReviewItem{}}
	sq, err := q.check(a)
	if err != nil {
		return out, err
	}
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, err := s.visibleReview(ctx, tx, a, campaignID); err != nil {
			return err
		}
		its, err := tx.ReviewItems(ctx, a.TenantID, campaignID, sq)
		if err != nil {
			return err
		}
		for _, it := range its {
			out.Items = append(out.Items, itemView(it))
		}
		if len(its) == sq.Limit {
			next := strconv.FormatInt(its[len(its)-1].ID, 10)
			out.NextCursor = &next
		}
		return s.nameCustomers(ctx, tx, a, out.Items)
	})
	return out, err
}

// nameCustomers names the customers of items where the reader may see
// them and read their name.
func (s *Service) nameCustomers(ctx context.Context, tx *store.Tx, a *Actor, items []ReviewItem) error {
	var ids []int64
	for _, it := range items {
		if it.CustomerID != nil && !slices.Contains(ids, *it.CustomerID) {
			ids = append(ids, *it.CustomerID)
		}
	}
	names, err := s.namesFor(ctx, tx, a, ids)
	if err != nil {
		return err
	}
	for i := range items {
		if items[i].CustomerID != nil {
			items[i].CustomerName = names[*items[i].CustomerID]
		}
	}
	return nil
}
