package service

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// Access review campaigns (docs/access-reviews.md): a holder of
// run_reviews names whose access is reviewed, by whom, until when, and
// what happens to what nobody decided; starting the campaign turns the
// effective grants of everyone in scope into items; reviewers certify or
// revoke each, a revocation taking effect at once through the same code as
// a manual one; the deadline applies the policy; the evidence pack lists
// it all. Every step is in the audit trail.

// The limits of a campaign.
const (
	maxReviewSpan       = 366 * 24 * time.Hour // from start to deadline
	maxEscalationDays   = 90
	minRecurrenceDays   = 7
	maxRecurrenceDays   = 366
	maxScopeEntries     = 200
	maxScopeUsers       = 10_000 // the users of fifty pages of an insights list
	maxScopeDays        = 3650
	maxNamedReviewers   = 50
	defaultEscalateDays = 7
	reviewListLimit     = 200
)

// The reviewer rules.
const (
	RuleManager        = "manager"
	RuleDepartmentHead = "department_head"
	RuleRecordOwner    = "record_owner"
	RuleNamed          = "named"
)

// ReviewScope says whose access a campaign reviews: everyone (All), or
// the users meeting every criterion given.
type ReviewScope struct {
	All                   bool     `json:"all,omitempty" doc:"every user of the tenant; nothing else may be given with it"`
	Departments           []int64  `json:"departments,omitempty" doc:"members of these departments"`
	IncludeSubdepartments bool     `json:"include_subdepartments,omitempty" doc:"with departments: members of the departments below them too"`
	Roles                 []string `json:"roles,omitempty" doc:"holders of one of these roles (keys)"`
	Functions             []string `json:"functions,omitempty" doc:"holders of one of these: a system function (approve_exports) or an action of the matrix on any object (export)"`
	Users                 []int64  `json:"users,omitempty" doc:"these users, for example the user_ids of a page of GET /insights/dormant-accounts or /insights/stale-grants"`
	DormantDays           int      `json:"dormant_days,omitempty" doc:"active users who did nothing for this many days (1-3650), as GET /insights/dormant-accounts lists them when the campaign starts"`
	Kinds                 []string `json:"kinds,omitempty" doc:"the grants to review: role, team, share (default all three)"`
	StaleDays             int      `json:"stale_days,omitempty" doc:"review only grants without an expiry given at least this many days (1-3650) before the campaign starts, as GET /insights/stale-grants lists them"`
}

// ReviewerRule says who reviews each item.
type ReviewerRule struct {
	Rule  string  `json:"rule" doc:"manager (each user's manager), department_head (the head of the user's department), record_owner (the customer's owner for team places and shares; the manager for roles) or named"`
	Users []int64 `json:"users,omitempty" doc:"the named reviewers, for the rule named; each user in scope goes to one of them"`
}

// ReviewInput is the body of POST /reviews.
type ReviewInput struct {
	Name           string       `json:"name"`
	Scope          ReviewScope  `json:"scope"`
	Reviewers      ReviewerRule `json:"reviewers"`
	Deadline       time.Time    `json:"deadline" doc:"when undecided items fall to the policy; at most 366 days after the start"`
	Undecided      string       `json:"undecided" doc:"what the deadline does with undecided items: revoke, keep or escalate"`
	EscalationDays int          `json:"escalation_days,omitempty" doc:"escalate: how many days the reviewers' managers get (1-90, default 7)"`
	Fallback       string       `json:"fallback,omitempty" doc:"escalate: what the second deadline does, keep (default) or revoke"`
	RecurrenceDays int          `json:"recurrence_days,omitempty" doc:"start the next round this many days after this one started (7-366); 0 for none"`
}

// ReviewCounts counts a campaign's items, or one reviewer's, by state.
type ReviewCounts struct {
	Total          int `json:"total"`
	Pending        int `json:"pending" doc:"undecided, escalated ones included"`
	Escalated      int `json:"escalated" doc:"undecided items handed on by the deadline"`
	Certified      int `json:"certified"`
	Revoked        int `json:"revoked"`
	ExpiredKept    int `json:"expired_kept"`
	ExpiredRevoked int `json:"expired_revoked"`
}

