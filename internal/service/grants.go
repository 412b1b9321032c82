package service

import (
	"context"
	"maps"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// TeamInput puts a user on a record team.
type TeamInput struct {
	UserID    int64        `json:"user_id"`
	Level     access.Level `json:"level"`
	ExpiresAt *time.Time   `json:"expires_at,omitempty"`
	Reason    string       `json:"reason,omitempty"`
}

// ShareInput shares a customer with a principal.
type ShareInput struct {
	Principal access.Principal `json:"principal"`
	Level     access.Level     `json:"level"`
	ExpiresAt *time.Time       `json:"expires_at,omitempty"`
	Reason    string           `json:"reason,omitempty"`
}

// grantInput is what team memberships and shares have in common.
type grantInput struct {
	Level     access.Level
	ExpiresAt *time.Time
	Reason    string
}

// TeamMembers lists a visible customer's record team, expired members included.
func (s *Service) TeamMembers(ctx context.Context, a *Actor, customerID int64) ([]store.Grant, error) {
	var out []store.Grant
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, err := s.visibleCustomer(ctx, tx, a, customerID, access.Customer, access.View); err != nil {
			return err
		}
		var err error
		out, err = tx.TeamGrants(ctx, a.TenantID, customerID)
		return err
	})
	return out, err
}

// Shares lists a visible customer's shares, expired ones included.
func (s *Service) Shares(ctx context.Context, a *Actor, customerID int64) ([]store.Grant, error) {
	var out []store.Grant
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, err := s.visibleCustomer(ctx, tx, a, customerID, access.Customer, access.View); err != nil {
			return err
		}
		var err error
		out, err = tx.ShareGrants(ctx, a.TenantID, customerID)
		return err
	})
	return out, err
}

// AddTeamMember puts a user on a customer's team. Like sharing, it needs the
// share action through role scope on the record, and nobody gives more than
// they hold: edit level needs edit access.
func (s *Service) AddTeamMember(ctx context.Context, a *Actor, customerID int64, in TeamInput) (store.Grant, error) {
	g := store.Grant{CustomerID: customerID, Principal: access.Principal{Type: access.PrincipalUser, ID: in.UserID}}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.checkGrant(ctx, tx, a, customerID, &g, grantInput{in.Level, in.ExpiresAt, in.Reason}, "user_id"); err != nil {
			return err
		}
		prev, err := teamPlace(ctx, tx, a.TenantID, customerID, in.UserID)
		if err != nil {
			return err
		}
		if err := tx.AddTeamMember(ctx, a.TenantID, &g, s.now()); err != nil {
			return err
		}
		// previous is the place this one replaced (null: none), so the
		// trail can be read backwards (access_at.go).
		var previous any
		if prev != nil {
			previous = map[string]any{"grant_id": prev.ID, "level": prev.Level, "expires_at": prev.ExpiresAt}
		}
		return s.recordGrant(ctx, tx, a, a.TenantID, "team.add", g, map[string]any{"previous": previous})
	})
	return g, err
}

// AddShare shares a customer with a user, department, group or role.
func (s *Service) AddShare(ctx context.Context, a *Actor, customerID int64, in ShareInput) (store.Grant, error) {
	var g store.Grant
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		g, err = s.addShare(ctx, tx, a, customerID, in)
		return err
	})
	return g, err
}

// addShare is AddShare inside a transaction, for an approved access
// request to share by the same rules.
func (s *Service) addShare(ctx context.Context, tx *store.Tx, a *Actor, customerID int64, in ShareInput) (store.Grant, error) {
	g := store.Grant{CustomerID: customerID, Principal: in.Principal}
	if err := s.checkGrant(ctx, tx, a, customerID, &g, grantInput{in.Level, in.ExpiresAt, in.Reason}, "principal"); err != nil {
		return g, err
	}
	if err := tx.AddShare(ctx, a.TenantID, &g, s.now()); err != nil {
		return g, err
	}
	return g, s.recGrant(ctx, tx, a, "share.add", g)
}

func (s *Service) checkGrant(ctx context.Context, tx *store.Tx, a *Actor, customerID int64, g *store.Grant, in grantInput, field string) error {
	c, err := s.visibleCustomer(ctx, tx, a, customerID, access.Customer, access.Share)
	if err != nil {
		return err
	}
	if in.Level != access.Read && in.Level != access.EditLevel {
		return errs.Field("level", "invalid_value", "level must be read or edit")
	}
	if in.Level == access.EditLevel {
		rec, err := recordOf(ctx, tx, a.TenantID, c)
		if err != nil {
			return err
		}
		if !a.Subject.Check(access.Customer, access.Edit, rec).Allowed {
			return errs.E(errs.Forbidden, "grant_exceeds_own", "you cannot give edit access to a record you may not edit")
		}
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		return errs.Field("expires_at", "invalid_time", "expires_at must be in the future")
	}
	reason, err := fieldcheck.Optional("reason", in.Reason, 500)
	if err != nil {
		return err
	}
	if err := s.checkPrincipal(ctx, tx, a, g.Principal, field); err != nil {
		return err
	}
	by := a.UserID
	g.Level, g.ExpiresAt, g.Reason, g.GrantedBy = in.Level, in.ExpiresAt, reason, &by
	return nil
}

