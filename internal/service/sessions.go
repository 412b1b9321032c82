package service

import (
	"context"

	"steward/internal/access"
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
