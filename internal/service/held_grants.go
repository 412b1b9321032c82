package service

import (
	"context"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// MyGrants is what a user was given beyond nothing: unexpired role
// assignments and the record-team memberships and shares that reach them,
// soonest expiry first, those without expiry last.
type MyGrants struct {
	Roles     []HeldRole     `json:"roles"`
	Customers []HeldCustomer `json:"customers"`
	// Truncated says that more grants match than the limit let through.
	Truncated bool `json:"truncated"`
}

// HeldRole is one of the user's role assignments.
type HeldRole struct {
	AssignmentID int64      `json:"assignment_id"`
	Role         string     `json:"role"`
	RoleName     string     `json:"role_name"`
	Reason       string     `json:"reason"`
	GrantedBy    *int64     `json:"granted_by"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    *time.Time `json:"expires_at"`
}

// HeldCustomer is a team membership or share that reaches the user.
type HeldCustomer struct {
	Source       string       `json:"source" doc:"team (the record team) or share"`
	GrantID      int64        `json:"grant_id"`
	CustomerID   int64        `json:"customer_id"`
	CustomerName string       `json:"customer_name"`
	Level        access.Level `json:"level"`
	Through      GrantPath    `json:"through"`
	Reason       string       `json:"reason"`
	GrantedBy    *int64       `json:"granted_by"`
	CreatedAt    time.Time    `json:"created_at"`
	ExpiresAt    *time.Time   `json:"expires_at"`
}

// GrantPath is the principal a grant names and that reaches the user: the
// user themselves, their department (or one above it, with its
// sub-departments), one of their groups or one of their roles.
type GrantPath struct {
	Type           string `json:"type"`
	ID             int64  `json:"id"`
	Name           string `json:"name" doc:"the department, group or role; empty for the user themselves"`
	IncludeSubDept bool   `json:"include_subdepartments"`
}

// The limits of GET /me/grants.
const (
	heldDefaultLimit = 100
	heldMaxLimit     = 500
	heldScanFactor   = 10 // grants read per grant listed, at most, when customers are hidden
	maxExpiringSpan  = 366 * 24 * time.Hour
)

// MyGrantsQuery narrows GET /me/grants: only grants ending within a span
// (0 for all), and at most Limit of each kind.
type MyGrantsQuery struct {
	ExpiringWithin time.Duration
	Limit          int
}

// ParseExpiringWithin reads the ?expiring_within filter (1h to 366d).
func ParseExpiringWithin(s string) (time.Duration, error) {
	return ParseSpan("expiring_within", s, time.Hour, maxExpiringSpan)
}

// MyGrants lists the caller's own unexpired grants. A customer grant is
// listed only while the customer is visible to the caller: a restriction
// rule can take away what a share gives, and then the customer's name is
// not the caller's to read.
func (s *Service) MyGrants(ctx context.Context, a *Actor, q MyGrantsQuery) (MyGrants, error) {
	out := MyGrants{Roles: []HeldRole{}, Customers: []HeldCustomer{}}
	if q.Limit == 0 {
		q.Limit = heldDefaultLimit
	}
	if q.Limit < 1 || q.Limit > heldMaxLimit {
		return out, errs.Field("limit", "invalid_parameter", "limit must be a number from 1 to %d", heldMaxLimit)
	}
	now := s.now()
	hq := store.HeldQuery{Now: now, Limit: q.Limit + 1, Grantee: access.Grantee{UserID: a.UserID, DeptID: a.Subject.DeptID,
		DeptPath: a.Subject.DeptPath, Groups: a.Subject.Groups, Roles: a.Subject.RoleIDs}}
	if q.ExpiringWithin > 0 {
		until := now.Add(q.ExpiringWithin)
		hq.Until = &until
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		roles, names, err := tx.HeldAssignments(ctx, a.TenantID, hq)
		if err != nil {
			return err
		}
		for i, r := range roles[:min(len(roles), q.Limit)] {
			out.Roles = append(out.Roles, HeldRole{AssignmentID: r.ID, Role: r.RoleKey, RoleName: names[i], Reason: r.Reason,
				GrantedBy: r.GrantedBy, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt})
		}
		more, err := s.heldCustomers(ctx, tx, a, hq, q.Limit, &out)
		out.Truncated = len(roles) > q.Limit || more
		return err
	})
	return out, err
}

// heldCustomers adds up to limit grants whose customer the caller can see,
// named as the caller reads the name, and reports whether there are more.
// A hidden customer's grant is skipped and the next one read in its place,
// up to heldScanFactor times the limit in all.
func (s *Service) heldCustomers(ctx context.Context, tx *store.Tx, a *Actor, hq store.HeldQuery, limit int, out *MyGrants) (bool, error) {
	names := map[int64]string{}
	hq.Limit = limit + 1
	for hq.Offset = 0; hq.Offset < heldScanFactor*limit; hq.Offset += hq.Limit {
		grants, err := tx.HeldCustomerGrants(ctx, a.TenantID, hq)
		if err != nil {
			return false, err
		}
		for _, g := range grants {
			name, err := s.heldName(ctx, tx, a, g.CustomerID, names)
			if err != nil || name == "" {
				if err != nil {
					return false, err
				}
				continue
			}
			if len(out.Customers) == limit {
				return true, nil
			}
			out.Customers = append(out.Customers, HeldCustomer{Source: g.Source, GrantID: g.ID, CustomerID: g.CustomerID, CustomerName: name,
				Level: g.Level, Through: GrantPath{Type: g.Principal.Type, ID: g.Principal.ID, Name: g.PrincipalName, IncludeSubDept: g.Principal.IncludeSubDept},
				Reason: g.Reason, GrantedBy: g.GrantedBy, CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt})
		}
		if len(grants) < hq.Limit {
			return false, nil
		}
	}
	return true, nil
}

// heldName is the customer's name as the caller reads it, or "" when the
// caller cannot see the customer; names caches it by customer.
func (s *Service) heldName(ctx context.Context, tx *store.Tx, a *Actor, id int64, names map[int64]string) (string, error) {
	if name, seen := names[id]; seen {
		return name, nil
	}
	c, err := s.visibleCustomer(ctx, tx, a, id, access.Customer, access.View)
	if errs.KindOf(err) == errs.NotFound {
		names[id] = ""
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if err := s.redactOne(ctx, tx, a, &c); err != nil {
		return "", err
	}
	if c.Name == "" {
		c.Name = "#" + strconv.FormatInt(c.ID, 10) // the name itself is hidden from the caller
	}
	names[id] = c.Name
	return c.Name, nil
}
