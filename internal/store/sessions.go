package store

import (
	"context"
	"time"
)

// Session is a signed-in session; the token itself is never stored, only its hash.
type Session struct {
	ID         int64
	TenantID   int64
	UserID     int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

// CreateSession stores a session under the hash of its token.
func (t *Tx) CreateSession(ctx context.Context, s *Session, tokenHash string) error {
	id, err := t.insert(ctx, "store.CreateSession", `INSERT INTO sessions (tenant_id, user_id, token_hash, created_at, expires_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $4)`, s.TenantID, s.UserID, tokenHash, Micros(s.CreatedAt), Micros(s.ExpiresAt))
	s.ID = id
	return err
}

// SessionByHash finds an unexpired session by token hash.
func (t *Tx) SessionByHash(ctx context.Context, tokenHash string, now time.Time) (Session, error) {
	var s Session
	var created, expires, seen int64
	err := t.one(ctx, "store.SessionByHash", "session", `SELECT id, tenant_id, user_id, created_at, expires_at, last_seen_at
		FROM sessions WHERE token_hash = $1 AND expires_at > $2`, []any{tokenHash, Micros(now)},
		&s.ID, &s.TenantID, &s.UserID, &created, &expires, &seen)
	s.CreatedAt, s.ExpiresAt, s.LastSeenAt = FromMicros(created), FromMicros(expires), FromMicros(seen)
	return s, err
}

// DeleteSession ends one session.
func (t *Tx) DeleteSession(ctx context.Context, tenantID, id int64) error {
	_, err := t.exec(ctx, "store.DeleteSession", `DELETE FROM sessions WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return err
}

// DeleteUserSessions ends every session of a user.
func (t *Tx) DeleteUserSessions(ctx context.Context, tenantID, userID int64) error {
	_, err := t.exec(ctx, "store.DeleteUserSessions", `DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
	return err
}
