package service

import (
	"context"
	"steward/internal/rewind"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/store"
)

// AppendForBench appends one typical entry (a customer update) in tx; the
// audit benchmarks use it to build long trails quickly.
func AppendForBench(ctx context.Context, s *Service, tx *store.Tx, tenantID int64, i int) error {
	return s.record(ctx, tx, nil, tenantID, event{action: "customer.update", targetType: "customer", targetID: int64(i + 1),
		links: store.AuditLinks{Customer: int64(i + 1)}, details: map[string]any{"fields": []string{"name", "phone"}}})
}

// UpdateCustomerWithoutAudit is UpdateCustomer minus its audit entry. The
// audit benchmarks compare the two to measure what the entry adds to the
// request path; production code has no way to skip the entry, so the body
// is repeated here rather than switched off there. Keep it in step with
// UpdateCustomer.
func UpdateCustomerWithoutAudit(ctx context.Context, s *Service, a *Actor, id int64, in crm.CustomerInput) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		c, err := s.visibleCustomer(ctx, tx, a, id, access.Customer, access.Edit)
		if err != nil {
			return err
		}
		changed, err := applyInput(a, access.Customer, in, in.Custom, &c.Custom, false, func() ([]string, error) { return in.Apply(&c, false) })
		if err != nil || len(changed) == 0 {
			if err == nil {
				err = s.redactOne(ctx, tx, a, &c)
			}
			return err
		}
		if err := tx.UpdateCustomer(ctx, a.TenantID, &c, s.now()); err != nil {
			return err
		}
		return s.redactOne(ctx, tx, a, &c)
	})
}

// SetPolicyDiffLimits sets when a policy dry run reads branches in one
// pass, tests them through bitmaps and counts children from every
// customer's count (policyDiffLimits), so that the property tests take
// every way; it returns a function restoring the limits.
func SetPolicyDiffLimits(onePass, bitmap, childCounts int) func() {
	old := policyDiffLimits
	policyDiffLimits = diffLimits{onePass: onePass, bitmap: bitmap, childCounts: childCounts}
	return func() { policyDiffLimits = old }
}

// AccessAtUnsettled is AccessAt without chaining the queue first: what it
// answers when changes commit between its chaining and its snapshot.
func AccessAtUnsettled(ctx context.Context, s *Service, tenantID, customerID int64, at time.Time) (AccessAt, error) {
	out := AccessAt{CustomerID: customerID, At: at.UTC(), Users: []rewind.Access{}, Gaps: []rewind.Gap{}}
	return out, s.accessAtSnapshot(ctx, tenantID, customerID, at, &out)
}