// ReviewerProgress is one reviewer's share of a campaign.
type ReviewerProgress struct {
	ReviewerID *int64 `json:"reviewer_id" doc:"null for items no one but a run_reviews holder could review"`
	Name       string `json:"name"`
	ReviewCounts
	LastRemindedAt *time.Time `json:"last_reminded_at"`
}

// Review is a campaign as the API shows it.
type Review struct {
	ID             int64              `json:"id"`
	Name           string             `json:"name"`
	Scope          ReviewScope        `json:"scope"`
	Reviewers      ReviewerRule       `json:"reviewers"`
	Deadline       time.Time          `json:"deadline"`
	Due            time.Time          `json:"due" doc:"when undecided items fall to the policy: the deadline, or the later one an escalation set"`
	Undecided      string             `json:"undecided"`
	EscalationDays int                `json:"escalation_days"`
	Fallback       string             `json:"fallback"`
	RecurrenceDays int                `json:"recurrence_days"`
	Status         string             `json:"status" doc:"draft, active or closed"`
	CreatedBy      int64              `json:"created_by" doc:"the owner: items nobody else may review go to them"`
	PreviousID     *int64             `json:"previous_id" doc:"the campaign this round recurs from"`
	Round          int                `json:"round"`
	CreatedAt      time.Time          `json:"created_at"`
	StartedAt      *time.Time         `json:"started_at"`
	EscalatedAt    *time.Time         `json:"escalated_at"`
	ClosedAt       *time.Time         `json:"closed_at"`
	Progress       ReviewCounts       `json:"progress" doc:"all items; for a reviewer without run_reviews or view_audit, their own"`
	ByReviewer     []ReviewerProgress `json:"by_reviewer,omitempty" doc:"per reviewer (GET /reviews/{id}); a reviewer sees their own line"`
}

// CheckReview checks a campaign's fields on their own, as CreateReview
// does before it reads anything.
func CheckReview(in ReviewInput) error {
	_, err := in.check()
	return err
}

func (in ReviewInput) check() (ReviewInput, error) {
	var err error
	if in.Name, err = fieldcheck.Name("name", in.Name, 200); err != nil {
		return in, err
	}
	if err := in.Scope.check(); err != nil {
		return in, err
	}
	if err := in.Reviewers.check(); err != nil {
		return in, err
	}
	if in.Deadline.IsZero() {
		return in, errs.Field("deadline", "field_required", "deadline is required")
	}
	if err := fieldcheck.OneOf("undecided", in.Undecided, false, "revoke", "keep", "escalate"); err != nil {
		return in, err
	}
	if in.Undecided == "escalate" {
		if in.EscalationDays == 0 {
			in.EscalationDays = defaultEscalateDays
		}
		if in.EscalationDays < 1 || in.EscalationDays > maxEscalationDays {
			return in, errs.Field("escalation_days", "invalid_value", "escalation_days must be 1 to %d", maxEscalationDays)
		}
		if in.Fallback == "" {
			in.Fallback = "keep"
		}
		if err := fieldcheck.OneOf("fallback", in.Fallback, false, "keep", "revoke"); err != nil {
			return in, err
		}
	} else if in.EscalationDays != 0 || in.Fallback != "" {
		field := "escalation_days"
		if in.Fallback != "" {
			field = "fallback"
		}
		return in, errs.Field(field, "invalid_value", "%s goes with undecided: escalate only", field)
	}
	if in.RecurrenceDays != 0 && (in.RecurrenceDays < minRecurrenceDays || in.RecurrenceDays > maxRecurrenceDays) {
		return in, errs.Field("recurrence_days", "invalid_value", "recurrence_days must be 0 or %d to %d", minRecurrenceDays, maxRecurrenceDays)
	}
	return in, nil
}

