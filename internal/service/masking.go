package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/store"
)

// poolOnly reports whether the actor sees an unowned customer only because
// it sits in one of their pools: such viewers see its sensitive fields, and
// its contacts', masked until they claim it.
func (s *Service) poolOnly(ctx context.Context, tx *store.Tx, a *Actor, c crm.Customer) (bool, error) {
	if !inPool(c) {
		return false, nil
	}
	rec, err := recordOf(ctx, tx, a.TenantID, c)
	if err != nil {
		return false, err
	}
	return poolOnlyRecord(a, rec), nil
}

func inPool(c crm.Customer) bool { return c.OwnerID == nil && c.PoolID != nil }

// poolOnlyRecord reports whether nothing but a pool gives the actor a pool
// customer: whether they see it through the pool or, as a pool manager
// listing a pool they are not in, not at all. Either way its sensitive
// fields stay masked.
func poolOnlyRecord(a *Actor, rec access.Record) bool {
	d := a.Subject.Check(access.Customer, access.View, rec)
	for _, r := range d.Reasons {
		if r.Source != "pool" {
			return false
		}
	}
	return rec.InPool()
}

// redactOne applies the actor's field access to one customer.
func (s *Service) redactOne(ctx context.Context, tx *store.Tx, a *Actor, c *crm.Customer) error {
	only, err := s.poolOnly(ctx, tx, a, *c)
	if err != nil {
		return err
	}
	a.redactCustomer(c, only)
	return nil
}

// redactPage applies the actor's field access to a page of customers.
func (s *Service) redactPage(ctx context.Context, tx *store.Tx, a *Actor, cs []crm.Customer) error {
	only, err := s.poolOnlyFlags(ctx, tx, a, cs)
	for i := range cs {
		if err == nil {
			a.redactCustomer(&cs[i], only[i])
		}
	}
	return err
}

// poolOnlyFlags reports, for each customer of a page, whether the actor
// sees it only through a pool. The teams and shares of the page's pool
// customers are loaded together: one query per row made a page of pool
// customers four times slower than the list itself (docs/benchmarks.md).
func (s *Service) poolOnlyFlags(ctx context.Context, tx *store.Tx, a *Actor, cs []crm.Customer) ([]bool, error) {
	var ids []int64
	for _, c := range cs {
		if inPool(c) {
			ids = append(ids, c.ID)
		}
	}
	only := make([]bool, len(cs))
	if len(ids) == 0 {
		return only, nil
	}
	grants, err := tx.RecordGrantsOf(ctx, a.TenantID, ids)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if inPool(cs[i]) {
			rec := recordFacts(cs[i])
			rec.Team, rec.Shares = grants[cs[i].ID].Team, grants[cs[i].ID].Shares
			only[i] = poolOnlyRecord(a, rec)
		}
	}
	return only, nil
}

// redactContacts applies the actor's field access to contacts of customer c.
func (s *Service) redactContacts(ctx context.Context, tx *store.Tx, a *Actor, c crm.Customer, contacts []crm.Contact) error {
	only, err := s.poolOnly(ctx, tx, a, c)
	if err != nil {
		return err
	}
	for i := range contacts {
		a.redactContact(&contacts[i], only)
	}
	return nil
}
