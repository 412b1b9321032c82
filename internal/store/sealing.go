package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/keyring"
)

// The sensitive columns of customers and contacts (phone, email, address,
// and custom fields marked sensitive) are sealed here, on their way in and
// out, so that every path (lists, exports, imports, privacy requests,
// bulk loads) stores ciphertext and reads plaintext without knowing it
// (docs/encryption.md). The service owns the keys and lends them through a
// Sealer; the store decides which columns are sealed and binds each value
// to its tenant, table, column and row.

// Sealer lends the store a tenant's keys, unwrapped.
type Sealer interface {
	// Sealing reports whether it has keys to lend at all.
	Sealing() bool
	// DataKey returns the tenant's current data key and its id, making
	// the tenant's first one when it has none.
	DataKey(ctx context.Context, tx *Tx, tenantID int64) (int64, []byte, error)
	// KeyByID returns one of the tenant's data keys.
	KeyByID(ctx context.Context, tx *Tx, tenantID, id int64) ([]byte, error)
	// IndexKey returns the tenant's blind-index key. With create false it
	// returns nil when the tenant has none (then no row has an index).
	IndexKey(ctx context.Context, tx *Tx, tenantID int64, create bool) ([]byte, error)
}

// SetSealer makes every later transaction seal sensitive columns with s.
// Without one they are stored as given: a service built in code without a
// master key. steward serve always has one.
func (db *DB) SetSealer(s Sealer) { db.sealer = s }

// Sealing reports whether sensitive columns are sealed.
func (t *Tx) Sealing() bool { return t.sealer != nil && t.sealer.Sealing() }

// sealedCustom is how a sensitive custom value is stored inside the row's
// custom JSON: an object, which no custom field can hold as a value, so a
// sealed value is never mistaken for a typed one.
type sealedCustom struct {
	Sealed string `json:"sealed"`
}

// secrets are a row's sensitive values as they are stored.
type secrets struct {
	phone, email, address string
	custom                crm.Custom
	keyID                 any // the data key's id; nil when stored in clear
	phoneIdx, emailIdx    string
}

// sealRow seals one row's sensitive values for storage. Without a sealer
// they are returned as given.
func (t *Tx) sealRow(ctx context.Context, tenantID int64, o access.Object, table string, id int64, phone, email, address string, custom crm.Custom) (secrets, error) {
	out := secrets{phone: phone, email: email, address: address, custom: custom}
	if !t.Sealing() {
		return out, nil
	}
	var sensitive map[string]bool
	if len(custom) > 0 {
		var err error
		if sensitive, err = t.sensitiveCustom(ctx, tenantID, o); err != nil {
			return out, err
		}
	}
	keyID, key, err := t.sealer.DataKey(ctx, t, tenantID)
	if err != nil {
		return out, err
	}
	row := strconv.FormatInt(id, 10)
	seal := func(column, v string) (string, error) {
		if v == "" {
			return "", nil // an empty value stays empty: that a field is blank is not a secret
		}
		return keyring.Seal(key, keyID, keyring.Place{TenantID: tenantID, Table: table, Column: column, Row: row}, []byte(v))
	}
	if out.phone, err = seal("phone", phone); err != nil {
		return out, err
	}
	if out.email, err = seal("email", email); err != nil {
		return out, err
	}
	if out.address, err = seal("address", address); err != nil {
		return out, err
	}
	if len(custom) > 0 {
		out.custom = make(crm.Custom, len(custom))
		for k, v := range custom {
			if v == nil || !sensitive[k] {
				out.custom[k] = v
				continue
			}
			plain, err := json.Marshal(v)
			if err != nil {
				return out, errs.Wrap(err, "store.sealRow")
			}
			s, err := seal("custom."+k, string(plain))
			if err != nil {
				return out, err
			}
			out.custom[k] = sealedCustom{s}
		}
	}
	out.keyID = keyID
	if out.phoneIdx, out.emailIdx, err = t.blindIndexes(ctx, tenantID, phone, email, true); err != nil {
		return out, err
	}
	return out, nil
}

// blindIndexes returns the blind indexes of a phone number and an e-mail
// address ("" for a value that has none). With create false, a tenant
// without an index key yet gets "" for both.
func (t *Tx) blindIndexes(ctx context.Context, tenantID int64, phone, email string, create bool) (string, string, error) {
	p, e := keyring.NormalPhone(phone), keyring.NormalEmail(email)
	if p == "" && e == "" {
		return "", "", nil
	}
	key, err := t.sealer.IndexKey(ctx, t, tenantID, create)
	if err != nil || key == nil {
		return "", "", err
	}
	p, e = indexPair(key, tenantID, phone, email)
	return p, e, nil
}

