package service

import (
	"context"
	"maps"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/store"
)

// Contacts, deals and activities are decided on through their customer:
// the customer must be visible, and the child object's own matrix cell must
// cover the customer. Looking one up by its own id checks its customer.

// Contacts lists a customer's contacts.
func (s *Service) Contacts(ctx context.Context, a *Actor, customerID int64, p store.ChildPage) ([]crm.Contact, error) {
	var out []crm.Contact
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		c, err := s.visibleCustomer(ctx, tx, a, customerID, access.Contact, access.View)
		if err != nil {
			return err
		}
		if out, err = tx.Contacts(ctx, a.TenantID, customerID, p); err != nil {
			return err
		}
		return s.redactContacts(ctx, tx, a, c, out)
	})
	return out, err
}

// Contact returns one contact.
func (s *Service) Contact(ctx context.Context, a *Actor, id int64) (crm.Contact, error) {
	var c crm.Contact
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.Contact(ctx, a.TenantID, id); err != nil {
			return err
		}
		cu, err := s.visibleCustomer(ctx, tx, a, c.CustomerID, access.Contact, access.View)
		if err != nil {
			return hideAs(err, "contact")
		}
		list := []crm.Contact{c}
		err = s.redactContacts(ctx, tx, a, cu, list)
		c = list[0]
		return err
	})
	return c, err
}

// SaveContact creates a contact under customerID (id 0) or updates contact id.
func (s *Service) SaveContact(ctx context.Context, a *Actor, customerID, id int64, in crm.ContactInput) (crm.Contact, error) {
	var c crm.Contact
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		act := access.Create
		if id != 0 {
			var err error
			if c, err = tx.Contact(ctx, a.TenantID, id); err != nil {
				return err
			}
			customerID, act = c.CustomerID, access.Edit
		}
		if err := s.childAllowed(ctx, tx, a, customerID, access.Contact, act, "contact"); err != nil {
			return err
		}
		c.CustomerID = customerID
		changed, err := applyInput(a, access.Contact, in, in.Custom, &c.Custom, id == 0, func() ([]string, error) { return in.Apply(&c, id == 0) })
		if err != nil {
			return err
		}
		if err := tx.SaveContact(ctx, a.TenantID, &c, s.now()); err != nil {
			return err
		}
		if err := s.recChild(ctx, tx, a, "contact", c.ID, customerID, id == 0, changed); err != nil {
			return err
		}
		cu, err := tx.Customer(ctx, a.TenantID, customerID)
		if err != nil {
			return err
		}
		list := []crm.Contact{c}
		err = s.redactContacts(ctx, tx, a, cu, list)
		c = list[0]
		return err
	})
	return c, err
}

// Deals lists a customer's deals.
func (s *Service) Deals(ctx context.Context, a *Actor, customerID int64, p store.ChildPage) ([]crm.Deal, error) {
	var out []crm.Deal
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		c, err := s.visibleCustomer(ctx, tx, a, customerID, access.Deal, access.View)
		if err != nil {
			return err
		}
		only, err := s.poolOnly(ctx, tx, a, c)
		if err != nil {
			return err
		}
		out, err = tx.Deals(ctx, a.TenantID, customerID, p)
		for i := range out {
			a.redactDeal(&out[i], only)
		}
		return err
	})
	return out, err
}

// Deal returns one deal.
func (s *Service) Deal(ctx context.Context, a *Actor, id int64) (crm.Deal, error) {
	var d crm.Deal
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if d, err = tx.Deal(ctx, a.TenantID, id); err != nil {
			return err
		}
		c, err := s.visibleCustomer(ctx, tx, a, d.CustomerID, access.Deal, access.View)
		if err != nil {
			return hideAs(err, "deal")
		}
		only, err := s.poolOnly(ctx, tx, a, c)
		a.redactDeal(&d, only)
		return err
	})
	return d, err
}

// SaveDeal creates a deal under customerID (id 0) or updates deal id.
func (s *Service) SaveDeal(ctx context.Context, a *Actor, customerID, id int64, in crm.DealInput) (crm.Deal, error) {
	var d crm.Deal
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		act := access.Create
		if id != 0 {
			var err error
			if d, err = tx.Deal(ctx, a.TenantID, id); err != nil {
				return err
			}
			customerID, act = d.CustomerID, access.Edit
		}
		if err := s.childAllowed(ctx, tx, a, customerID, access.Deal, act, "deal"); err != nil {
			return err
		}
		d.CustomerID = customerID
		changed, err := applyInput(a, access.Deal, in, in.Custom, &d.Custom, id == 0, func() ([]string, error) { return in.Apply(&d, id == 0) })
		if err != nil {
			return err
		}
		if err := tx.SaveDeal(ctx, a.TenantID, &d, s.now()); err != nil {
			return err
		}
		a.redactDeal(&d, false) // the writer may edit the customer: not theirs through a pool only
		return s.recChild(ctx, tx, a, "deal", d.ID, customerID, id == 0, changed)
	})
	return d, err
}

