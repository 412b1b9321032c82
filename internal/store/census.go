package store

import (
	"context"
	"time"

	"steward/internal/errs"
)

// A census reads the shape of a whole tenant in a few queries: who holds
// which role, who owns which customers. The grants generator of `steward
// seed` and the archetype choice of `steward bench` need it for every user
// at once, where the per-user methods would take one query per user.

// OwnedCustomer is a customer with its owner and owner department.
type OwnedCustomer struct {
	ID, OwnerID, DeptID int64
}

// OwnedCustomers lists the tenant's customers that have an owner, by id.
func (t *Tx) OwnedCustomers(ctx context.Context, tenantID int64) ([]OwnedCustomer, error) {
	rows, err := t.query(ctx, "store.OwnedCustomers", `SELECT id, owner_id, owner_dept_id FROM customers
		WHERE tenant_id = $1 AND owner_id IS NOT NULL ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OwnedCustomer
	for rows.Next() {
		var c OwnedCustomer
		if err := rows.Scan(&c.ID, &c.OwnerID, &c.DeptID); err != nil {
			return nil, errs.Wrap(err, "store.OwnedCustomers")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "store.OwnedCustomers")
}

// OwnedCounts returns how many customers each owner of the tenant owns.
func (t *Tx) OwnedCounts(ctx context.Context, tenantID int64) (map[int64]int, error) {
	rows, err := t.query(ctx, "store.OwnedCounts", `SELECT owner_id, COUNT(*) FROM customers
		WHERE tenant_id = $1 AND owner_id IS NOT NULL GROUP BY owner_id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, errs.Wrap(err, "store.OwnedCounts")
		}
		out[id] = n
	}
	return out, errs.Wrap(rows.Err(), "store.OwnedCounts")
}

// RoleKeysByUser returns the keys of the roles each user of the tenant
// holds through unexpired assignments, in role id order.
func (t *Tx) RoleKeysByUser(ctx context.Context, tenantID int64, now time.Time) (map[int64][]string, error) {
	rows, err := t.query(ctx, "store.RoleKeysByUser", `SELECT a.user_id, r.key FROM role_assignments a JOIN roles r ON r.id = a.role_id
		WHERE r.tenant_id = $1 AND (a.expires_at IS NULL OR a.expires_at > $2) ORDER BY a.user_id, r.id`, tenantID, Micros(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, errs.Wrap(err, "store.RoleKeysByUser")
		}
		out[id] = append(out[id], key)
	}
	return out, errs.Wrap(rows.Err(), "store.RoleKeysByUser")
}
