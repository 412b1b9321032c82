package service

import (
	"context"
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// Page is one page of a list and the cursor of the next, if any.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// CustomerList parses list parameters (the same for API and console):
// limit, cursor, q, sort (a whitelisted field, "-" for descending) and
// equality filters on whitelisted fields. Anything else is refused.
func CustomerList(v url.Values) (store.CustomerQuery, error) {
	q := store.CustomerQuery{Sort: "last_activity_at", Desc: true, Limit: 50, Equals: map[string]string{}}
	for key, vals := range v {
		if len(vals) != 1 {
			return q, errs.Field(key, "invalid_parameter", "%s may be given once", key)
		}
		val := vals[0]
		if key == "cursor" {
			continue // opaque; decodeCursor checks it below
		}
		if err := fieldcheck.Text(key, val, 200, false); err != nil {
			return q, err
		}
		switch {
		case key == "limit":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 200 {
				return q, errs.Field("limit", "invalid_parameter", "limit must be a number from 1 to 200")
			}
			q.Limit = n
		case key == "q":
			q.Text = strings.TrimSpace(val)
		case key == "sort":
			q.Desc = strings.HasPrefix(val, "-")
			q.Sort = strings.TrimPrefix(val, "-")
			if _, ok := store.SortColumns[q.Sort]; !ok {
				return q, errs.Field("sort", "invalid_parameter", "sort must be one of last_activity_at, created_at, updated_at, name, optionally with a leading -")
			}
		case key == "owner_id":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n <= 0 {
				return q, errs.Field("owner_id", "invalid_parameter", "owner_id must be a user id")
			}
			q.OwnerID = n
		case slices.Contains(store.FilterColumns, key):
			q.Equals[key] = val
		default:
			return q, errs.Field(key, "invalid_parameter", "unknown parameter %q", key)
		}
	}
	if c := v.Get("cursor"); c != "" {
		cur, err := decodeCursor(c, q.Sort, q.Desc)
		if err != nil {
			return q, err
		}
		q.After = &cur
	}
	return q, nil
}

func encodeCursor(q store.CustomerQuery, c crm.Customer) string {
	key := ""
	switch q.Sort {
	case "name":
		key = c.Name
	case "created_at":
		key = strconv.FormatInt(store.Micros(c.CreatedAt), 10)
	case "updated_at":
		key = strconv.FormatInt(store.Micros(c.UpdatedAt), 10)
	default:
		key = strconv.FormatInt(store.Micros(c.LastActivityAt), 10)
	}
	dir := "a"
	if q.Desc {
		dir = "d"
	}
	raw := q.Sort + "\x00" + dir + "\x00" + strconv.FormatInt(c.ID, 10) + "\x00" + key
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(s, sort string, desc bool) (store.Cursor, error) {
	bad := errs.Field("cursor", "invalid_cursor", "cursor is not one this list gave out; start again without it")
	if len(s) > 4096 {
		return store.Cursor{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.Cursor{}, bad
	}
	parts := strings.SplitN(string(b), "\x00", 4)
	if len(parts) != 4 || parts[0] != sort || (parts[1] == "d") != desc {
		return store.Cursor{}, bad
	}
	var c store.Cursor
	if c.ID, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
		return c, bad
	}
	if store.SortColumns[sort] {
		c.Text = parts[3]
	} else if c.Int, err = strconv.ParseInt(parts[3], 10, 64); err != nil {
		return c, bad
	}
	return c, nil
}

// Customers lists the customers the actor may view. The access filter is
// part of the query itself; nothing is fetched and then discarded.
func (s *Service) Customers(ctx context.Context, a *Actor, q store.CustomerQuery) (Page[crm.Customer], error) {
	return s.customerPage(ctx, a, a.Subject.Filter(access.Customer, access.View), q)
}

func (s *Service) customerPage(ctx context.Context, a *Actor, f access.Filter, q store.CustomerQuery) (Page[crm.Customer], error) {
	page := Page[crm.Customer]{Items: []crm.Customer{}}
	if err := a.checkQuery(&q); err != nil {
		return page, err
	}
	limit := q.Limit
	q.Limit++
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		items, err := tx.Customers(ctx, a.TenantID, f, q)
		if err != nil {
			return err
		}
		if len(items) > limit {
			items = items[:limit]
			cur := encodeCursor(q, items[limit-1])
			page.NextCursor = &cur
		}
		if err := s.redactPage(ctx, tx, a, items); err != nil {
			return err
		}
		if items != nil {
			page.Items = items
		}
		return nil
	})
	return page, err
}

