package service

import (
	"context"
	"slices"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// PoolInput is a pool as a caller writes it.
type PoolInput struct {
	Name           string  `json:"name"`
	Departments    []int64 `json:"departments"`
	HoldingCap     int     `json:"holding_cap"`
	CooldownDays   int     `json:"cooldown_days,omitempty"`
	AutoReturnDays int     `json:"auto_return_days,omitempty"`
}

// ClaimRequest names the customer to claim from a pool.
type ClaimRequest struct {
	CustomerID int64  `json:"customer_id"`
	Reason     string `json:"reason,omitempty"`
}

// ReturnRequest returns a customer to a pool; the reason is required.
type ReturnRequest struct {
	Reason string `json:"reason"`
	PoolID *int64 `json:"pool_id,omitempty"` // defaults to the customer's pool
}

// Pools lists the tenant's pools; members see the pools they belong to.
func (s *Service) Pools(ctx context.Context, a *Actor) ([]store.StoredPool, error) {
	var out []store.StoredPool
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		all, err := tx.Pools(ctx, a.TenantID)
		for _, p := range all {
			if a.Subject.Can(access.ManagePools) || slices.Contains(a.Subject.PoolIDs(), p.ID) {
				out = append(out, p)
			}
		}
		return err
	})
	if out == nil {
		out = []store.StoredPool{}
	}
	return out, err
}

// SavePool creates (id 0) or replaces a pool.
func (s *Service) SavePool(ctx context.Context, a *Actor, id int64, in PoolInput) (store.StoredPool, error) {
	if err := a.need(access.ManagePools); err != nil {
		return store.StoredPool{Pool: access.Pool{ID: id}}, err
	}
	var p store.StoredPool
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		p, err = s.savePool(ctx, tx, a, id, in)
		return err
	})
	return p, err
}

// savePool is SavePool inside the caller's transaction: a policy document
// applies its pools through it (policy_apply.go).
func (s *Service) savePool(ctx context.Context, tx *store.Tx, a *Actor, id int64, in PoolInput) (store.StoredPool, error) {
	p := store.StoredPool{Pool: access.Pool{ID: id, Departments: in.Departments},
		PoolSettings: store.PoolSettings{HoldingCap: in.HoldingCap, CooldownDays: in.CooldownDays, AutoReturnDays: in.AutoReturnDays}}
	var err error
	if p.Name, err = fieldcheck.Name("name", in.Name, 100); err != nil {
		return p, err
	}
	for _, b := range []struct {
		field string
		v     int
	}{{"holding_cap", in.HoldingCap}, {"cooldown_days", in.CooldownDays}, {"auto_return_days", in.AutoReturnDays}} {
		if b.v < 0 || b.v > 10000 {
			return p, errs.Field(b.field, "invalid_value", "%s must be between 0 and 10000", b.field)
		}
	}
	if len(in.Departments) == 0 {
		return p, errs.Field("departments", "field_required", "a pool needs at least one member department")
	}
	for i, d := range in.Departments {
		if _, err := tx.Department(ctx, a.TenantID, d); err != nil {
			return p, errs.Field("departments["+strconv.Itoa(i)+"]", "invalid_reference", "departments names no department")
		}
	}
	var before *store.StoredPool
	if id != 0 {
		b, err := findPool(ctx, tx, a.TenantID, id)
		if err != nil {
			return p, err
		}
		before = &b
	}
	if err := tx.SavePool(ctx, a.TenantID, &p, s.now()); err != nil {
		return p, err
	}
	if err := s.rec(ctx, tx, a, ruleEvent("pool", id, p.ID, before, p)); err != nil {
		return p, err
	}
	return p, tx.BumpPolicy(ctx, a.TenantID)
}

// DeletePool removes a pool that holds no customers.
func (s *Service) DeletePool(ctx context.Context, a *Actor, id int64) error {
	if err := a.need(access.ManagePools); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error { return s.deletePool(ctx, tx, a, id) })
}

