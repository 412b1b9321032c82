package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"time"

	"steward/internal/errs"
)

// DataKey is a tenant's data key as stored: wrapped by the master key
// named MasterID (keyring.Master). The store never sees it unwrapped.
type DataKey struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"` // KindData or KindIndex
	TenantID  int64      `json:"tenant_id"`
	Wrapped   []byte     `json:"-"`
	MasterID  string     `json:"master_id"`
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at"`
}

// The kinds of key: a data key seals values; an index key makes blind
// indexes of searchable sealed values.
const (
	KindData  = "data"
	KindIndex = "index"
)

const dataKeyCols = `id, kind, tenant_id, wrapped, master_id, created_at, retired_at`

func scanDataKey(row interface{ Scan(...any) error }) (DataKey, error) {
	var k DataKey
	var wrapped string
	var created int64
	var retired sql.NullInt64
	if err := row.Scan(&k.ID, &k.Kind, &k.TenantID, &wrapped, &k.MasterID, &created, &retired); err != nil {
		return k, err
	}
	w, err := base64.StdEncoding.DecodeString(wrapped)
	if err != nil {
		return k, errs.Wrap(err, "store.scanDataKey")
	}
	k.Wrapped, k.CreatedAt, k.RetiredAt = w, FromMicros(created), timePtr(retired)
	return k, nil
}

// CurrentDataKey returns the tenant's newest key of the kind that is not
// retired; ok is false when it has none yet.
func (t *Tx) CurrentDataKey(ctx context.Context, tenantID int64, kind string) (DataKey, bool, error) {
	k, err := scanDataKey(t.tx.QueryRowContext(ctx, `SELECT `+dataKeyCols+` FROM data_keys
		WHERE tenant_id = $1 AND kind = $2 AND retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`, tenantID, kind))
	if err == sql.ErrNoRows {
		return k, false, nil
	}
	return k, err == nil, t.classify(err, "store.CurrentDataKey")
}

// DataKeyByID returns one of the tenant's keys.
func (t *Tx) DataKeyByID(ctx context.Context, tenantID, id int64) (DataKey, error) {
	k, err := scanDataKey(t.tx.QueryRowContext(ctx, `SELECT `+dataKeyCols+` FROM data_keys WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err == sql.ErrNoRows {
		return k, errs.NotVisible("data key")
	}
	return k, t.classify(err, "store.DataKeyByID")
}

// CreateDataKey stores a new key of the kind for the tenant, under a
// random id: ids are never reused, even when the transaction that made one
// rolls back, so a key cached by id is always the key that id names. The
// wrap binds the id, so wrap is called with it.
func (t *Tx) CreateDataKey(ctx context.Context, tenantID int64, kind string, now time.Time, wrap func(id int64) ([]byte, string, error)) (DataKey, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return DataKey{}, errs.Wrap(err, "store.CreateDataKey")
	}
	id := int64(binary.BigEndian.Uint64(b[:])>>2) + 1 // positive, below 2^62
	wrapped, master, err := wrap(id)
	if err != nil {
		return DataKey{}, err
	}
	k := DataKey{ID: id, Kind: kind, TenantID: tenantID, Wrapped: wrapped, MasterID: master, CreatedAt: now.UTC().Truncate(time.Microsecond)}
	_, err = t.exec(ctx, "store.CreateDataKey", `INSERT INTO data_keys (id, kind, tenant_id, wrapped, master_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, kind, tenantID, base64.StdEncoding.EncodeToString(wrapped), master, Micros(now))
	return k, err
}

// RewrapDataKey stores a key's new wrap (under a new master key).
func (t *Tx) RewrapDataKey(ctx context.Context, tenantID, id int64, wrapped []byte, master string) error {
	_, err := t.exec(ctx, "store.RewrapDataKey", `UPDATE data_keys SET wrapped = $1, master_id = $2 WHERE tenant_id = $3 AND id = $4`,
		base64.StdEncoding.EncodeToString(wrapped), master, tenantID, id)
	return err
}

// RetireDataKey marks a key retired: no longer current, still readable.
func (t *Tx) RetireDataKey(ctx context.Context, tenantID, id int64, now time.Time) error {
	_, err := t.exec(ctx, "store.RetireDataKey", `UPDATE data_keys SET retired_at = $1 WHERE tenant_id = $2 AND id = $3 AND retired_at IS NULL`,
		Micros(now), tenantID, id)
	return err
}

// DataKeys lists the keys of a tenant (tenantID > 0) or of every tenant,
// by tenant and age.
func (t *Tx) DataKeys(ctx context.Context, tenantID int64) ([]DataKey, error) {
	rows, err := t.query(ctx, "store.DataKeys", `SELECT `+dataKeyCols+` FROM data_keys WHERE $1 = 0 OR tenant_id = $1
		ORDER BY tenant_id, kind, created_at, id`, tenantID)
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

// UserValue is a value stored once per user (a second-factor secret, a
// code-factor address), with its owner: what sealing and re-sealing walk.
type UserValue struct {
	TenantID, UserID int64
	Value            string
}

// TOTPSecrets returns every stored second-factor secret, for sealing
// those an earlier version kept in clear.
func (t *Tx) TOTPSecrets(ctx context.Context) ([]UserValue, error) {
	return t.userValues(ctx, "store.TOTPSecrets", `SELECT tenant_id, user_id, secret FROM totp_factors ORDER BY user_id`)
}

// ReplaceTOTPSecret swaps a stored secret for another form of it (sealed,
// or sealed under a newer key), if it is still the one read, and says
// whether it was (a user may have re-enrolled meanwhile).
func (t *Tx) ReplaceTOTPSecret(ctx context.Context, tenantID, userID int64, old, secret string) (bool, error) {
	return t.replaceUserValue(ctx, "store.ReplaceTOTPSecret", `UPDATE totp_factors SET secret = $1 WHERE tenant_id = $2 AND user_id = $3 AND secret = $4`,
		tenantID, userID, old, secret)
}

// userValues reads (tenant_id, user_id, value) rows.
func (t *Tx) userValues(ctx context.Context, op, q string) ([]UserValue, error) {
	rows, err := t.query(ctx, op, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UserValue
	for rows.Next() {
		var v UserValue
		if err := rows.Scan(&v.TenantID, &v.UserID, &v.Value); err != nil {
			return nil, errs.Wrap(err, op)
		}
		out = append(out, v)
	}
	return out, errs.Wrap(rows.Err(), op)
}

// replaceUserValue runs q, an UPDATE setting $1 where the tenant ($2),
// user ($3) and old value ($4) match, and says whether a row changed.
func (t *Tx) replaceUserValue(ctx context.Context, op, q string, tenantID, userID int64, old, value string) (bool, error) {
	res, err := t.exec(ctx, op, q, value, tenantID, userID, old)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, errs.Wrap(err, op)
}

// DataKeyMasters lists the master keys that wrap the database's data keys.
func (t *Tx) DataKeyMasters(ctx context.Context) ([]string, error) {
	rows, err := t.query(ctx, "store.DataKeyMasters", `SELECT DISTINCT master_id FROM data_keys ORDER BY master_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, errs.Wrap(err, "store.DataKeyMasters")
		}
		out = append(out, m)
	}
	return out, errs.Wrap(rows.Err(), "store.DataKeyMasters")
}
