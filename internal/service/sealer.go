package service

import (
	"context"

	"steward/internal/store"
)

// storeSealer lends the store this service's keys, so that it seals the
// sensitive columns of customers and contacts on every path
// (store.Sealer, docs/encryption.md). Without a master key it seals
// nothing: a service built in code for a test may leave Master unset;
// steward serve never does.
type storeSealer struct{ s *Service }

func (k storeSealer) Sealing() bool { return k.s.Master != nil }

func (k storeSealer) DataKey(ctx context.Context, tx *store.Tx, tenantID int64) (int64, []byte, error) {
	return k.s.currentKey(ctx, tx, tenantID, store.KindData)
}

func (k storeSealer) KeyByID(ctx context.Context, tx *store.Tx, tenantID, id int64) ([]byte, error) {
	return k.s.keyByID(ctx, tx, tenantID, id)
}

// IndexKey returns the tenant's index key. A search (create false) runs
// in a read transaction, which cannot make one; a tenant without an index
// key has no row with an index, so nil says "nothing matches".
func (k storeSealer) IndexKey(ctx context.Context, tx *store.Tx, tenantID int64, create bool) ([]byte, error) {
	if create {
		_, key, err := k.s.currentKey(ctx, tx, tenantID, store.KindIndex)
		return key, err
	}
	if k.s.Master == nil {
		return nil, errNoMaster
	}
	if v, ok := tx.Memo(freshKey{tenantID, store.KindIndex}); ok {
		return v.(madeKey).key, nil
	}
	if id, ok := k.s.dataKeys.currentID(tenantID, store.KindIndex, k.s.Now()); ok {
		return k.s.keyByID(ctx, tx, tenantID, id)
	}
	stored, ok, err := tx.CurrentDataKey(ctx, tenantID, store.KindIndex)
	if err != nil || !ok {
		return nil, err
	}
	key, err := k.s.keyByID(ctx, tx, tenantID, stored.ID)
	if err == nil {
		k.s.dataKeys.setCurrent(tenantID, store.KindIndex, stored.ID, k.s.Now())
	}
	return key, err
}

// BulkKeys returns the keys a bulk load into the tenant seals with,
// making them if the tenant has none; ok is false without a master key
// (the load then writes in clear, as the service would).
func (s *Service) BulkKeys(ctx context.Context, tenantID int64) (store.BulkKeys, bool, error) {
	var k store.BulkKeys
	if s.Master == nil {
		return k, false, nil
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if k.DataID, k.Data, err = s.currentKey(ctx, tx, tenantID, store.KindData); err != nil {
			return err
		}
		_, k.Index, err = s.currentKey(ctx, tx, tenantID, store.KindIndex)
		return err
	})
	return k, err == nil, err
}