// Activities lists a customer's activities, newest first.
func (s *Service) Activities(ctx context.Context, a *Actor, customerID int64, p store.ChildPage) ([]crm.Activity, error) {
	var out []crm.Activity
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		c, err := s.visibleCustomer(ctx, tx, a, customerID, access.Activity, access.View)
		if err != nil {
			return err
		}
		only, err := s.poolOnly(ctx, tx, a, c)
		if err != nil {
			return err
		}
		out, err = tx.Activities(ctx, a.TenantID, customerID, p)
		for i := range out {
			a.redactActivity(&out[i], only)
		}
		return err
	})
	return out, err
}

// Activity returns one activity.
func (s *Service) Activity(ctx context.Context, a *Actor, id int64) (crm.Activity, error) {
	var act crm.Activity
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if act, err = tx.Activity(ctx, a.TenantID, id); err != nil {
			return err
		}
		c, err := s.visibleCustomer(ctx, tx, a, act.CustomerID, access.Activity, access.View)
		if err != nil {
			return hideAs(err, "activity")
		}
		only, err := s.poolOnly(ctx, tx, a, c)
		a.redactActivity(&act, only)
		return err
	})
	return act, err
}

// SaveActivity records a follow-up under customerID (id 0) or updates one;
// the customer's last activity time moves forward with it.
func (s *Service) SaveActivity(ctx context.Context, a *Actor, customerID, id int64, in crm.ActivityInput) (crm.Activity, error) {
	var act crm.Activity
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		action := access.Create
		if id != 0 {
			var err error
			if act, err = tx.Activity(ctx, a.TenantID, id); err != nil {
				return err
			}
			customerID, action = act.CustomerID, access.Edit
		}
		if err := s.childAllowed(ctx, tx, a, customerID, access.Activity, action, "activity"); err != nil {
			return err
		}
		now := s.now()
		act.CustomerID = customerID
		if id == 0 {
			act.CreatedBy = a.UserID
		}
		changed, err := applyInput(a, access.Activity, in, in.Custom, &act.Custom, id == 0, func() ([]string, error) { return in.Apply(&act, id == 0, now) })
		if err != nil {
			return err
		}
		if err := tx.SaveActivity(ctx, a.TenantID, &act, now); err != nil {
			return err
		}
		last, err := tx.CustomerLastActivity(ctx, a.TenantID, customerID)
		if err != nil {
			return err
		}
		if err := tx.TouchCustomerActivity(ctx, a.TenantID, customerID, act.OccurredAt); err != nil {
			return err
		}
		// Criteria may read the last activity time: the entry says how it
		// moved (null: it did not), so the trail can be read backwards.
		var moved any
		if act.OccurredAt.After(last) {
			moved = map[string]any{"before": last, "after": act.OccurredAt}
		}
		a.redactActivity(&act, false)
		return s.recordChild(ctx, tx, a, "activity", act.ID, customerID, id == 0, changed, map[string]any{"last_activity_at": moved})
	})
	return act, err
}

// DeleteChild removes a contact, deal or activity the actor may delete.
func (s *Service) DeleteChild(ctx context.Context, a *Actor, o access.Object, id int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		var customerID int64
		var table string
		switch o {
		case access.Contact:
			c, err := tx.Contact(ctx, a.TenantID, id)
			customerID, table = c.CustomerID, "contacts"
			if err != nil {
				return err
			}
		case access.Deal:
			d, err := tx.Deal(ctx, a.TenantID, id)
			customerID, table = d.CustomerID, "deals"
			if err != nil {
				return err
			}
		default:
			act, err := tx.Activity(ctx, a.TenantID, id)
			customerID, table = act.CustomerID, "activities"
			if err != nil {
				return err
			}
		}
		if err := s.childAllowed(ctx, tx, a, customerID, o, access.Delete, string(o)); err != nil {
			return err
		}
		if err := tx.DeleteChild(ctx, table, a.TenantID, id); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: string(o) + ".delete", targetType: string(o), targetID: id, links: store.AuditLinks{Customer: customerID},
			details: map[string]any{"customer_id": customerID}})
	})
}

// childAllowed checks an action on a child of customerID. A child reached by
// its own id whose customer is hidden is reported as the child not found.
func (s *Service) childAllowed(ctx context.Context, tx *store.Tx, a *Actor, customerID int64, o access.Object, act access.Action, what string) error {
	_, err := s.visibleCustomer(ctx, tx, a, customerID, o, act)
	if act == access.Create {
		return err
	}
	return hideAs(err, what)
}

// recChild records a child record's creation or change with its field
// names. The entry is linked to the customer, so the customer's history
// and a review's "last used" for a team place or share (one probe of the
// trail's customer index) both see work done on its contacts, deals and
// follow-ups.
func (s *Service) recChild(ctx context.Context, tx *store.Tx, a *Actor, kind string, id, customerID int64, created bool, fields []string) error {
	return s.recordChild(ctx, tx, a, kind, id, customerID, created, fields, nil)
}

// recordChild is recChild with extra details.
func (s *Service) recordChild(ctx context.Context, tx *store.Tx, a *Actor, kind string, id, customerID int64, created bool, fields []string, extra map[string]any) error {
	action := kind + ".update"
	if created {
		action = kind + ".create"
	}
	if fields == nil {
		fields = []string{}
	}
	details := map[string]any{"customer_id": customerID, "fields": fields}
	maps.Copy(details, extra)
	return s.rec(ctx, tx, a, event{action: action, targetType: kind, targetID: id, links: store.AuditLinks{Customer: customerID},
		details: details})
}