// deletePool is DeletePool inside the caller's transaction.
func (s *Service) deletePool(ctx context.Context, tx *store.Tx, a *Actor, id int64) error {
	before, err := findPool(ctx, tx, a.TenantID, id)
	if err != nil {
		return err
	}
	if err := tx.DeletePool(ctx, a.TenantID, id); err != nil {
		return err
	}
	if err := s.rec(ctx, tx, a, event{action: "pool.delete", targetType: "pool", targetID: id, details: map[string]any{"before": before}}); err != nil {
		return err
	}
	return tx.BumpPolicy(ctx, a.TenantID)
}

// PoolCustomers lists the unowned customers of a pool the actor belongs to.
func (s *Service) PoolCustomers(ctx context.Context, a *Actor, poolID int64, q store.CustomerQuery) (Page[crm.Customer], error) {
	if !slices.Contains(a.Subject.PoolIDs(), poolID) && !a.Subject.Can(access.ManagePools) {
		return Page[crm.Customer]{}, errs.NotVisible("pool")
	}
	f := access.Filter{Pools: []int64{poolID}, Now: s.now(), Exclude: a.Subject.Filter(access.Customer, access.View).Exclude}
	return s.customerPage(ctx, a, f, q)
}

// Claim makes the actor the owner of a customer in one of their pools,
// within the pool's holding cap and outside the re-claim cool-down.
func (s *Service) Claim(ctx context.Context, a *Actor, poolID int64, in ClaimRequest) (crm.Customer, error) {
	var c crm.Customer
	reason, err := fieldcheck.Optional("reason", in.Reason, 500)
	if err != nil {
		return c, err
	}
	if !slices.Contains(a.Subject.PoolIDs(), poolID) {
		return c, errs.NotVisible("pool")
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		pool, err := findPool(ctx, tx, a.TenantID, poolID)
		if err != nil {
			return err
		}
		if c, err = tx.Customer(ctx, a.TenantID, in.CustomerID); err != nil || c.PoolID == nil || *c.PoolID != poolID || c.OwnerID != nil {
			if err == nil && c.OwnerID != nil && c.PoolID != nil && *c.PoolID == poolID {
				return errs.E(errs.Conflict, "already_claimed", "someone claimed this customer first")
			}
			return errs.Field("customer_id", "not_in_pool", "the customer is not in this pool")
		}
		if err := s.checkClaim(ctx, tx, a, pool, c.ID); err != nil {
			return err
		}
		dept, err := tx.Department(ctx, a.TenantID, a.User.DepartmentID)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.ClaimCustomer(ctx, a.TenantID, c.ID, a.UserID, dept, now); err != nil {
			return err
		}
		if err := tx.PoolEvent(ctx, a.TenantID, poolID, c.ID, &a.UserID, "claim", reason, now); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "customer.claim", targetType: "customer", targetID: c.ID, links: store.AuditLinks{Customer: c.ID, User: a.UserID},
			details: map[string]any{"pool_id": poolID, "reason": reason, "last_activity_at": map[string]any{"before": c.LastActivityAt, "after": now}}}); err != nil {
			return err
		}
		if c, err = tx.Customer(ctx, a.TenantID, c.ID); err != nil {
			return err
		}
		return s.redactOne(ctx, tx, a, &c)
	})
	return c, err
}

func (s *Service) checkClaim(ctx context.Context, tx *store.Tx, a *Actor, pool store.StoredPool, customerID int64) error {
	// A claim changes the owner: processing a privacy restriction freezes.
	if restricted, err := tx.Restricted(ctx, a.TenantID, customerID); err != nil || restricted {
		if err == nil {
			err = errRestricted
		}
		return err
	}
	held, err := tx.HeldFromPool(ctx, a.TenantID, a.UserID, pool.ID)
	if err != nil {
		return err
	}
	if held >= pool.HoldingCap {
		return errs.E(errs.Conflict, "holding_cap_reached", "you already hold %d customers from this pool, its limit", held)
	}
	last, err := tx.LastReturnBy(ctx, a.TenantID, customerID, a.UserID)
	if err != nil {
		return err
	}
	if last != nil && s.now().Before(last.Add(time.Duration(pool.CooldownDays)*24*time.Hour)) {
		return errs.E(errs.Conflict, "claim_cooldown", "you returned this customer less than %d days ago", pool.CooldownDays)
	}
	return nil
}

