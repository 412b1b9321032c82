package service

import (
	"context"

	"steward/internal/store"
)

// TenantDeletion is what deleting a tenant did.
type TenantDeletion struct {
	TenantID      int64            `json:"tenant_id"`
	KeysDestroyed int64            `json:"keys_destroyed"`
	Rows          map[string]int64 `json:"rows" doc:"rows deleted, by table"`
}

// DeleteTenant deletes a tenant for good, an operator's act at the end of
// a contract (steward delete-tenant; docs/encryption.md, "Deleting a
// tenant"). First, in one transaction, its data keys are destroyed
// (crypto-shredding: whatever was sealed under them, here or in any
// backup, can no longer be opened), its sessions and API keys end and it
// is marked deleted, so nobody signs in to it again. Then its rows go,
// table by table; if that is cut short, running it again finishes. The
// tenant's own row stays as a tombstone: its id is never reused.
func (s *Service) DeleteTenant(ctx context.Context, slug string, progress func(table string, rows int64)) (TenantDeletion, error) {
	var out TenantDeletion
	var tenantID int64
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		t, err := tx.TenantBySlug(ctx, slug)
		if err != nil {
			return err
		}
		tenantID = t.ID
		out.KeysDestroyed, err = tx.ShredTenant(ctx, t.ID, s.now())
		return err
	})
	if err != nil {
		return out, err
	}
	s.dataKeys.forgetTenant(tenantID)
	d, err := s.purgeTenant(ctx, tenantID, progress)
	d.KeysDestroyed = out.KeysDestroyed
	return d, err
}

// ResumeTenantDeletion finishes deleting a tenant whose purge was cut
// short (it is already marked deleted, and its keys are gone).
func (s *Service) ResumeTenantDeletion(ctx context.Context, tenantID int64, progress func(table string, rows int64)) (TenantDeletion, error) {
	return s.purgeTenant(ctx, tenantID, progress)
}

func (s *Service) purgeTenant(ctx context.Context, tenantID int64, progress func(table string, rows int64)) (TenantDeletion, error) {
	out := TenantDeletion{TenantID: tenantID, Rows: map[string]int64{}}
	for _, table := range store.TenantTables {
		var n int64
		// Restartable: on PostgreSQL the purge of the audit queue can meet a
		// chainer holding the same rows in another order.
		err := s.DB.WriteRestartable(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.PurgeTenantTable(ctx, tenantID, table)
			return err
		})
		if err != nil {
			return out, err
		}
		out.Rows[table] = n
		if progress != nil {
			progress(table, n)
		}
	}
	return out, nil
}
