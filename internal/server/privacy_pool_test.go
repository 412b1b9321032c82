package server_test

import (
	"testing"

	"steward/internal/store"
	"steward/internal/store/storetest"
)

// A customer whose processing a privacy request restricted cannot be
// claimed from a pool (a claim changes its owner) until the restriction
// is lifted.
func TestRestrictedPoolCustomerNotClaimed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		var pool idOnly
		o.admin.must("POST", "/pools", map[string]any{"name": "East pool", "departments": []int64{o.east}, "holding_cap": 5, "cooldown_days": 0, "auto_return_days": 30}, 201, &pool)
		c := o.a.mkCustomer("Frozen Lead")
		o.a.must("POST", p("/customers/%d/return", c), map[string]any{"reason": "no budget", "pool_id": pool.ID}, 200, nil)
		var req idOnly
		o.admin.must("POST", "/privacy-requests", map[string]any{"kind": "restrict", "subject_type": "customer", "subject_id": c}, 201, &req)
		o.admin.must("POST", p("/privacy-requests/%d/restrict", req.ID), nil, 200, nil)
		if r := o.b.do("POST", p("/pools/%d/claim", pool.ID), map[string]any{"customer_id": c}); r.status != 409 || r.errCode() != "processing_restricted" {
			t.Fatalf("claiming a restricted customer: %d %s", r.status, r.body)
		}
		o.admin.must("DELETE", p("/customers/%d/restriction", c), nil, 204, nil)
		o.b.must("POST", p("/pools/%d/claim", pool.ID), map[string]any{"customer_id": c}, 200, nil)
	})
}
