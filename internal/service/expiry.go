package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/store"
)

// expiryBatch is how many expired grants one transaction removes: on
// SQLite the transaction holds the only write lock, so a backlog (a large
// share campaign running out at once) is taken in slices that let requests
// in between.
const expiryBatch = 500

// ExpireGrants removes, in every tenant, the role assignments, record team
// memberships and shares whose expiry has passed, recording each removal in
// the audit trail (role.expire, team.expire, share.expire). It only tidies
// up: every check already ignores an expired grant, from the moment it
// expires, whether this has run or not. It is idempotent, and two runs at
// once remove and record each row once (store/expiry.go). It returns how
// many it removed.
func (s *Service) ExpireGrants(ctx context.Context) (int, error) {
	tenants, err := s.tenantIDs(ctx)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, t := range tenants {
		for {
			n, err := s.expireBatch(ctx, t)
			removed += n
			if err != nil {
				return removed, err
			}
			if n < expiryBatch {
				break
			}
		}
	}
	return removed, nil
}

// expireBatch removes up to expiryBatch of a tenant's expired grants in
// one transaction, role assignments first, and returns how many.
func (s *Service) expireBatch(ctx context.Context, tenantID int64) (int, error) {
	n := 0
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		now := s.now()
		roles, err := tx.DeleteExpiredAssignments(ctx, tenantID, now, expiryBatch)
		if err != nil {
			return err
		}
		if err := s.recordExpiredRoles(ctx, tx, tenantID, roles); err != nil {
			return err
		}
		n += len(roles)
		team, err := tx.DeleteExpiredTeam(ctx, tenantID, now, expiryBatch-n)
		if err != nil {
			return err
		}
		if err := s.recordExpiredGrants(ctx, tx, tenantID, "team.expire", team); err != nil {
			return err
		}
		n += len(team)
		shares, err := tx.DeleteExpiredShares(ctx, tenantID, now, expiryBatch-n)
		if err != nil {
			return err
		}
		if err := s.recordExpiredGrants(ctx, tx, tenantID, "share.expire", shares); err != nil {
			return err
		}
		n += len(shares)
		if n == 0 {
			return nil
		}
		// Role assignments are part of every cached subject; team and
		// shares are not, but the version also stamps what changed in
		// access, and one bump per batch costs nothing.
		return tx.BumpPolicy(ctx, tenantID)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// recordExpiredRoles records the removal of expired role assignments
// against the user who held them (their permission history). Details are
// identifiers and times, never names.
func (s *Service) recordExpiredRoles(ctx context.Context, tx *store.Tx, tenantID int64, as []store.Assignment) error {
	if len(as) == 0 {
		return nil
	}
	all, err := tx.Roles(ctx, tenantID)
	if err != nil {
		return err
	}
	keys := make(map[int64]string, len(all))
	for _, r := range all {
		keys[r.ID] = r.Key
	}
	for _, a := range as {
		if err := s.record(ctx, tx, nil, tenantID, event{action: "role.expire", targetType: "user", targetID: a.UserID,
			links: store.AuditLinks{User: a.UserID},
			details: map[string]any{"assignment_id": a.ID, "role": keys[a.RoleID], "role_id": a.RoleID, "user_id": a.UserID,
				"expires_at": a.ExpiresAt, "granted_by": a.GrantedBy}}); err != nil {
			return err
		}
	}
	return nil
}

// recordExpiredGrants records the removal of expired team memberships or
// shares against the customer, and against the user a grant named, as
// recGrant does for grants added and removed by hand.
func (s *Service) recordExpiredGrants(ctx context.Context, tx *store.Tx, tenantID int64, action string, gs []store.Grant) error {
	for _, g := range gs {
		links := store.AuditLinks{Customer: g.CustomerID}
		if g.Principal.Type == access.PrincipalUser {
			links.User = g.Principal.ID
		}
		if err := s.record(ctx, tx, nil, tenantID, event{action: action, targetType: "customer", targetID: g.CustomerID, links: links,
			details: map[string]any{"grant_id": g.ID, "customer_id": g.CustomerID, "principal": g.Principal, "level": g.Level,
				"expires_at": g.ExpiresAt, "granted_by": g.GrantedBy}}); err != nil {
			return err
		}
	}
	return nil
}
