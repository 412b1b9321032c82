package service

import (
	"context"

	"steward/internal/store"
)

// AppendForBench appends one typical entry (a customer update) in tx; the
// audit benchmarks use it to build long trails quickly.
func AppendForBench(ctx context.Context, s *Service, tx *store.Tx, tenantID int64, i int) error {
	return s.record(ctx, tx, nil, tenantID, event{action: "customer.update", targetType: "customer", targetID: int64(i + 1),
		links: store.AuditLinks{Customer: int64(i + 1)}, details: map[string]any{"fields": []string{"name", "phone"}}})
}
