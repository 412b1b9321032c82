package service

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/errs"
	"steward/internal/store"
)

// Dormant accounts and grants without expiry: two lists an access review
// can start from. Each item names its user, and each page carries the
// user ids of its items (UserIDs), the shape a campaign's scope takes.

// DormantAccount is an active user who did nothing in the period.
type DormantAccount struct {
	UserID       int64      `json:"user_id"`
	Name         string     `json:"name"`
	DepartmentID int64      `json:"department_id"`
	CreatedAt    time.Time  `json:"created_at"`
	AgeDays      int        `json:"age_days" doc:"days since the account was created"`
	LastLoginAt  *time.Time `json:"last_login_at"`
	LastActiveAt *time.Time `json:"last_active_at"`
	// NeverSignedIn says the retained trail holds no sign-in of the user.
	NeverSignedIn bool     `json:"never_signed_in"`
	Roles         []string `json:"roles"`
}

// DormantReport is GET /insights/dormant-accounts.
type DormantReport struct {
	Period
	Items      []DormantAccount `json:"items"`
	UserIDs    []int64          `json:"user_ids" doc:"the users of this page, for an access review's scope"`
	NextCursor *string          `json:"next_cursor"`
}

// DormantAccounts lists, by id, active users created before the period
// who did nothing in it: no sign-in, no use of a session or API key, no
// recorded action.
func (s *Service) DormantAccounts(ctx context.Context, a *Actor, days int, after int64, limit int) (DormantReport, error) {
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return DormantReport{}, err
	}
	rep := DormantReport{Items: []DormantAccount{}, UserIDs: []int64{}}
	if err := needInsights(a); err != nil {
		return rep, err
	}
	if limit < 1 || limit > insightMaxLimit {
		limit = insightDefaultLimit
	}
	if err := s.foldTrail(ctx, a.TenantID); err != nil { // last sign-ins
		return rep, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if rep.Period, err = s.period(ctx, tx, a.TenantID, days); err != nil {
			return err
		}
		users, err := tx.DormantUsers(ctx, a.TenantID, rep.Since, after, limit+1)
		if err != nil {
			return err
		}
		if len(users) > limit {
			users = users[:limit]
			c := strconv.FormatInt(users[limit-1].User.ID, 10)
			rep.NextCursor = &c
		}
		ids := make([]int64, len(users))
		for i, u := range users {
			ids[i] = u.User.ID
		}
		held, err := tx.AssignmentsOf(ctx, a.TenantID, ids, rep.At)
		if err != nil {
			return err
		}
		for _, u := range users {
			d := DormantAccount{UserID: u.User.ID, Name: u.User.Name, DepartmentID: u.User.DepartmentID, CreatedAt: u.User.CreatedAt,
				AgeDays: int(rep.At.Sub(u.User.CreatedAt).Hours() / 24), LastLoginAt: u.LastLogin, LastActiveAt: u.LastActive,
				NeverSignedIn: u.LastLogin == nil, Roles: []string{}}
			for _, h := range held {
				if h.UserID == u.User.ID {
					d.Roles = append(d.Roles, h.RoleKey)
				}
			}
			rep.Items = append(rep.Items, d)
			rep.UserIDs = append(rep.UserIDs, u.User.ID)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	return rep, s.recordRead(ctx, a, "dormant-accounts", days)
}

// StaleGrantItem is a grant without expiry older than the period.
type StaleGrantItem struct {
	store.StaleGrant
	AgeDays int `json:"age_days"`
}

// StaleReport is GET /insights/stale-grants.
type StaleReport struct {
	Period
	Items      []StaleGrantItem `json:"items"`
	UserIDs    []int64          `json:"user_ids" doc:"the users the page's grants name, for an access review's scope"`
	NextCursor *string          `json:"next_cursor"`
}

// StaleQuery selects stale grants: of one kind (role, team, share; "" for
// all), after a cursor from an earlier page.
type StaleQuery struct {
	Days   int
	Kind   string
	Cursor string
	Limit  int
}

// ParseStaleCursor reads a stale-grants cursor: a kind and an id, "team.42".
func ParseStaleCursor(c string) (int, int64, error) {
	if c == "" {
		return 0, 0, nil
	}
	kind, id, ok := strings.Cut(c, ".")
	n, err := strconv.ParseInt(id, 10, 64)
	k := slices.Index(store.StaleKinds, kind)
	if !ok || err != nil || n < 0 || k < 0 {
		return 0, 0, errs.Field("cursor", "invalid_cursor", "cursor is not one this list gave out")
	}
	return k, n, nil
}

// StaleGrants lists role assignments, record-team places and shares that
// have no expiry and were given before the period, roles first, each kind
// by id. Those of deactivated users are left out (they reach nobody).
func (s *Service) StaleGrants(ctx context.Context, a *Actor, q StaleQuery) (StaleReport, error) {
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return StaleReport{}, err
	}
	rep := StaleReport{Items: []StaleGrantItem{}, UserIDs: []int64{}}
	if err := needInsights(a); err != nil {
		return rep, err
	}
	if q.Kind != "" && !slices.Contains(store.StaleKinds, q.Kind) {
		return rep, errs.Field("kind", "invalid_parameter", "kind must be role, team or share")
	}
	k, after, err := ParseStaleCursor(q.Cursor)
	if err != nil {
		return rep, err
	}
	if q.Limit < 1 || q.Limit > insightMaxLimit {
		q.Limit = insightDefaultLimit
	}
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if rep.Period, err = s.period(ctx, tx, a.TenantID, q.Days); err != nil {
			return err
		}
		gs, err := tx.StaleGrants(ctx, a.TenantID, rep.Since, q.Kind, k, after, q.Limit+1)
		if err != nil {
			return err
		}
		if len(gs) > q.Limit {
			gs = gs[:q.Limit]
			last := gs[q.Limit-1]
			c := last.Kind + "." + strconv.FormatInt(last.ID, 10)
			rep.NextCursor = &c
		}
		for _, g := range gs {
			rep.Items = append(rep.Items, StaleGrantItem{StaleGrant: g, AgeDays: int(rep.At.Sub(g.CreatedAt).Hours() / 24)})
			if g.UserID != nil && !slices.Contains(rep.UserIDs, *g.UserID) {
				rep.UserIDs = append(rep.UserIDs, *g.UserID)
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	return rep, s.recordRead(ctx, a, "stale-grants", q.Days)
}