// checkPrincipal verifies that a principal names something of the tenant.
func (s *Service) checkPrincipal(ctx context.Context, tx *store.Tx, a *Actor, p access.Principal, field string) error {
	bad := errs.Field(field, "invalid_reference", "%s names no %s of this tenant", field, p.Type)
	var err error
	switch p.Type {
	case access.PrincipalUser:
		_, err = tx.User(ctx, a.TenantID, p.ID)
	case access.PrincipalDepartment:
		_, err = tx.Department(ctx, a.TenantID, p.ID)
	case access.PrincipalGroup:
		_, err = tx.Group(ctx, a.TenantID, p.ID)
	case access.PrincipalRole:
		err = errs.NotVisible("role")
		roles, rerr := tx.Roles(ctx, a.TenantID)
		if rerr != nil {
			return rerr
		}
		for _, r := range roles {
			if r.ID == p.ID {
				err = nil
			}
		}
	default:
		return errs.Field(field+".type", "invalid_value", "type must be user, department, group or role")
	}
	if p.IncludeSubDept && p.Type != access.PrincipalDepartment {
		return errs.Field(field+".include_subdepartments", "invalid_value", "only a department principal includes sub-departments")
	}
	if errs.KindOf(err) == errs.NotFound {
		return bad
	}
	return err
}

// RemoveTeamMember takes a user off a customer's team.
func (s *Service) RemoveTeamMember(ctx context.Context, a *Actor, customerID, userID int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := s.visibleCustomer(ctx, tx, a, customerID, access.Customer, access.Share); err != nil {
			return err
		}
		g, err := teamPlace(ctx, tx, a.TenantID, customerID, userID)
		if err != nil {
			return err
		}
		if g == nil {
			return tx.RemoveTeamMember(ctx, a.TenantID, customerID, userID) // not found
		}
		return s.removeTeamMember(ctx, tx, a, a.TenantID, *g, nil)
	})
}

// teamPlace is the user's place on the customer's team, expired or not;
// nil when there is none.
func teamPlace(ctx context.Context, tx *store.Tx, tenantID, customerID, userID int64) (*store.Grant, error) {
	team, err := tx.TeamGrants(ctx, tenantID, customerID)
	for _, g := range team {
		if g.Principal.ID == userID {
			return &g, err
		}
	}
	return nil, err
}

// removeTeamMember takes g's user off g's customer's team in the caller's
// transaction and records it, with extra details such as the access review
// that decided it (whose deadline acts with a nil actor).
func (s *Service) removeTeamMember(ctx context.Context, tx *store.Tx, a *Actor, tenantID int64, g store.Grant, extra map[string]any) error {
	if err := tx.RemoveTeamMember(ctx, tenantID, g.CustomerID, g.Principal.ID); err != nil {
		return err
	}
	return s.recordGrant(ctx, tx, a, tenantID, "team.remove", g, extra)
}

// RemoveShare removes one share of a customer.
func (s *Service) RemoveShare(ctx context.Context, a *Actor, customerID, shareID int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := s.visibleCustomer(ctx, tx, a, customerID, access.Customer, access.Share); err != nil {
			return err
		}
		shares, err := tx.ShareGrants(ctx, a.TenantID, customerID)
		if err != nil {
			return err
		}
		for _, g := range shares {
			if g.ID == shareID {
				return s.removeShare(ctx, tx, a, a.TenantID, g, nil)
			}
		}
		return tx.RemoveShare(ctx, a.TenantID, customerID, shareID) // not found
	})
}

// removeShare removes the share g in the caller's transaction and records
// it, as removeTeamMember does a team place.
func (s *Service) removeShare(ctx context.Context, tx *store.Tx, a *Actor, tenantID int64, g store.Grant, extra map[string]any) error {
	if err := tx.RemoveShare(ctx, tenantID, g.CustomerID, g.ID); err != nil {
		return err
	}
	return s.recordGrant(ctx, tx, a, tenantID, "share.remove", g, extra)
}

// recGrant records a team or share change against the customer and, when
// it names one user, against that user's permission history.
func (s *Service) recGrant(ctx context.Context, tx *store.Tx, a *Actor, action string, g store.Grant) error {
	return s.recordGrant(ctx, tx, a, a.TenantID, action, g, nil)
}

// recordGrant is recGrant for a tenant and an actor that may be nil, with
// extra details.
func (s *Service) recordGrant(ctx context.Context, tx *store.Tx, a *Actor, tenantID int64, action string, g store.Grant, extra map[string]any) error {
	links := store.AuditLinks{Customer: g.CustomerID}
	if g.Principal.Type == access.PrincipalUser {
		links.User = g.Principal.ID
	}
	details := map[string]any{"grant_id": g.ID, "principal": g.Principal, "level": g.Level, "expires_at": g.ExpiresAt, "reason": g.Reason}
	maps.Copy(details, extra)
	return s.record(ctx, tx, a, tenantID, event{action: action, targetType: "customer", targetID: g.CustomerID, links: links, details: details})
}
