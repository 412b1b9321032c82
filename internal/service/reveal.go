package service

import (
	"context"
	"slices"
	"strings"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/store"
)

// RevealRequest names the masked fields whose real values are wanted:
// built-in keys ("phone") and custom ones ("custom.id_number").
type RevealRequest struct {
	Fields []string `json:"fields"`
}

// Revealed is the real values of the fields asked for.
type Revealed struct {
	Values map[string]any `json:"values"`
}

// RevealCustomer returns unmasked values of a customer's fields to a
// holder of reveal for each; every reveal is audited, naming the fields
// (never the values). A customer seen only through a pool is claimed
// first, not revealed.
func (s *Service) RevealCustomer(ctx context.Context, a *Actor, id int64, in RevealRequest) (Revealed, error) {
	out := Revealed{Values: map[string]any{}}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		c, err := s.visibleCustomer(ctx, tx, a, id, access.Customer, access.View)
		if err != nil {
			return err
		}
		only, err := s.poolOnly(ctx, tx, a, c)
		if err != nil {
			return err
		}
		if err := a.reveal(access.Customer, in, customerSlots(&c), c.Custom, only, out.Values); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "customer.reveal", targetType: "customer", targetID: id,
			links: store.AuditLinks{Customer: id}, details: map[string]any{"fields": in.Fields}})
	})
	return out, err
}

// RevealContact is RevealCustomer for a contact.
func (s *Service) RevealContact(ctx context.Context, a *Actor, id int64, in RevealRequest) (Revealed, error) {
	out := Revealed{Values: map[string]any{}}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		ct, err := tx.Contact(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		c, err := s.visibleCustomer(ctx, tx, a, ct.CustomerID, access.Contact, access.View)
		if err != nil {
			return hideAs(err, "contact")
		}
		only, err := s.poolOnly(ctx, tx, a, c)
		if err != nil {
			return err
		}
		if err := a.reveal(access.Contact, in, contactSlots(&ct), ct.Custom, only, out.Values); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "contact.reveal", targetType: "contact", targetID: id,
			links: store.AuditLinks{Customer: c.ID}, details: map[string]any{"fields": in.Fields}})
	})
	return out, err
}

// reveal copies the asked-for values into out, refusing the whole request
// if any field is unknown or not revealable to the actor.
func (a *Actor) reveal(o access.Object, in RevealRequest, slots []slot, custom crm.Custom, poolOnly bool, out map[string]any) error {
	if len(in.Fields) == 0 || len(in.Fields) > 50 {
		return errs.Field("fields", "invalid_value", "fields must name 1 to 50 fields")
	}
	in.Fields = slices.Compact(slices.Sorted(slices.Values(in.Fields))) // a copy: the caller's slice goes to the audit trail
	for _, name := range in.Fields {
		key, isCustom := strings.CutPrefix(name, "custom.")
		f, ok := a.catalogue().Get(o, key)
		if !ok || f.Builtin == isCustom {
			return errs.Field("fields", "unknown_field", "%s is not a field of %s", name, o)
		}
		d := a.fieldAccess(o, key, poolOnly)
		if !d.Access.Readable() && !(d.Access == access.FieldMasked && d.Reveal) {
			why := "no role of yours may reveal it"
			if poolOnly && d.Sensitive {
				why = "claim the customer from its pool first"
			}
			return errs.E(errs.Forbidden, "reveal_not_allowed", "you may not reveal %s: %s", name, why).WithField(name)
		}
		if isCustom {
			out[name] = custom[key]
			continue
		}
		for _, s := range slots { // customers and contacts: every built-in is text
			if s.key == key && s.text != nil {
				out[name] = *s.text
			}
		}
	}
	return nil
}
