package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"time"

	"steward/internal/errs"
)

// DataKey is a tenant's data key as stored: wrapped by the master key
// named MasterID (keyring.Master). The store never sees it unwrapped.
type DataKey struct {
	ID        int64      `json:"id"`
	TenantID  int64      `json:"tenant_id"`
	Wrapped   []byte     `json:"-"`
	MasterID  string     `json:"master_id"`
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at"`
}

const dataKeyCols = `id, tenant_id, wrapped, master_id, created_at, retired_at`

func scanDataKey(row interface{ Scan(...any) error }) (DataKey, error) {
	var k DataKey
	var wrapped string
	var created int64
	var retired sql.NullInt64
	if err := row.Scan(&k.ID, &k.TenantID, &wrapped, &k.MasterID, &created, &retired); err != nil {
		return k, err
	}
	w, err := base64.StdEncoding.DecodeString(wrapped)
	if err != nil {
		return k, errs.Wrap(err, "store.scanDataKey")
	}
	k.Wrapped, k.CreatedAt, k.RetiredAt = w, FromMicros(created), timePtr(retired)
	return k, nil
}

// CurrentDataKey returns the tenant's newest data key that is not retired;
// ok is false when it has none yet.
func (t *Tx) CurrentDataKey(ctx context.Context, tenantID int64) (DataKey, bool, error) {
	k, err := scanDataKey(t.tx.QueryRowContext(ctx, `SELECT `+dataKeyCols+` FROM data_keys
		WHERE tenant_id = $1 AND retired_at IS NULL ORDER BY id DESC LIMIT 1`, tenantID))
	if err == sql.ErrNoRows {
		return k, false, nil
	}
	return k, err == nil, t.classify(err, "store.CurrentDataKey")
}

// DataKeyByID returns one of the tenant's data keys.
func (t *Tx) DataKeyByID(ctx context.Context, tenantID, id int64) (DataKey, error) {
	k, err := scanDataKey(t.tx.QueryRowContext(ctx, `SELECT `+dataKeyCols+` FROM data_keys WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err == sql.ErrNoRows {
		return k, errs.NotVisible("data key")
	}
	return k, t.classify(err, "store.DataKeyByID")
}

// CreateDataKey stores a new data key for the tenant. The key's wrap binds
// its id, which the row gets on insert, so wrap is called with the id and
// its result written in the same transaction.
func (t *Tx) CreateDataKey(ctx context.Context, tenantID int64, now time.Time, wrap func(id int64) ([]byte, string, error)) (DataKey, error) {
	const op = "store.CreateDataKey"
	id, err := t.insert(ctx, op, `INSERT INTO data_keys (tenant_id, wrapped, master_id, created_at) VALUES ($1, '', '', $2)`, tenantID, Micros(now))
	if err != nil {
		return DataKey{}, err
	}
	wrapped, master, err := wrap(id)
	if err != nil {
		return DataKey{}, err
	}
	if _, err := t.exec(ctx, op, `UPDATE data_keys SET wrapped = $1, master_id = $2 WHERE id = $3`,
		base64.StdEncoding.EncodeToString(wrapped), master, id); err != nil {
		return DataKey{}, err
	}
	return DataKey{ID: id, TenantID: tenantID, Wrapped: wrapped, MasterID: master, CreatedAt: now.UTC().Truncate(time.Microsecond)}, nil
}

// DataKeys lists the tenant's data keys, oldest first.
func (t *Tx) DataKeys(ctx context.Context, tenantID int64) ([]DataKey, error) {
	rows, err := t.query(ctx, "store.DataKeys", `SELECT `+dataKeyCols+` FROM data_keys WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DataKey
	for rows.Next() {
		k, err := scanDataKey(rows)
		if err != nil {
			return nil, errs.Wrap(err, "store.DataKeys")
		}
		out = append(out, k)
	}
	return out, errs.Wrap(rows.Err(), "store.DataKeys")
}

// StoredTOTP is a second-factor secret as stored, with its owner.
type StoredTOTP struct {
	TenantID, UserID int64
	Secret           string
}

// TOTPSecrets returns every stored second-factor secret, for sealing
// those an earlier version kept in clear.
func (t *Tx) TOTPSecrets(ctx context.Context) ([]StoredTOTP, error) {
	rows, err := t.query(ctx, "store.TOTPSecrets", `SELECT tenant_id, user_id, secret FROM totp_factors ORDER BY user_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredTOTP
	for rows.Next() {
		var s StoredTOTP
		if err := rows.Scan(&s.TenantID, &s.UserID, &s.Secret); err != nil {
			return nil, errs.Wrap(err, "store.TOTPSecrets")
		}
		out = append(out, s)
	}
	return out, errs.Wrap(rows.Err(), "store.TOTPSecrets")
}

// ReplaceTOTPSecret swaps a stored secret for another form of it (sealed,
// or sealed under a newer key), if it is still the one read.
func (t *Tx) ReplaceTOTPSecret(ctx context.Context, tenantID, userID int64, old, secret string) error {
	_, err := t.exec(ctx, "store.ReplaceTOTPSecret", `UPDATE totp_factors SET secret = $1 WHERE tenant_id = $2 AND user_id = $3 AND secret = $4`,
		secret, tenantID, userID, old)
	return err
}