// indexPair returns the blind indexes of a phone number and an e-mail.
func indexPair(key []byte, tenantID int64, phone, email string) (string, string) {
	return keyring.BlindIndex(key, tenantID, "phone", keyring.NormalPhone(phone)),
		keyring.BlindIndex(key, tenantID, "email", keyring.NormalEmail(email))
}

// sealedField is one sealed column of a row and where its value is read.
type sealedField struct {
	column string
	value  *string
}

// openRow opens a row's sealed values in place. A row with no key
// (keyID NULL) holds them in clear: written before sealing existed or
// without a master key; serve seals such rows at start (SealClearRows).
func (t *Tx) openRow(ctx context.Context, tenantID int64, table string, id int64, keyID sql.NullInt64, custom crm.Custom, vals ...sealedField) error {
	if !keyID.Valid {
		return nil
	}
	if !t.Sealing() {
		return errs.E(errs.Internal, "no_master_key", "customer data is sealed and no master key is configured (steward serve --master-key-file)")
	}
	row := strconv.FormatInt(id, 10)
	open := func(column, sealed string) (string, error) {
		kid, ok := keyring.KeyID(sealed)
		if !ok {
			return "", errs.E(errs.Internal, "unseal_failed", "a value stored at %s.%s is not sealed", table, column)
		}
		key, err := t.sealer.KeyByID(ctx, t, tenantID, kid)
		if err != nil {
			return "", err
		}
		plain, err := keyring.Open(key, keyring.Place{TenantID: tenantID, Table: table, Column: column, Row: row}, sealed)
		return string(plain), err
	}
	for _, f := range vals {
		if *f.value == "" {
			continue
		}
		plain, err := open(f.column, *f.value)
		if err != nil {
			return err
		}
		*f.value = plain
	}
	for k, v := range custom {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		sealed, _ := m["sealed"].(string)
		plain, err := open("custom."+k, sealed)
		if err != nil {
			return err
		}
		var val any
		if err := json.Unmarshal([]byte(plain), &val); err != nil {
			return errs.Wrap(err, "store.openRow")
		}
		custom[k] = val
	}
	return nil
}

// clearCustom is what a new row's insert writes of its custom values:
// all of them without a sealer; with one, none, since sealed values are
// bound to the row's id, which the insert makes (they follow in an update).
func (t *Tx) clearCustom(c crm.Custom) crm.Custom {
	if t.Sealing() {
		return nil
	}
	return c
}

// sensitiveKeysMemo is the transaction's memo of a tenant's custom fields
// marked sensitive, by object.
type sensitiveKeysMemo struct {
	tenantID int64
	object   access.Object
}

// sensitiveCustom returns the keys of the object's custom fields that are
// marked sensitive: their values are sealed.
func (t *Tx) sensitiveCustom(ctx context.Context, tenantID int64, o access.Object) (map[string]bool, error) {
	if v, ok := t.Memo(sensitiveKeysMemo{tenantID, o}); ok {
		return v.(map[string]bool), nil
	}
	defs, err := t.FieldDefs(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, f := range defs {
		if f.Object == o && !f.Builtin && f.Sensitive {
			out[f.Key] = true
		}
	}
	t.SetMemo(sensitiveKeysMemo{tenantID, o}, out)
	return out, nil
}

// BulkKeys are the keys a bulk load seals with: the tenant's current data
// key and its index key, fetched once for the whole load (a bulk load
// writes on a connection of its own, outside the store's transactions).
type BulkKeys struct {
	DataID      int64
	Data, Index []byte
}

// SealWith makes the load seal sensitive columns with the keys.
func (b *BulkLoad) SealWith(k BulkKeys) { b.keys = &k }

// seal is sealRow for a bulk load's built-in columns; without keys the
// values stay in clear.
func (k *BulkKeys) seal(tenantID int64, table string, id int64, phone, email, address string) (secrets, error) {
	out := secrets{phone: phone, email: email, address: address}
	if k == nil {
		return out, nil
	}
	row := strconv.FormatInt(id, 10)
	for _, v := range []struct {
		column string
		val    *string
	}{{"phone", &out.phone}, {"email", &out.email}, {"address", &out.address}} {
		if *v.val == "" {
			continue
		}
		s, err := keyring.Seal(k.Data, k.DataID, keyring.Place{TenantID: tenantID, Table: table, Column: v.column, Row: row}, []byte(*v.val))
		if err != nil {
			return out, err
		}
		*v.val = s
	}
	out.keyID = k.DataID
	out.phoneIdx, out.emailIdx = indexPair(k.Index, tenantID, phone, email)
	return out, nil
}