// CountCustomers counts the customers the actor may view that match q.
func (s *Service) CountCustomers(ctx context.Context, a *Actor, q store.CustomerQuery) (int64, error) {
	var n int64
	if err := a.checkQuery(&q); err != nil {
		return 0, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.CountCustomers(ctx, a.TenantID, a.Subject.Filter(access.Customer, access.View), q)
		return err
	})
	return n, err
}

// visibleCustomer loads a customer and checks the action on it. A customer
// the actor cannot view is reported exactly like a missing one; one they
// can view but not act on gets a 403.
func (s *Service) visibleCustomer(ctx context.Context, tx *store.Tx, a *Actor, id int64, o access.Object, act access.Action) (crm.Customer, error) {
	c, err := tx.Customer(ctx, a.TenantID, id)
	if err != nil {
		return c, err
	}
	rec, err := recordOf(ctx, tx, a.TenantID, c)
	if err != nil {
		return c, err
	}
	if !a.Subject.Check(access.Customer, access.View, rec).Allowed {
		return c, errs.NotVisible("customer")
	}
	if o == access.Customer && act == access.View {
		return c, nil
	}
	if d := a.Subject.Check(o, act, rec); !d.Allowed {
		if act == access.View {
			return c, errs.NotVisible(string(o))
		}
		return c, errs.E(errs.Forbidden, "forbidden", "you may not %s this %s: %s", act, o, d.Missing)
	}
	if act == access.Create || act == access.Edit || act == access.Delete || act == access.Transfer || act == access.Share {
		// A privacy request's restriction freezes the customer and what
		// hangs under it (privacy.go).
		restricted, err := tx.Restricted(ctx, a.TenantID, id)
		if err != nil {
			return c, err
		}
		if restricted {
			return c, errRestricted
		}
	}
	return c, nil
}

// Customer returns one customer the actor may view.
func (s *Service) Customer(ctx context.Context, a *Actor, id int64) (crm.Customer, error) {
	var c crm.Customer
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = s.visibleCustomer(ctx, tx, a, id, access.Customer, access.View); err != nil {
			return err
		}
		return s.redactOne(ctx, tx, a, &c)
	})
	return c, err
}

// CreateCustomer adds a customer owned by the actor, in the actor's department.
func (s *Service) CreateCustomer(ctx context.Context, a *Actor, in crm.CustomerInput) (crm.Customer, error) {
	var c crm.Customer
	if !a.Subject.Holds(access.Customer, access.Create) {
		return c, errs.E(errs.Forbidden, "forbidden", "no role of yours may create customers")
	}
	if _, err := applyInput(a, access.Customer, in, in.Custom, &c.Custom, true, func() ([]string, error) { return in.Apply(&c, true) }); err != nil {
		return c, err
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		dept, err := tx.Department(ctx, a.TenantID, a.User.DepartmentID)
		if err != nil {
			return err
		}
		owner := a.UserID
		c.OwnerID, c.OwnerDeptID, c.DeptPath = &owner, &dept.ID, dept.Path
		if err := tx.CreateCustomer(ctx, a.TenantID, &c, s.now()); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "customer.create", targetType: "customer", targetID: c.ID, links: store.AuditLinks{Customer: c.ID},
			details: map[string]any{"owner_id": owner}}); err != nil {
			return err
		}
		return s.redactOne(ctx, tx, a, &c)
	})
	return c, err
}

// UpdateCustomer changes the given fields of a customer the actor may edit.
func (s *Service) UpdateCustomer(ctx context.Context, a *Actor, id int64, in crm.CustomerInput) (crm.Customer, error) {
	var c crm.Customer
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = s.visibleCustomer(ctx, tx, a, id, access.Customer, access.Edit); err != nil {
			return err
		}
		before := c
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
		// Criteria rules read these fields, so a change can grant or take access.
		if err := s.rec(ctx, tx, a, event{action: "customer.update", targetType: "customer", targetID: c.ID, links: store.AuditLinks{Customer: c.ID},
			details: customerChange(changed, before, c)}); err != nil {
			return err
		}
		return s.redactOne(ctx, tx, a, &c)
	})
	return c, err
}