// Return puts a customer the actor owns (or may transfer) back in a pool.
func (s *Service) Return(ctx context.Context, a *Actor, customerID int64, in ReturnRequest) (crm.Customer, error) {
	var c crm.Customer
	reason, err := fieldcheck.Name("reason", in.Reason, 500)
	if err != nil {
		return c, err
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if c, err = s.visibleCustomer(ctx, tx, a, customerID, access.Customer, access.View); err != nil {
			return err
		}
		if c.OwnerID == nil {
			return errs.E(errs.Conflict, "not_owned", "the customer already sits in a pool")
		}
		if *c.OwnerID != a.UserID {
			if _, err := s.visibleCustomer(ctx, tx, a, customerID, access.Customer, access.Transfer); err != nil {
				return err
			}
		}
		poolID := in.PoolID
		if poolID == nil {
			poolID = c.PoolID
		}
		if poolID == nil {
			return errs.Field("pool_id", "field_required", "the customer has no pool; name one")
		}
		if _, err := findPool(ctx, tx, a.TenantID, *poolID); err != nil {
			return errs.Field("pool_id", "invalid_reference", "pool_id names no pool")
		}
		now := s.now()
		owner := *c.OwnerID
		if err := tx.PlaceInPool(ctx, a.TenantID, c.ID, *poolID, now); err != nil {
			return err
		}
		if err := tx.PoolEvent(ctx, a.TenantID, *poolID, c.ID, &owner, "return", reason, now); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "customer.return", targetType: "customer", targetID: c.ID, links: store.AuditLinks{Customer: c.ID, User: owner},
			details: map[string]any{"pool_id": *poolID, "previous_pool_id": c.PoolID, "owner_id": owner, "reason": reason}}); err != nil {
			return err
		}
		if c, err = tx.Customer(ctx, a.TenantID, c.ID); err != nil {
			return err
		}
		return s.redactOne(ctx, tx, a, &c)
	})
	return c, err
}

// ReturnIdleCustomers returns, in every tenant, claimed customers without a
// follow-up for their pool's auto-return period. It is idempotent, so two
// nodes running it at once do no harm. It returns how many it moved.
func (s *Service) ReturnIdleCustomers(ctx context.Context) (int, error) {
	tenants, err := s.tenantIDs(ctx)
	if err != nil {
		return 0, err
	}
	moved := 0
	for _, t := range tenants {
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			pools, err := tx.Pools(ctx, t)
			if err != nil {
				return err
			}
			now := s.now()
			for _, p := range pools {
				if p.AutoReturnDays == 0 {
					continue
				}
				ids, err := tx.DueForReturn(ctx, t, p.ID, now.Add(-time.Duration(p.AutoReturnDays)*24*time.Hour), 1000)
				if err != nil {
					return err
				}
				for _, id := range ids {
					c, err := tx.Customer(ctx, t, id)
					if err != nil {
						return err
					}
					if err := tx.PlaceInPool(ctx, t, id, p.ID, now); err != nil {
						return err
					}
					reason := "no follow-up for " + strconv.Itoa(p.AutoReturnDays) + " days"
					if err := tx.PoolEvent(ctx, t, p.ID, id, c.OwnerID, "auto_return", reason, now); err != nil {
						return err
					}
					if err := s.record(ctx, tx, nil, t, event{action: "customer.auto_return", targetType: "customer", targetID: id,
						links: store.AuditLinks{Customer: id, User: deref(c.OwnerID)}, details: map[string]any{"pool_id": p.ID, "previous_pool_id": c.PoolID, "owner_id": c.OwnerID, "reason": reason}}); err != nil {
						return err
					}
					moved++
				}
			}
			return nil
		})
		if err != nil {
			return moved, err
		}
	}
	return moved, nil
}

func findPool(ctx context.Context, tx *store.Tx, tenantID, id int64) (store.StoredPool, error) {
	pools, err := tx.Pools(ctx, tenantID)
	if err != nil {
		return store.StoredPool{}, err
	}
	for _, p := range pools {
		if p.ID == id {
			return p, nil
		}
	}
	return store.StoredPool{}, errs.NotVisible("pool")
}
