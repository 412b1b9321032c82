package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"steward/internal/errs"
)

// Credentials is what signing in needs to know of an account besides its
// profile: the password hash, the run of failed attempts and when the
// password was last set.
type Credentials struct {
	Hash              string
	FailedLogins      int
	LastFailedAt      time.Time
	PasswordChangedAt time.Time
}

// UserSecurity returns the sign-in state of a user.
func (t *Tx) UserSecurity(ctx context.Context, tenantID, userID int64) (Credentials, error) {
	var c Credentials
	var failedAt, changedAt int64
	err := t.one(ctx, "store.UserSecurity", "user", `SELECT password_hash, failed_logins, last_failed_at, password_changed_at
		FROM users WHERE tenant_id = $1 AND id = $2`, []any{tenantID, userID}, &c.Hash, &c.FailedLogins, &failedAt, &changedAt)
	c.LastFailedAt, c.PasswordChangedAt = FromMicros(failedAt), FromMicros(changedAt)
	return c, err
}

// ResetFailedLogins ends a user's run of failed sign-ins.
func (t *Tx) ResetFailedLogins(ctx context.Context, tenantID, userID int64) error {
	_, err := t.exec(ctx, "store.ResetFailedLogins", `UPDATE users SET failed_logins = 0 WHERE tenant_id = $1 AND id = $2 AND failed_logins <> 0`,
		tenantID, userID)
	return err
}

// SetPassword replaces a user's password hash, records when and keeps the
// old hash in the history. It leaves the run of failed sign-ins alone: a
// reset ends a lock with ResetFailedLogins, a change by the user does not
// (it proved the password, not the second factor).
func (t *Tx) SetPassword(ctx context.Context, tenantID, userID int64, hash string, now time.Time) error {
	if _, err := t.exec(ctx, "store.SetPassword", `INSERT INTO password_history (tenant_id, user_id, hash, created_at)
		SELECT tenant_id, id, password_hash, $1 FROM users WHERE tenant_id = $2 AND id = $3`, Micros(now), tenantID, userID); err != nil {
		return err
	}
	res, err := t.exec(ctx, "store.SetPassword", `UPDATE users SET password_hash = $1, password_changed_at = $2
		WHERE tenant_id = $3 AND id = $4`, hash, Micros(now), tenantID, userID)
	if err != nil {
		return err
	}
	return affected(res, "user")
}

// PasswordHistory returns a user's current password hash and the previous
// ones, newest first, at most n in all.
func (t *Tx) PasswordHistory(ctx context.Context, tenantID, userID int64, n int) ([]string, error) {
	c, err := t.UserSecurity(ctx, tenantID, userID)
	if err != nil {
		return nil, err
	}
	out := []string{c.Hash}
	if n <= 1 {
		return out[:min(n, 1)], nil
	}
	rows, err := t.query(ctx, "store.PasswordHistory", `SELECT hash FROM password_history WHERE tenant_id = $1 AND user_id = $2
		ORDER BY id DESC LIMIT `+itoa(n-1), tenantID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, errs.Wrap(err, "store.PasswordHistory")
		}
		out = append(out, h)
	}
	return out, errs.Wrap(rows.Err(), "store.PasswordHistory")
}

