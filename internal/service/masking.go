package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/mask"
	"steward/internal/store"
)

// poolOnly reports whether the actor sees an unowned customer only because
// it sits in one of their pools: such viewers see contact details masked
// until they claim the customer.
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

func poolOnlyRecord(a *Actor, rec access.Record) bool {
	d := a.Subject.Check(access.Customer, access.View, rec)
	for _, r := range d.Reasons {
		if r.Source != "pool" {
			return false
		}
	}
	return d.Allowed
}

func (s *Service) maskIfPoolOnly(ctx context.Context, tx *store.Tx, a *Actor, c *crm.Customer) error {
	only, err := s.poolOnly(ctx, tx, a, *c)
	if only {
		maskContactFields(c)
	}
	return err
}

// maskPageIfPoolOnly masks, on a page of customers, those the actor sees
// only through a pool. The teams and shares of the page's pool customers
// are loaded together: one query per row made a page of pool customers
// four times slower than the list itself (docs/benchmarks.md).
func (s *Service) maskPageIfPoolOnly(ctx context.Context, tx *store.Tx, a *Actor, cs []crm.Customer) error {
	var ids []int64
	for _, c := range cs {
		if inPool(c) {
			ids = append(ids, c.ID)
		}
	}
	grants, err := tx.RecordGrantsOf(ctx, a.TenantID, ids)
	if err != nil {
		return err
	}
	for i := range cs {
		if !inPool(cs[i]) {
			continue
		}
		rec := recordFacts(cs[i])
		rec.Team, rec.Shares = grants[cs[i].ID].Team, grants[cs[i].ID].Shares
		if poolOnlyRecord(a, rec) {
			maskContactFields(&cs[i])
		}
	}
	return nil
}

func maskContactFields(c *crm.Customer) {
	c.Phone, c.Email, c.Address = mask.Phone(c.Phone), mask.Email(c.Email), mask.Address(c.Address)
}

func maskContact(c *crm.Contact) {
	c.Phone, c.Email = mask.Phone(c.Phone), mask.Email(c.Email)
}

func (s *Service) maskContactsIfPoolOnly(ctx context.Context, tx *store.Tx, a *Actor, c crm.Customer, contacts []crm.Contact) error {
	only, err := s.poolOnly(ctx, tx, a, c)
	if only {
		for i := range contacts {
			maskContact(&contacts[i])
		}
	}
	return err
}
