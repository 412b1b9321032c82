package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/errs"
)

// CodeFactor is a user's second factor of codes sent by e-mail or SMS. It
// counts only once confirmed, by a first code sent to the address.
type CodeFactor struct {
	Channel     string
	Address     string // sealed when the service has a master key
	ConfirmedAt *time.Time
}

// The factors a user can have confirmed; FactorNone when neither.
const (
	FactorNone = ""
	FactorTOTP = "totp"
	FactorCode = "code"
)

// FactorMethod says which second factor a user has confirmed: FactorTOTP,
// FactorCode or FactorNone. The service keeps a user to one of them.
func (t *Tx) FactorMethod(ctx context.Context, tenantID, userID int64) (string, error) {
	var totp, code int
	err := t.tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM totp_factors WHERE tenant_id = $1 AND user_id = $2 AND confirmed_at IS NOT NULL),
		(SELECT COUNT(*) FROM code_factors WHERE tenant_id = $1 AND user_id = $2 AND confirmed_at IS NOT NULL)`,
		tenantID, userID).Scan(&totp, &code)
	switch {
	case err != nil:
		return FactorNone, errs.Wrap(err, "store.FactorMethod")
	case totp > 0:
		return FactorTOTP, nil
	case code > 0:
		return FactorCode, nil
	}
	return FactorNone, nil
}

// CodeFactorOf returns a user's code factor; not found when there is none.
func (t *Tx) CodeFactorOf(ctx context.Context, tenantID, userID int64) (CodeFactor, error) {
	var f CodeFactor
	var confirmed sql.NullInt64
	err := t.one(ctx, "store.CodeFactorOf", "factor", `SELECT channel, address, confirmed_at FROM code_factors
		WHERE tenant_id = $1 AND user_id = $2`, []any{tenantID, userID}, &f.Channel, &f.Address, &confirmed)
	f.ConfirmedAt = timePtr(confirmed)
	return f, err
}

// StartCodeFactor stores a new, unconfirmed code factor, replacing an
// unconfirmed one. A confirmed one is kept: it must be removed first.
func (t *Tx) StartCodeFactor(ctx context.Context, tenantID, userID int64, channel, address string, now time.Time) error {
	res, err := t.exec(ctx, "store.StartCodeFactor", `INSERT INTO code_factors (user_id, tenant_id, channel, address, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET channel = excluded.channel, address = excluded.address, created_at = excluded.created_at
		WHERE code_factors.confirmed_at IS NULL`, userID, tenantID, channel, address, Micros(now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "factor_exists", "a second factor is already enrolled; remove it first")
	}
	return nil
}

// ConfirmCodeFactor marks a pending code factor confirmed and drops an
// authenticator app the user had started to set up, so that one factor
// stays. It reports false when no pending factor was there.
func (t *Tx) ConfirmCodeFactor(ctx context.Context, tenantID, userID int64, now time.Time) (bool, error) {
	res, err := t.exec(ctx, "store.ConfirmCodeFactor", `UPDATE code_factors SET confirmed_at = $1
		WHERE tenant_id = $2 AND user_id = $3 AND confirmed_at IS NULL`, Micros(now), tenantID, userID)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, errs.Wrap(err, "store.ConfirmCodeFactor")
	}
	_, err = t.exec(ctx, "store.ConfirmCodeFactor", `DELETE FROM totp_factors WHERE tenant_id = $1 AND user_id = $2 AND confirmed_at IS NULL`,
		tenantID, userID)
	return err == nil, err
}

// DeletePendingCodeFactor drops a code factor not yet confirmed, when the
// user confirms an authenticator app instead.
func (t *Tx) DeletePendingCodeFactor(ctx context.Context, tenantID, userID int64) error {
	_, err := t.exec(ctx, "store.DeletePendingCodeFactor", `DELETE FROM code_factors WHERE tenant_id = $1 AND user_id = $2 AND confirmed_at IS NULL`,
		tenantID, userID)
	return err
}

// LockUser makes the transactions that lock one user wait for each other
// on PostgreSQL, so that two sent at once cannot both pass a check of the
// user's state (a count, a factor already there); SQLite's single writer
// already serialises them.
func (t *Tx) LockUser(ctx context.Context, tenantID, userID int64) error {
	if t.engine != Postgres {
		return nil
	}
	var id int64
	return t.one(ctx, "store.LockUser", "user", `SELECT id FROM users WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
		[]any{tenantID, userID}, &id)
}

// CodeAddresses returns every stored code-factor address, for sealing and
// re-sealing.
func (t *Tx) CodeAddresses(ctx context.Context) ([]UserValue, error) {
	return t.userValues(ctx, "store.CodeAddresses", `SELECT tenant_id, user_id, address FROM code_factors ORDER BY user_id`)
}

// ReplaceCodeAddress swaps a stored address for another form of it
// (sealed, or sealed under another key) if it is still the one read.
func (t *Tx) ReplaceCodeAddress(ctx context.Context, tenantID, userID int64, old, address string) (bool, error) {
	return t.replaceUserValue(ctx, "store.ReplaceCodeAddress", `UPDATE code_factors SET address = $1 WHERE tenant_id = $2 AND user_id = $3 AND address = $4`,
		tenantID, userID, old, address)
}
