package service

import (
	"context"
	"sync"

	"steward/internal/errs"
	"steward/internal/keyring"
	"steward/internal/store"
)

// Sealed values (docs/encryption.md): the service seals what must not be
// stored in clear with its tenant's current data key, and opens it with
// the key the sealed value names. Data keys are unwrapped by the master
// key once and kept in memory, by their wrapped form: that is unique (a
// fresh nonce per wrap) and never changes, so the cache is never stale on
// any node, even for a key whose creating transaction rolled back and
// whose id SQLite then gave to another.

var errNoMaster = errs.E(errs.Internal, "no_master_key", "no master key is configured, so nothing secret can be stored (steward serve --master-key-file, or STEWARD_MASTER_KEY)")

// dataKeyCache holds unwrapped data keys by their wrapped form.
type dataKeyCache struct {
	mu   sync.Mutex
	keys map[string][]byte
}

func (c *dataKeyCache) get(wrapped []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[string(wrapped)]
	return k, ok
}

func (c *dataKeyCache) put(wrapped, k []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys[string(wrapped)] = k
}

// unwrap returns a stored data key's key, from the cache or the master.
func (s *Service) unwrap(k store.DataKey) ([]byte, error) {
	if key, ok := s.dataKeys.get(k.Wrapped); ok {
		return key, nil
	}
	if s.Master == nil {
		return nil, errNoMaster
	}
	key, err := s.Master.Unwrap(k.Wrapped, keyring.WrapAD(k.TenantID, k.ID))
	if err != nil {
		return nil, err
	}
	s.dataKeys.put(k.Wrapped, key)
	return key, nil
}

// currentKey returns the tenant's current data key, making its first one
// when it has none.
func (s *Service) currentKey(ctx context.Context, tx *store.Tx, tenantID int64) (int64, []byte, error) {
	if s.Master == nil {
		return 0, nil, errNoMaster
	}
	k, ok, err := tx.CurrentDataKey(ctx, tenantID)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		fresh, err := keyring.NewDataKey()
		if err != nil {
			return 0, nil, err
		}
		if k, err = tx.CreateDataKey(ctx, tenantID, s.now(), func(id int64) ([]byte, string, error) {
			w, err := s.Master.Wrap(fresh, keyring.WrapAD(tenantID, id))
			return w, s.Master.ID(), err
		}); err != nil {
			return 0, nil, err
		}
		return k.ID, fresh, nil
	}
	key, err := s.unwrap(k)
	return k.ID, key, err
}

// seal seals a value for its place under the tenant's current key.
func (s *Service) seal(ctx context.Context, tx *store.Tx, p keyring.Place, plain string) (string, error) {
	id, key, err := s.currentKey(ctx, tx, p.TenantID)
	if err != nil {
		return "", err
	}
	return keyring.Seal(key, id, p, []byte(plain))
}

// open opens a sealed value from its place.
func (s *Service) open(ctx context.Context, tx *store.Tx, p keyring.Place, sealed string) (string, error) {
	id, ok := keyring.KeyID(sealed)
	if !ok {
		return "", errs.E(errs.Internal, "unseal_failed", "a value stored at %s.%s is not sealed", p.Table, p.Column)
	}
	k, err := tx.DataKeyByID(ctx, p.TenantID, id)
	if err != nil {
		return "", err
	}
	key, err := s.unwrap(k)
	if err != nil {
		return "", err
	}
	plain, err := keyring.Open(key, p, sealed)
	return string(plain), err
}

// SealClearSecrets seals the second-factor secrets that an earlier
// version stored in clear, in place: serve runs it at start, before any
// request, so that every secret is sealed before one is read (open refuses
// a value that is not sealed). It returns how many it sealed.
func (s *Service) SealClearSecrets(ctx context.Context) (int, error) {
	var all []store.StoredTOTP
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		all, err = tx.TOTPSecrets(ctx)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, f := range all {
		if keyring.IsSealed(f.Secret) {
			continue
		}
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			sealed, err := s.seal(ctx, tx, totpPlace(f.TenantID, f.UserID), f.Secret)
			if err != nil {
				return err
			}
			return tx.ReplaceTOTPSecret(ctx, f.TenantID, f.UserID, f.Secret, sealed)
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
