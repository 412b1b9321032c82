package store

import (
	"context"
	"time"

	"steward/internal/errs"
)

// Session is a signed-in session; the token itself is never stored, only
// its hash. AuthAt is when the holder last proved who they are (sign-in or
// step-up); Limit is "" for a full session, or what the holder must do
// before anything else ("mfa_enrolment", "password_change").
type Session struct {
	ID         int64     `json:"id"`
	TenantID   int64     `json:"-"`
	UserID     int64     `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	AuthAt     time.Time `json:"authenticated_at"`
	Limit      string    `json:"limit"`
	SourceIP   string    `json:"source_ip"`
}

const sessionCols = `id, tenant_id, user_id, created_at, expires_at, last_seen_at, auth_at, session_limit, source_ip`

func scanSession(sc interface{ Scan(...any) error }, s *Session) error {
	var created, expires, seen, auth int64
	err := sc.Scan(&s.ID, &s.TenantID, &s.UserID, &created, &expires, &seen, &auth, &s.Limit, &s.SourceIP)
	s.CreatedAt, s.ExpiresAt, s.LastSeenAt, s.AuthAt = FromMicros(created), FromMicros(expires), FromMicros(seen), FromMicros(auth)
	return err
}

// CreateSession stores a session under the hash of its token.
func (t *Tx) CreateSession(ctx context.Context, s *Session, tokenHash string) error {
	if s.AuthAt.IsZero() {
		s.AuthAt = s.CreatedAt
	}
	s.LastSeenAt = s.CreatedAt
	id, err := t.insert(ctx, "store.CreateSession", `INSERT INTO sessions
		(tenant_id, user_id, token_hash, created_at, expires_at, last_seen_at, auth_at, session_limit, source_ip)
		VALUES ($1, $2, $3, $4, $5, $4, $6, $7, $8)`, s.TenantID, s.UserID, tokenHash, Micros(s.CreatedAt), Micros(s.ExpiresAt),
		Micros(s.AuthAt), s.Limit, s.SourceIP)
	s.ID = id
	return err
}

// SessionByHash finds a session whose absolute expiry has not passed by
// token hash. The idle limit is the service's to judge (it depends on the
// user's roles and the tenant's settings).
func (t *Tx) SessionByHash(ctx context.Context, tokenHash string, now time.Time) (Session, error) {
	var s Session
	row := t.tx.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE token_hash = $1 AND expires_at > $2`, tokenHash, Micros(now))
	if err := scanSession(row, &s); err != nil {
		return s, t.notFound(err, "store.SessionByHash", "session")
	}
	return s, nil
}

// SessionByID returns one session of the tenant.
func (t *Tx) SessionByID(ctx context.Context, tenantID, id int64) (Session, error) {
	var s Session
	row := t.tx.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := scanSession(row, &s); err != nil {
		return s, t.notFound(err, "store.SessionByID", "session")
	}
	return s, nil
}

// UserSessions lists a user's sessions not yet past their absolute expiry, newest first.
func (t *Tx) UserSessions(ctx context.Context, tenantID, userID int64, now time.Time) ([]Session, error) {
	rows, err := t.query(ctx, "store.UserSessions", `SELECT `+sessionCols+` FROM sessions
		WHERE tenant_id = $1 AND user_id = $2 AND expires_at > $3 ORDER BY id DESC`, tenantID, userID, Micros(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		if err := scanSession(rows, &s); err != nil {
			return nil, t.classify(err, "store.UserSessions")
		}
		out = append(out, s)
	}
	return out, errs.Wrap(rows.Err(), "store.UserSessions")
}

// TouchSession records that a session was used at now.
func (t *Tx) TouchSession(ctx context.Context, tenantID, id int64, now time.Time) error {
	_, err := t.exec(ctx, "store.TouchSession", `UPDATE sessions SET last_seen_at = $1 WHERE tenant_id = $2 AND id = $3 AND last_seen_at < $1`,
		Micros(now), tenantID, id)
	return err
}

// RefreshSession records a fresh authentication (a step-up with the
// password and, when enrolled, a code) on a session, with its limit.
func (t *Tx) RefreshSession(ctx context.Context, tenantID, id int64, authAt time.Time, limit string) error {
	res, err := t.exec(ctx, "store.RefreshSession", `UPDATE sessions SET auth_at = $1, session_limit = $2, last_seen_at = $1
		WHERE tenant_id = $3 AND id = $4`, Micros(authAt), limit, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "session")
}

// SetSessionLimit changes what a session must do first, leaving when its
// holder last authenticated alone: enrolling a factor or changing the
// password is no step-up.
func (t *Tx) SetSessionLimit(ctx context.Context, tenantID, id int64, limit string) error {
	res, err := t.exec(ctx, "store.SetSessionLimit", `UPDATE sessions SET session_limit = $1 WHERE tenant_id = $2 AND id = $3`,
		limit, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "session")
}

// DeleteSession ends one session.
func (t *Tx) DeleteSession(ctx context.Context, tenantID, id int64) error {
	_, err := t.exec(ctx, "store.DeleteSession", `DELETE FROM sessions WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return err
}

// DeleteUserSession ends one session of a user, and reports a missing one.
func (t *Tx) DeleteUserSession(ctx context.Context, tenantID, userID, id int64) error {
	res, err := t.exec(ctx, "store.DeleteUserSession", `DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND id = $3`, tenantID, userID, id)
	if err != nil {
		return err
	}
	return affected(res, "session")
}

// DeleteUserSessions ends every session of a user.
func (t *Tx) DeleteUserSessions(ctx context.Context, tenantID, userID int64) error {
	_, err := t.exec(ctx, "store.DeleteUserSessions", `DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
	return err
}

// DeleteOtherSessions ends every session of a user but one.
func (t *Tx) DeleteOtherSessions(ctx context.Context, tenantID, userID, keep int64) error {
	_, err := t.exec(ctx, "store.DeleteOtherSessions", `DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND id <> $3`, tenantID, userID, keep)
	return err
}