func (sc ReviewScope) check() error {
	criteria := len(sc.Departments) > 0 || len(sc.Roles) > 0 || len(sc.Functions) > 0 || len(sc.Users) > 0 || sc.DormantDays != 0
	switch {
	case sc.All && criteria:
		return errs.Field("scope.all", "invalid_value", "scope.all reviews everyone; give it without other criteria of whom")
	case !sc.All && !criteria:
		return errs.Field("scope", "field_required", "scope needs all: true, or departments, roles, functions, users or dormant_days")
	case sc.IncludeSubdepartments && len(sc.Departments) == 0:
		return errs.Field("scope.include_subdepartments", "invalid_value", "include_subdepartments goes with departments")
	}
	for _, l := range []struct {
		name string
		n    int
	}{{"departments", len(sc.Departments)}, {"roles", len(sc.Roles)}, {"functions", len(sc.Functions)}} {
		if l.n > maxScopeEntries {
			return errs.Field("scope."+l.name, "too_long", "scope.%s takes at most %d entries", l.name, maxScopeEntries)
		}
	}
	if len(sc.Users) > maxScopeUsers {
		return errs.Field("scope.users", "too_long", "scope.users takes at most %d entries", maxScopeUsers)
	}
	for i, u := range sc.Users {
		if u <= 0 || slices.Contains(sc.Users[:i], u) {
			return errs.Field("scope.users["+strconv.Itoa(i)+"]", "invalid_value", "users are distinct positive user ids")
		}
	}
	for _, d := range []struct {
		name string
		n    int
	}{{"dormant_days", sc.DormantDays}, {"stale_days", sc.StaleDays}} {
		if d.n < 0 || d.n > maxScopeDays {
			return errs.Field("scope."+d.name, "invalid_value", "scope.%s must be 1 to %d", d.name, maxScopeDays)
		}
	}
	for i, d := range sc.Departments {
		if d <= 0 {
			return errs.Field("scope.departments["+strconv.Itoa(i)+"]", "invalid_value", "a department id is a positive integer")
		}
	}
	for i, r := range sc.Roles {
		if r == "" || len(r) > 40 {
			return errs.Field("scope.roles["+strconv.Itoa(i)+"]", "invalid_value", "a role key is 1 to 40 characters")
		}
	}
	for i, f := range sc.Functions {
		if !slices.Contains(access.Functions, access.Function(f)) && !slices.Contains(access.Actions, access.Action(f)) {
			return errs.Field("scope.functions["+strconv.Itoa(i)+"]", "invalid_value", "%q is neither a system function nor an action of the matrix", f)
		}
	}
	for i, k := range sc.Kinds {
		if k != store.ReviewRole && k != store.ReviewTeam && k != store.ReviewShare {
			return errs.Field("scope.kinds["+strconv.Itoa(i)+"]", "invalid_value", "a kind is role, team or share")
		}
	}
	return nil
}

// kinds are the kinds of grant the campaign reviews.
func (sc ReviewScope) kinds() []string {
	if len(sc.Kinds) == 0 {
		return []string{store.ReviewRole, store.ReviewTeam, store.ReviewShare}
	}
	return sc.Kinds
}

func (r ReviewerRule) check() error {
	if err := fieldcheck.OneOf("reviewers.rule", r.Rule, false, RuleManager, RuleDepartmentHead, RuleRecordOwner, RuleNamed); err != nil {
		return err
	}
	if r.Rule != RuleNamed {
		if len(r.Users) > 0 {
			return errs.Field("reviewers.users", "invalid_value", "reviewers.users goes with the rule named")
		}
		return nil
	}
	if len(r.Users) == 0 || len(r.Users) > maxNamedReviewers {
		return errs.Field("reviewers.users", "field_required", "the rule named needs 1 to %d reviewers", maxNamedReviewers)
	}
	for i, id := range r.Users {
		if id <= 0 || slices.Contains(r.Users[:i], id) {
			return errs.Field("reviewers.users["+strconv.Itoa(i)+"]", "invalid_value", "reviewers are distinct user ids")
		}
	}
	return nil
}

