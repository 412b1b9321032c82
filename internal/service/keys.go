package service

import (
	"context"
	"sync"
	"time"

	"steward/internal/errs"
	"steward/internal/keyring"
	"steward/internal/store"
)

// Sealed values (docs/encryption.md): the service seals what must not be
// stored in clear with its tenant's current data key, and opens it with
// the key the sealed value names. Data keys are unwrapped by the master
// key once and kept in memory by tenant and id: ids are random and never
// reused (store.CreateDataKey), and a key never changes, so the cache is
// never stale on any node. Which key is current is cached for a minute:
// rotation (keys_rotate.go) waits that long before it re-seals what is
// under the keys it retired.

var errNoMaster = errs.E(errs.Internal, "no_master_key", "no master key is configured, so nothing secret can be stored (steward serve --master-key-file, or STEWARD_MASTER_KEY)")

// currentTTL is how long a node keeps using the key it last saw current.
const currentTTL = time.Minute

// dataKeyCache holds unwrapped keys and each tenant's current key id.
type dataKeyCache struct {
	mu      sync.Mutex
	keys    map[[2]int64][]byte
	current map[currentRef]currentKey
}

type currentRef struct {
	tenantID int64
	kind     string
}

type currentKey struct {
	id   int64
	seen time.Time
}

func newDataKeyCache() *dataKeyCache {
	return &dataKeyCache{keys: map[[2]int64][]byte{}, current: map[currentRef]currentKey{}}
}

func (c *dataKeyCache) get(tenantID, id int64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[[2]int64{tenantID, id}]
	return k, ok
}

func (c *dataKeyCache) put(tenantID, id int64, k []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys[[2]int64{tenantID, id}] = k
}

func (c *dataKeyCache) currentID(tenantID int64, kind string, now time.Time) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.current[currentRef{tenantID, kind}]
	return k.id, ok && now.Sub(k.seen) < currentTTL && now.Sub(k.seen) >= 0
}

func (c *dataKeyCache) setCurrent(tenantID int64, kind string, id int64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current[currentRef{tenantID, kind}] = currentKey{id: id, seen: now}
}

// forgetCurrent drops which keys were current, so the next seal reads it.
// forgetTenant drops a deleted tenant's keys from memory.
func (c *dataKeyCache) forgetTenant(tenantID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, key := range c.keys {
		if k[0] == tenantID {
			keyring.Forget(key)
			clear(key)
			delete(c.keys, k)
		}
	}
	for r := range c.current {
		if r.tenantID == tenantID {
			delete(c.current, r)
		}
	}
}

func (c *dataKeyCache) forgetCurrent() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current = map[currentRef]currentKey{}
}

// freshKey is a key made in the current transaction: remembered in the
// transaction (Tx.SetMemo), cached only once it has committed.
type freshKey struct {
	tenantID int64
	kind     string
}

// keyByID returns one of a tenant's keys, unwrapped.
func (s *Service) keyByID(ctx context.Context, tx *store.Tx, tenantID, id int64) ([]byte, error) {
	if key, ok := s.dataKeys.get(tenantID, id); ok {
		return key, nil
	}
	for _, kind := range []string{store.KindData, store.KindIndex} {
		if v, ok := tx.Memo(freshKey{tenantID, kind}); ok && v.(madeKey).id == id {
			return v.(madeKey).key, nil
		}
	}
	k, err := tx.DataKeyByID(ctx, tenantID, id)
	if errs.KindOf(err) == errs.NotFound {
		// A sealed value names a key the tenant does not have: the
		// database is damaged, not the request.
		return nil, errs.E(errs.Internal, "data_key_missing", "data key %d of tenant %d is missing", id, tenantID)
	}
	if err != nil {
		return nil, err
	}
	key, err := s.unwrap(k)
	if err != nil {
		return nil, err
	}
	s.dataKeys.put(tenantID, id, key)
	return key, nil
}

