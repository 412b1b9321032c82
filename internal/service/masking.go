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
	if c.OwnerID != nil || c.PoolID == nil {
		return false, nil
	}
	rec, err := recordOf(ctx, tx, a.TenantID, c)
	if err != nil {
		return false, err
	}
	d := a.Subject.Check(access.Customer, access.View, rec)
	for _, r := range d.Reasons {
		if r.Source != "pool" {
			return false, nil
		}
	}
	return d.Allowed, nil
}

func (s *Service) maskIfPoolOnly(ctx context.Context, tx *store.Tx, a *Actor, c *crm.Customer) error {
	only, err := s.poolOnly(ctx, tx, a, *c)
	if only {
		maskContactFields(c)
	}
	return err
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