// CreateReview stores a draft campaign; StartReview makes its items.
func (s *Service) CreateReview(ctx context.Context, a *Actor, in ReviewInput) (Review, error) {
	var out Review
	if err := a.need(access.RunReviews); err != nil {
		return out, err
	}
	in, err := in.check()
	if err != nil {
		return out, err
	}
	now := s.now()
	if !in.Deadline.After(now) || in.Deadline.Sub(now) > maxReviewSpan {
		return out, errs.Field("deadline", "invalid_time", "deadline must be in the future, at most 366 days away")
	}
	scope, _ := json.Marshal(in.Scope)
	rule, _ := json.Marshal(in.Reviewers)
	c := store.ReviewCampaign{TenantID: a.TenantID, Name: in.Name, Scope: string(scope), Reviewers: string(rule),
		Deadline: in.Deadline.UTC().Truncate(time.Microsecond), Undecided: in.Undecided, EscalationDays: in.EscalationDays,
		Fallback: in.Fallback, RecurrenceDays: in.RecurrenceDays, CreatedBy: a.UserID, CreatedAt: now}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := checkReviewRefs(ctx, tx, a.TenantID, in); err != nil {
			return err
		}
		if err := tx.CreateReviewCampaign(ctx, &c); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "review.create", targetType: "review", targetID: c.ID, details: campaignDetails(c)}); err != nil {
			return err
		}
		out, err = s.reviewView(ctx, tx, a, c, false)
		return err
	})
	return out, err
}

