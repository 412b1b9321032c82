package store

import (
	"context"
	"time"

	"steward/internal/errs"
)

// SentCode is a second-factor code sent to a user, as stored: its salted
// hash, what it is for and what it is bound to (a pending sign-in, or a
// session).
type SentCode struct {
	ID, TenantID, UserID int64
	Purpose              string
	BoundTo              int64
	Salt, Hash           string
	Attempts             int
	SentAt, ExpiresAt    time.Time
}

// The purposes of a sent code.
const (
	CodeEnrol  = "enrol"
	CodeSignIn = "sign_in"
	CodeStepUp = "step_up"
)

// CodesSince counts the codes sent to a user since a time and says when
// the latest went, for the resend limit. Call it under LockUser.
func (t *Tx) CodesSince(ctx context.Context, tenantID, userID int64, since time.Time) (int, time.Time, error) {
	var n int
	var last int64
	err := t.one(ctx, "store.CodesSince", "user", `SELECT COUNT(*), COALESCE(MAX(sent_at), 0) FROM mfa_codes
		WHERE tenant_id = $1 AND user_id = $2 AND sent_at > $3`, []any{tenantID, userID, Micros(since)}, &n, &last)
	return n, FromMicros(last), err
}

// CreateSentCode stores a new code. Earlier live codes of the user for the
// same purpose are spent (only the latest works), and codes sent before
// prune are forgotten.
func (t *Tx) CreateSentCode(ctx context.Context, c *SentCode, prune time.Time) error {
	if _, err := t.exec(ctx, "store.CreateSentCode", `DELETE FROM mfa_codes WHERE tenant_id = $1 AND user_id = $2 AND sent_at <= $3`,
		c.TenantID, c.UserID, Micros(prune)); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "store.CreateSentCode", `UPDATE mfa_codes SET spent_at = $1
		WHERE tenant_id = $2 AND user_id = $3 AND purpose = $4 AND spent_at IS NULL`,
		Micros(c.SentAt), c.TenantID, c.UserID, c.Purpose); err != nil {
		return err
	}
	id, err := t.insert(ctx, "store.CreateSentCode", `INSERT INTO mfa_codes (tenant_id, user_id, purpose, bound_to, salt, code_hash, sent_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.TenantID, c.UserID, c.Purpose, c.BoundTo, c.Salt, c.Hash, Micros(c.SentAt), Micros(c.ExpiresAt))
	c.ID = id
	return err
}

// LiveCode returns the unspent, unexpired code of a user for a purpose
// and what it is bound to; not found when there is none.
func (t *Tx) LiveCode(ctx context.Context, tenantID, userID int64, purpose string, boundTo int64, now time.Time) (SentCode, error) {
	c := SentCode{TenantID: tenantID, UserID: userID, Purpose: purpose, BoundTo: boundTo}
	var sent, exp int64
	err := t.one(ctx, "store.LiveCode", "code", `SELECT id, salt, code_hash, attempts, sent_at, expires_at FROM mfa_codes
		WHERE tenant_id = $1 AND user_id = $2 AND purpose = $3 AND bound_to = $4 AND spent_at IS NULL AND expires_at > $5
		ORDER BY id DESC LIMIT 1`, []any{tenantID, userID, purpose, boundTo, Micros(now)},
		&c.ID, &c.Salt, &c.Hash, &c.Attempts, &sent, &exp)
	c.SentAt, c.ExpiresAt = FromMicros(sent), FromMicros(exp)
	return c, err
}

// ReserveCodeTry takes one of a code's max tries before it is checked,
// with a compare-and-set on the count, and returns how many are taken
// with this one: parallel tries on one code never get more than max
// checks between them. It reports false when the code is used up, spent
// or expired.
func (t *Tx) ReserveCodeTry(ctx context.Context, tenantID, id int64, max int, now time.Time) (int, bool, error) {
	var tries int
	err := t.one(ctx, "store.ReserveCodeTry", "code", `UPDATE mfa_codes SET attempts = attempts + 1
		WHERE tenant_id = $1 AND id = $2 AND attempts < $3 AND spent_at IS NULL AND expires_at > $4 RETURNING attempts`,
		[]any{tenantID, id, max, Micros(now)}, &tries)
	if errs.KindOf(err) == errs.NotFound {
		return 0, false, nil
	}
	return tries, err == nil, err
}

// SpendCode marks a code spent, if nothing spent it first: the
// compare-and-set that makes a right code work once under any concurrency,
// on both engines, and that burns a code after its last wrong try.
func (t *Tx) SpendCode(ctx context.Context, tenantID, id int64, now time.Time) (bool, error) {
	res, err := t.exec(ctx, "store.SpendCode", `UPDATE mfa_codes SET spent_at = $1 WHERE tenant_id = $2 AND id = $3 AND spent_at IS NULL`,
		Micros(now), tenantID, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, "store.SpendCode")
}