// unwrap unwraps a stored key with the master that wrapped it: the
// current one, or one of the old ones a change of master keeps readable
// until every key is re-wrapped (RewrapKeys).
func (s *Service) unwrap(k store.DataKey) ([]byte, error) {
	for _, m := range append([]keyring.Master{s.Master}, s.OldMasters...) {
		if m != nil && m.ID() == k.MasterID {
			return m.Unwrap(k.Wrapped, keyring.WrapAD(k.TenantID, k.ID, k.Kind))
		}
	}
	if s.Master == nil {
		return nil, errNoMaster
	}
	return nil, errs.E(errs.Internal, "master_key_missing", "data key %d is wrapped by master key %s, which is not configured (steward serve --old-master-key-files)", k.ID, k.MasterID)
}

// currentKey returns the tenant's current key of the kind, making its
// first one when it has none.
func (s *Service) currentKey(ctx context.Context, tx *store.Tx, tenantID int64, kind string) (int64, []byte, error) {
	if s.Master == nil {
		return 0, nil, errNoMaster
	}
	if v, ok := tx.Memo(freshKey{tenantID, kind}); ok {
		return v.(madeKey).id, v.(madeKey).key, nil
	}
	now := s.Now()
	if id, ok := s.dataKeys.currentID(tenantID, kind, now); ok {
		key, err := s.keyByID(ctx, tx, tenantID, id)
		return id, key, err
	}
	k, ok, err := tx.CurrentDataKey(ctx, tenantID, kind)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return s.newKey(ctx, tx, tenantID, kind)
	}
	key, err := s.keyByID(ctx, tx, tenantID, k.ID)
	if err == nil {
		s.dataKeys.setCurrent(tenantID, kind, k.ID, now)
	}
	return k.ID, key, err
}

// madeKey is a key and its id.
type madeKey struct {
	id  int64
	key []byte
}

// newKey makes a key of the kind for the tenant in tx. The transaction
// remembers it; the cache learns of it only once it has committed, since
// a key of a transaction that rolled back names nothing.
func (s *Service) newKey(ctx context.Context, tx *store.Tx, tenantID int64, kind string) (int64, []byte, error) {
	fresh, err := keyring.NewDataKey()
	if err != nil {
		return 0, nil, err
	}
	k, err := tx.CreateDataKey(ctx, tenantID, kind, s.now(), func(id int64) ([]byte, string, error) {
		w, err := s.Master.Wrap(fresh, keyring.WrapAD(tenantID, id, kind))
		return w, s.Master.ID(), err
	})
	if err != nil {
		return 0, nil, err
	}
	tx.SetMemo(freshKey{tenantID, kind}, madeKey{k.ID, fresh})
	tx.AfterCommit(func() {
		s.dataKeys.put(tenantID, k.ID, fresh)
		s.dataKeys.setCurrent(tenantID, kind, k.ID, s.Now())
	})
	return k.ID, fresh, nil
}

// seal seals a value for its place under the tenant's current data key.
func (s *Service) seal(ctx context.Context, tx *store.Tx, p keyring.Place, plain string) (string, error) {
	id, key, err := s.currentKey(ctx, tx, p.TenantID, store.KindData)
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
	key, err := s.keyByID(ctx, tx, p.TenantID, id)
	if err != nil {
		return "", err
	}
	plain, err := keyring.Open(key, p, sealed)
	return string(plain), err
}

// SealClearSecrets seals the values of every sealed column (second-factor
// secrets, code-factor addresses) that were stored in clear, by an
// earlier version or by a server without a master key, in place: serve
// runs it at start, before any request, so that every secret is sealed
// before one is read (open refuses a value that is not sealed). It returns
// how many it sealed.
func (s *Service) SealClearSecrets(ctx context.Context) (int, error) {
	n := 0
	for _, c := range sealedColumns {
		var all []sealedValue
		if err := s.DB.Read(ctx, func(tx *store.Tx) error {
			var err error
			all, err = c.list(ctx, tx)
			return err
		}); err != nil {
			return n, err
		}
		for _, v := range all {
			if _, sealed := c.keyOf(v.sealed); sealed {
				continue
			}
			err := s.DB.Write(ctx, func(tx *store.Tx) error {
				sealed, err := s.seal(ctx, tx, v.place, v.sealed)
				if err != nil {
					return err
				}
				replaced, err := c.replace(ctx, tx, v, sealed)
				if replaced {
					n++
				}
				return err
			})
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