// checkReviewRefs checks that the departments, roles, users and named
// reviewers a campaign names exist in the tenant (named reviewers active).
func checkReviewRefs(ctx context.Context, tx *store.Tx, tenantID int64, in ReviewInput) error {
	for i, d := range in.Scope.Departments {
		if _, err := tx.Department(ctx, tenantID, d); errs.KindOf(err) == errs.NotFound {
			return errs.Field("scope.departments["+strconv.Itoa(i)+"]", "invalid_reference", "no department has the id %d", d)
		} else if err != nil {
			return err
		}
	}
	for i, key := range in.Scope.Roles {
		if _, err := tx.Role(ctx, tenantID, key); errs.KindOf(err) == errs.NotFound {
			return errs.Field("scope.roles["+strconv.Itoa(i)+"]", "invalid_reference", "no role has the key %q", key)
		} else if err != nil {
			return err
		}
	}
	known, err := tx.KnownUsers(ctx, tenantID, in.Scope.Users)
	if err != nil {
		return err
	}
	for i, id := range in.Scope.Users {
		if !known[id] {
			return errs.Field("scope.users["+strconv.Itoa(i)+"]", "invalid_reference", "no user has the id %d", id)
		}
	}
	for i, id := range in.Reviewers.Users {
		u, err := tx.User(ctx, tenantID, id)
		if errs.KindOf(err) == errs.NotFound || (err == nil && u.Status != "active") {
			return errs.Field("reviewers.users["+strconv.Itoa(i)+"]", "invalid_reference", "reviewer %d is not an active user", id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// campaignDetails are a campaign's settings for the audit trail: ids and
// rules, no names.
func campaignDetails(c store.ReviewCampaign) map[string]any {
	return map[string]any{"scope": json.RawMessage(c.Scope), "reviewers": json.RawMessage(c.Reviewers), "deadline": c.Deadline,
		"undecided": c.Undecided, "escalation_days": c.EscalationDays, "fallback": c.Fallback, "recurrence_days": c.RecurrenceDays,
		"previous_id": c.PreviousID, "round": c.Round}
}

// Reviews lists campaigns, newest first: every campaign for holders of
// run_reviews or view_audit, and for anyone else those they review items of.
func (s *Service) Reviews(ctx context.Context, a *Actor) ([]Review, error) {
	out := []Review{}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		reviewer := int64(0)
		if !overseesReviews(a) {
			reviewer = a.UserID
		}
		cs, err := tx.ReviewCampaigns(ctx, a.TenantID, reviewer, reviewListLimit)
		if err != nil {
			return err
		}
		for _, c := range cs {
			v, err := s.reviewView(ctx, tx, a, c, false)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// ReviewByID returns one campaign with its progress per reviewer.
func (s *Service) ReviewByID(ctx context.Context, a *Actor, id int64) (Review, error) {
	var out Review
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		c, err := s.visibleReview(ctx, tx, a, id)
		if err != nil {
			return err
		}
		out, err = s.reviewView(ctx, tx, a, c, true)
		return err
	})
	return out, err
}

// overseesReviews: run_reviews holders run campaigns and view_audit
// holders read their evidence; both see every campaign and item.
func overseesReviews(a *Actor) bool {
	return a.Subject.Can(access.RunReviews) || a.Subject.Can(access.ViewAudit)
}

// visibleReview returns a campaign the actor oversees or reviews items
// of; to anyone else it does not exist.
func (s *Service) visibleReview(ctx context.Context, tx *store.Tx, a *Actor, id int64) (store.ReviewCampaign, error) {
	c, err := tx.ReviewCampaign(ctx, a.TenantID, id)
	if err != nil || overseesReviews(a) {
		return c, err
	}
	mine, err := tx.HasReviewItems(ctx, a.TenantID, id, a.UserID)
	if err != nil {
		return c, err
	}
	if !mine {
		return c, errs.NotVisible("review")
	}
	return c, nil
}

// reviewView describes a campaign for the actor: progress over all items
// for those who oversee campaigns, over their own for a reviewer.
func (s *Service) reviewView(ctx context.Context, tx *store.Tx, a *Actor, c store.ReviewCampaign, perReviewer bool) (Review, error) {
	v := Review{ID: c.ID, Name: c.Name, Deadline: c.Deadline, Due: c.Due(), Undecided: c.Undecided, EscalationDays: c.EscalationDays,
		Fallback: c.Fallback, RecurrenceDays: c.RecurrenceDays, Status: c.Status, CreatedBy: c.CreatedBy, PreviousID: c.PreviousID,
		Round: c.Round, CreatedAt: c.CreatedAt, StartedAt: c.StartedAt, EscalatedAt: c.EscalatedAt, ClosedAt: c.ClosedAt}
	if err := json.Unmarshal([]byte(c.Scope), &v.Scope); err != nil {
		return v, errs.Wrap(err, "service.reviewView")
	}
	if err := json.Unmarshal([]byte(c.Reviewers), &v.Reviewers); err != nil {
		return v, errs.Wrap(err, "service.reviewView")
	}
	if c.Status == store.ReviewDraft {
		return v, nil
	}
	progress, err := tx.ReviewProgress(ctx, a.TenantID, c.ID)
	if err != nil {
		return v, err
	}
	all := overseesReviews(a)
	for _, p := range progress {
		if !all && (p.ReviewerID == nil || *p.ReviewerID != a.UserID) {
			continue
		}
		rp := ReviewerProgress{ReviewerID: p.ReviewerID, Name: p.Name, LastRemindedAt: p.LastRemindedAt,
			ReviewCounts: ReviewCounts{Total: p.Total, Pending: p.Pending, Escalated: p.Escalated, Certified: p.Certified,
				Revoked: p.Revoked, ExpiredKept: p.ExpiredKept, ExpiredRevoked: p.ExpiredRevoked}}
		v.Progress.add(rp.ReviewCounts)
		if perReviewer {
			v.ByReviewer = append(v.ByReviewer, rp)
		}
	}
	return v, nil
}

func (c *ReviewCounts) add(o ReviewCounts) {
	c.Total += o.Total
	c.Pending += o.Pending
	c.Escalated += o.Escalated
	c.Certified += o.Certified
	c.Revoked += o.Revoked
	c.ExpiredKept += o.ExpiredKept
	c.ExpiredRevoked += o.ExpiredRevoked
}