// DeleteCustomer removes a customer and everything under it.
func (s *Service) DeleteCustomer(ctx context.Context, a *Actor, id int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		c, err := s.visibleCustomer(ctx, tx, a, id, access.Customer, access.Delete)
		if err != nil {
			return err
		}
		rec, err := deletedRecord(ctx, tx, a.TenantID, c)
		if err != nil {
			return err
		}
		if err := tx.DeleteCustomer(ctx, a.TenantID, id); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "customer.delete", targetType: "customer", targetID: id, links: store.AuditLinks{Customer: id},
			details: map[string]any{"owner_id": c.OwnerID, "record": rec}})
	})
}

// criteriaFacts are the customer fields criteria may read whose values
// are not personal: a customer update records them before and after, so
// the trail can be read backwards (access_at.go). The name is personal
// data (retention and erasure empty it), so only its change is recorded.
var criteriaFacts = map[string]func(crm.Customer) string{
	"industry": func(c crm.Customer) string { return c.Industry },
	"level":    func(c crm.Customer) string { return c.Level },
	"region":   func(c crm.Customer) string { return c.Region },
	"source":   func(c crm.Customer) string { return c.Source },
}

// customerChange describes a customer update for the audit trail.
func customerChange(changed []string, before, after crm.Customer) map[string]any {
	b, af := map[string]string{}, map[string]string{}
	for _, f := range changed {
		if v, ok := criteriaFacts[f]; ok {
			b[f], af[f] = v(before), v(after)
		}
	}
	return map[string]any{"fields": changed, "before": b, "after": af}
}

// deletedRecord is what decided access to a customer about to be deleted,
// without personal values, for the trail to be read backwards: owner,
// pool, the criteria fields that are not personal, team and shares.
func deletedRecord(ctx context.Context, tx *store.Tx, tenantID int64, c crm.Customer) (map[string]any, error) {
	team, err := tx.TeamGrants(ctx, tenantID, c.ID)
	if err != nil {
		return nil, err
	}
	shares, err := tx.ShareGrants(ctx, tenantID, c.ID)
	if err != nil {
		return nil, err
	}
	grants := func(gs []store.Grant) []map[string]any {
		out := []map[string]any{}
		for _, g := range gs {
			out = append(out, map[string]any{"grant_id": g.ID, "principal": g.Principal, "level": g.Level, "expires_at": g.ExpiresAt})
		}
		return out
	}
	return map[string]any{"owner_id": c.OwnerID, "pool_id": c.PoolID, "industry": c.Industry, "level": c.Level, "region": c.Region,
		"source": c.Source, "created_at": c.CreatedAt, "last_activity_at": c.LastActivityAt, "team": grants(team), "shares": grants(shares)}, nil
}

// TransferCustomer hands a customer to a new owner; the owner department
// follows the new owner.
func (s *Service) TransferCustomer(ctx context.Context, a *Actor, id, ownerID int64) (crm.Customer, error) {
	var c crm.Customer
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = s.visibleCustomer(ctx, tx, a, id, access.Customer, access.Transfer); err != nil {
			return err
		}
		owner, err := tx.User(ctx, a.TenantID, ownerID)
		if err != nil || owner.Status != "active" {
			return errs.Field("owner_id", "invalid_reference", "owner_id names no active user")
		}
		dept, err := tx.Department(ctx, a.TenantID, owner.DepartmentID)
		if err != nil {
			return err
		}
		if err := tx.SetCustomerOwner(ctx, a.TenantID, id, &ownerID, &dept, s.now()); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "customer.transfer", targetType: "customer", targetID: id, links: store.AuditLinks{Customer: id, User: ownerID},
			details: map[string]any{"before": map[string]any{"owner_id": c.OwnerID, "owner_department_id": c.OwnerDeptID},
				"after": map[string]any{"owner_id": ownerID, "owner_department_id": dept.ID}}}); err != nil {
			return err
		}
		if c, err = tx.Customer(ctx, a.TenantID, id); err != nil {
			return err
		}
		return s.redactOne(ctx, tx, a, &c)
	})
	return c, err
}

// CountParamError refuses a paging parameter on a count.
func CountParamError(name string) error {
	return errs.Field(name, "invalid_parameter", "a count takes no %s", name)
}