// SecuritySettings returns a tenant's stored settings document, or ok false
// when it has none (the defaults apply).
func (t *Tx) SecuritySettings(ctx context.Context, tenantID int64) (doc []byte, ok bool, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT document FROM security_settings WHERE tenant_id = $1`, tenantID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, t.classify(err, "store.SecuritySettings")
	}
	return doc, true, nil
}

// SaveSecuritySettings stores a tenant's settings document.
func (t *Tx) SaveSecuritySettings(ctx context.Context, tenantID int64, doc []byte, now time.Time) error {
	_, err := t.exec(ctx, "store.SaveSecuritySettings", `INSERT INTO security_settings (tenant_id, document, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (tenant_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`, tenantID, string(doc), Micros(now))
	return err
}

// TOTP is a user's time-based one-time password factor. It counts only
// once confirmed, by a first correct code.
type TOTP struct {
	Secret      string
	ConfirmedAt *time.Time
	LastStep    int64
}

// TOTPFactor returns a user's factor; not found when there is none.
func (t *Tx) TOTPFactor(ctx context.Context, tenantID, userID int64) (TOTP, error) {
	var f TOTP
	var confirmed sql.NullInt64
	err := t.one(ctx, "store.TOTPFactor", "factor", `SELECT secret, confirmed_at, last_step FROM totp_factors
		WHERE tenant_id = $1 AND user_id = $2`, []any{tenantID, userID}, &f.Secret, &confirmed, &f.LastStep)
	f.ConfirmedAt = timePtr(confirmed)
	return f, err
}

// HasFactor reports whether a user has a confirmed second factor of
// either kind (FactorMethod says which).
func (t *Tx) HasFactor(ctx context.Context, tenantID, userID int64) (bool, error) {
	m, err := t.FactorMethod(ctx, tenantID, userID)
	return m != FactorNone, err
}

// StartTOTP stores a new, unconfirmed secret, replacing an unconfirmed one.
// A confirmed factor is kept: it must be removed first.
func (t *Tx) StartTOTP(ctx context.Context, tenantID, userID int64, secret string, now time.Time) error {
	res, err := t.exec(ctx, "store.StartTOTP", `INSERT INTO totp_factors (user_id, tenant_id, secret, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0
		WHERE totp_factors.confirmed_at IS NULL`, userID, tenantID, secret, Micros(now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "factor_exists", "a second factor is already enrolled; remove it first")
	}
	return nil
}

// SpendTOTPStep records step as the last one used, if it is newer than the
// stored one. It reports false when another request spent it (or a newer
// one) first: the compare-and-set in one UPDATE makes a code single-use
// under any concurrency, on both engines.
func (t *Tx) SpendTOTPStep(ctx context.Context, tenantID, userID, step int64) (bool, error) {
	res, err := t.exec(ctx, "store.SpendTOTPStep", `UPDATE totp_factors SET last_step = $1 WHERE tenant_id = $2 AND user_id = $3 AND last_step < $1`,
		step, tenantID, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, "store.SpendTOTPStep")
}

// ConfirmTOTP marks a factor confirmed, drops a code factor the user had
// started to set up (one factor stays), and replaces the recovery codes.
func (t *Tx) ConfirmTOTP(ctx context.Context, tenantID, userID int64, codeHashes []string, now time.Time) error {
	if _, err := t.exec(ctx, "store.ConfirmTOTP", `UPDATE totp_factors SET confirmed_at = $1 WHERE tenant_id = $2 AND user_id = $3`,
		Micros(now), tenantID, userID); err != nil {
		return err
	}
	if err := t.DeletePendingCodeFactor(ctx, tenantID, userID); err != nil {
		return err
	}
	return t.ReplaceRecoveryCodes(ctx, tenantID, userID, codeHashes)
}

// ReplaceRecoveryCodes replaces a user's recovery codes by these hashes.
func (t *Tx) ReplaceRecoveryCodes(ctx context.Context, tenantID, userID int64, codeHashes []string) error {
	if _, err := t.exec(ctx, "store.ReplaceRecoveryCodes", `DELETE FROM recovery_codes WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID); err != nil {
		return err
	}
	for _, h := range codeHashes {
		if _, err := t.exec(ctx, "store.ReplaceRecoveryCodes", `INSERT INTO recovery_codes (tenant_id, user_id, code_hash) VALUES ($1, $2, $3)`,
			tenantID, userID, h); err != nil {
			return err
		}
	}
	return nil
}

// DeleteFactors removes a user's second factors of both kinds, confirmed
// or pending, their recovery codes and the codes sent to them. It answers
// not found when there was no factor.
func (t *Tx) DeleteFactors(ctx context.Context, tenantID, userID int64) error {
	for _, q := range []string{`DELETE FROM recovery_codes WHERE tenant_id = $1 AND user_id = $2`,
		`DELETE FROM mfa_codes WHERE tenant_id = $1 AND user_id = $2`} {
		if _, err := t.exec(ctx, "store.DeleteFactors", q, tenantID, userID); err != nil {
			return err
		}
	}
	var n int64
	for _, q := range []string{`DELETE FROM totp_factors WHERE tenant_id = $1 AND user_id = $2`,
		`DELETE FROM code_factors WHERE tenant_id = $1 AND user_id = $2`} {
		res, err := t.exec(ctx, "store.DeleteFactors", q, tenantID, userID)
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return errs.Wrap(err, "store.DeleteFactors")
		}
		n += k
	}
	if n == 0 {
		return errs.NotVisible("factor")
	}
	return nil
}

// RecoveryCodes returns the hashes of a user's unused recovery codes.
func (t *Tx) RecoveryCodes(ctx context.Context, tenantID, userID int64) ([]string, error) {
	rows, err := t.query(ctx, "store.RecoveryCodes", `SELECT code_hash FROM recovery_codes WHERE tenant_id = $1 AND user_id = $2 ORDER BY id`,
		tenantID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, errs.Wrap(err, "store.RecoveryCodes")
		}
		out = append(out, h)
	}
	return out, errs.Wrap(rows.Err(), "store.RecoveryCodes")
}

