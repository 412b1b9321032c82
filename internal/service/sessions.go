package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// SessionInfo is one of a user's sessions, as its owner sees it.
type SessionInfo struct {
	store.Session
	Current bool `json:"current"`
}

// Sessions lists the actor's own open sessions, newest first.
func (s *Service) Sessions(ctx context.Context, a *Actor) ([]SessionInfo, error) {
	out := []SessionInfo{}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		ss, err := tx.UserSessions(ctx, a.TenantID, a.UserID, s.now())
		for _, x := range ss {
			out = append(out, SessionInfo{Session: x, Current: x.ID == a.SessionID})
		}
		return err
	})
	return out, err
}

// EndSession ends one of the actor's own sessions. Another user's session
// answers not found, like a missing one.
func (s *Service) EndSession(ctx context.Context, a *Actor, id int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteUserSession(ctx, a.TenantID, a.UserID, id); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "session.end", targetType: "session", targetID: id})
	})
}

// EndUserSessions ends every session of a user (manage_users), e.g. when a
// device is lost, and revokes the user's API keys, which a thief of the
// device could hold as well.
func (s *Service) EndUserSessions(ctx context.Context, a *Actor, userID int64) error {
	if err := a.need(access.ManageUsers); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.User(ctx, a.TenantID, userID); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, a.TenantID, userID); err != nil {
			return err
		}
		if err := tx.RevokeUserAPIKeys(ctx, a.TenantID, userID, s.now()); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "session.end_all", targetType: "user", targetID: userID, links: store.AuditLinks{User: userID}})
	})
}

// ResetFactors removes another user's second factor and recovery codes,
// for a user who lost their device (manage_users, with a step-up). Their
// sessions end; if a role of theirs requires a second factor, their next
// sign-in can only enrol a new one. A user removes their own factor with
// RemoveTOTP instead.
func (s *Service) ResetFactors(ctx context.Context, a *Actor, userID int64) error {
	if err := a.need(access.ManageUsers); err != nil {
		return err
	}
	if userID == a.UserID {
		return errs.E(errs.Forbidden, "own_factor", "remove your own second factor from your account page")
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		if _, err := tx.User(ctx, a.TenantID, userID); err != nil {
			return err
		}
		if err := tx.DeleteFactors(ctx, a.TenantID, userID); errs.KindOf(err) == errs.NotFound {
			return errs.E(errs.Conflict, "no_factor", "the user has no second factor")
		} else if err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, a.TenantID, userID); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "mfa.reset", targetType: "user", targetID: userID, links: store.AuditLinks{User: userID}})
	})
}
