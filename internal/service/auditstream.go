package service

import (
	"context"

	"steward/internal/audit"
	"steward/internal/store"
)

// These serve the audit stream (steward serve --audit-stream), which
// follows every tenant's committed trail from a saved position. They are
// the system's own reads, like verification, so they take no actor.

// AuditTenants lists every tenant's id.
func (s *Service) AuditTenants(ctx context.Context) ([]int64, error) { return s.tenantIDs(ctx) }

// AuditAfter returns up to limit committed entries of a tenant's trail
// after position after, in order. It follows the chain as the node's
// chainer extends it, and does not chain queued entries itself: the
// stream polls, and the chainer is never more than a poll behind.
func (s *Service) AuditAfter(ctx context.Context, tenantID, after int64, limit int) ([]audit.Entry, error) {
	var out []audit.Entry
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.AuditAfter(ctx, tenantID, after, limit)
		return err
	})
	return out, err
}

// StreamCursors returns where a stream, named by its destination, has got
// to in each tenant's trail.
func (s *Service) StreamCursors(ctx context.Context, sink string) (map[int64]int64, error) {
	var out map[int64]int64
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.StreamCursors(ctx, sink)
		return err
	})
	return out, err
}

// SaveStreamCursor records that a stream delivered a tenant's entries up
// to seq.
func (s *Service) SaveStreamCursor(ctx context.Context, sink string, tenantID, seq int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		return tx.SaveStreamCursor(ctx, sink, tenantID, seq, s.now())
	})
}