// SpendRecoveryCode deletes one recovery code; false if it was already gone
// (spent by a parallel request).
func (t *Tx) SpendRecoveryCode(ctx context.Context, tenantID, userID int64, hash string) (bool, error) {
	res, err := t.exec(ctx, "store.SpendRecoveryCode", `DELETE FROM recovery_codes WHERE tenant_id = $1 AND user_id = $2 AND code_hash = $3`,
		tenantID, userID, hash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, "store.SpendRecoveryCode")
}

// Challenge is a sign-in waiting for its second factor.
type Challenge struct {
	ID, TenantID, UserID int64
	Attempts             int
	ExpiresAt            time.Time
}

// CreateChallenge stores a challenge under the hash of its token.
func (t *Tx) CreateChallenge(ctx context.Context, c *Challenge, tokenHash string) error {
	id, err := t.insert(ctx, "store.CreateChallenge", `INSERT INTO mfa_challenges (tenant_id, user_id, token_hash, expires_at)
		VALUES ($1, $2, $3, $4)`, c.TenantID, c.UserID, tokenHash, Micros(c.ExpiresAt))
	c.ID = id
	return err
}

// ChallengeByHash finds an unexpired challenge by its token's hash.
func (t *Tx) ChallengeByHash(ctx context.Context, tokenHash string, now time.Time) (Challenge, error) {
	var c Challenge
	var exp int64
	err := t.one(ctx, "store.ChallengeByHash", "challenge", `SELECT id, tenant_id, user_id, attempts, expires_at FROM mfa_challenges
		WHERE token_hash = $1 AND expires_at > $2`, []any{tokenHash, Micros(now)}, &c.ID, &c.TenantID, &c.UserID, &c.Attempts, &exp)
	c.ExpiresAt = FromMicros(exp)
	return c, err
}

// ReserveChallengeAttempt takes one of a challenge's max attempts before
// its code is checked: a compare-and-set on the count, so that parallel
// requests on one challenge never get more than max tries between them.
// It reports false when the challenge is used up or gone.
func (t *Tx) ReserveChallengeAttempt(ctx context.Context, tenantID, id int64, max int) (bool, error) {
	res, err := t.exec(ctx, "store.ReserveChallengeAttempt", `UPDATE mfa_challenges SET attempts = attempts + 1
		WHERE tenant_id = $1 AND id = $2 AND attempts < $3`, tenantID, id, max)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, "store.ReserveChallengeAttempt")
}

// DeleteChallenge removes a challenge; false when it was already gone.
func (t *Tx) DeleteChallenge(ctx context.Context, tenantID, id int64) (bool, error) {
	res, err := t.exec(ctx, "store.DeleteChallenge", `DELETE FROM mfa_challenges WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, "store.DeleteChallenge")
}

// DeleteUserChallenges removes every pending sign-in of a user, when the
// password they were started with stops being the password.
func (t *Tx) DeleteUserChallenges(ctx context.Context, tenantID, userID int64) error {
	_, err := t.exec(ctx, "store.DeleteUserChallenges", `DELETE FROM mfa_challenges WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
	return err
}

// PasswordReset is a single-use token that lets a user set a new password.
type PasswordReset struct {
	ID, TenantID, UserID int64
	ExpiresAt            time.Time
}

// CreatePasswordReset stores a reset under the hash of its token, ending
// the user's earlier unused ones.
func (t *Tx) CreatePasswordReset(ctx context.Context, r *PasswordReset, tokenHash string, by int64) error {
	if _, err := t.exec(ctx, "store.CreatePasswordReset", `DELETE FROM password_resets WHERE tenant_id = $1 AND user_id = $2`,
		r.TenantID, r.UserID); err != nil {
		return err
	}
	id, err := t.insert(ctx, "store.CreatePasswordReset", `INSERT INTO password_resets (tenant_id, user_id, token_hash, created_by, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, r.TenantID, r.UserID, tokenHash, nullID(&by), Micros(r.ExpiresAt))
	r.ID = id
	return err
}

// TakePasswordReset finds an unexpired reset of the tenant by its token's
// hash and deletes it, so that it works once.
func (t *Tx) TakePasswordReset(ctx context.Context, tenantID int64, tokenHash string, now time.Time) (PasswordReset, error) {
	var r PasswordReset
	var exp int64
	err := t.one(ctx, "store.TakePasswordReset", "reset", `DELETE FROM password_resets WHERE tenant_id = $1 AND token_hash = $2 AND expires_at > $3
		RETURNING id, tenant_id, user_id, expires_at`, []any{tenantID, tokenHash, Micros(now)}, &r.ID, &r.TenantID, &r.UserID, &exp)
	r.ExpiresAt = FromMicros(exp)
	return r, err
}

// ReserveLoginAttempt counts a sign-in attempt as failed before it is
// checked, if the count is still seen: a compare-and-set, so that of
// parallel attempts that all read the same count only one goes ahead. The
// service resets the count when a whole sign-in succeeds, and gives the
// attempt back (RefundLoginAttempt) for a correct password that waits for
// its second factor.
func (t *Tx) ReserveLoginAttempt(ctx context.Context, tenantID, userID int64, seen int, now time.Time) (bool, error) {
	res, err := t.exec(ctx, "store.ReserveLoginAttempt", `UPDATE users SET failed_logins = failed_logins + 1, last_failed_at = $1
		WHERE tenant_id = $2 AND id = $3 AND failed_logins = $4`, Micros(now), tenantID, userID, seen)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, "store.ReserveLoginAttempt")
}

// RefundLoginAttempt gives back the attempt ReserveLoginAttempt counted,
// when it turned out to be a correct password that still waits for its
// second factor: that is no failure, but neither does it end the run of
// failures (wrong codes count in it). lastFailed is the time of the last
// failure before the reservation, which the reservation replaced: the
// delays run from real failures, not from the correct password.
func (t *Tx) RefundLoginAttempt(ctx context.Context, tenantID, userID int64, lastFailed time.Time) error {
	_, err := t.exec(ctx, "store.RefundLoginAttempt", `UPDATE users SET failed_logins = failed_logins - 1, last_failed_at = $1
		WHERE tenant_id = $2 AND id = $3 AND failed_logins > 0`, Micros(lastFailed), tenantID, userID)
	return err
}

// FindPasswordReset finds an unexpired reset of the tenant by its token's hash.
func (t *Tx) FindPasswordReset(ctx context.Context, tenantID int64, tokenHash string, now time.Time) (PasswordReset, error) {
	var r PasswordReset
	var exp int64
	err := t.one(ctx, "store.FindPasswordReset", "reset", `SELECT id, tenant_id, user_id, expires_at FROM password_resets
		WHERE tenant_id = $1 AND token_hash = $2 AND expires_at > $3`, []any{tenantID, tokenHash, Micros(now)}, &r.ID, &r.TenantID, &r.UserID, &exp)
	r.ExpiresAt = FromMicros(exp)
	return r, err
}
