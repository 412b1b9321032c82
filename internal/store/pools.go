package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
)

// PoolSettings are a pool's rules besides its member departments.
type PoolSettings struct {
	HoldingCap     int       `json:"holding_cap"`
	CooldownDays   int       `json:"cooldown_days"`
	AutoReturnDays int       `json:"auto_return_days"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// StoredPool is a pool with its settings.
type StoredPool struct {
	access.Pool
	PoolSettings
}

// Pools lists the tenant's pools with their member departments.
func (t *Tx) Pools(ctx context.Context, tenantID int64) ([]StoredPool, error) {
	rows, err := t.query(ctx, "store.Pools", `SELECT id, name, holding_cap, cooldown_days, auto_return_days, created_at, updated_at
		FROM pools WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	out := []StoredPool{}
	for rows.Next() {
		var p StoredPool
		var created, updated int64
		if err := rows.Scan(&p.ID, &p.Name, &p.HoldingCap, &p.CooldownDays, &p.AutoReturnDays, &created, &updated); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "store.Pools")
		}
		p.CreatedAt, p.UpdatedAt = FromMicros(created), FromMicros(updated)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "store.Pools")
	}
	for i := range out {
		r, err := t.query(ctx, "store.Pools", `SELECT department_id FROM pool_departments WHERE pool_id = $1 ORDER BY department_id`, out[i].ID)
		if err != nil {
			return nil, err
		}
		if out[i].Departments, err = scanIDs(r, "store.Pools"); err != nil {
			return nil, err
		}
		if out[i].Departments == nil {
			out[i].Departments = []int64{}
		}
	}
	return out, nil
}

// SavePool inserts (ID 0) or updates a pool and replaces its departments.
func (t *Tx) SavePool(ctx context.Context, tenantID int64, p *StoredPool, now time.Time) error {
	p.UpdatedAt = now
	if p.ID == 0 {
		p.CreatedAt = now
		id, err := t.insert(ctx, "store.SavePool", `INSERT INTO pools (tenant_id, name, holding_cap, cooldown_days, auto_return_days, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, tenantID, p.Name, p.HoldingCap, p.CooldownDays, p.AutoReturnDays, Micros(now))
		if err != nil {
			return nameTaken(err)
		}
		p.ID = id
	} else {
		res, err := t.exec(ctx, "store.SavePool", `UPDATE pools SET name = $1, holding_cap = $2, cooldown_days = $3, auto_return_days = $4, updated_at = $5
			WHERE tenant_id = $6 AND id = $7`, p.Name, p.HoldingCap, p.CooldownDays, p.AutoReturnDays, Micros(now), tenantID, p.ID)
		if err != nil {
			return nameTaken(err)
		}
		if err := affected(res, "pool"); err != nil {
			return err
		}
	}
	if _, err := t.exec(ctx, "store.SavePool", `DELETE FROM pool_departments WHERE pool_id = $1`, p.ID); err != nil {
		return err
	}
	for _, d := range p.Departments {
		if _, err := t.exec(ctx, "store.SavePool", `INSERT INTO pool_departments (tenant_id, pool_id, department_id) VALUES ($1, $2, $3)`, tenantID, p.ID, d); err != nil {
			return err
		}
	}
	return nil
}

// DeletePool removes a pool that holds no customers.
func (t *Tx) DeletePool(ctx context.Context, tenantID, id int64) error {
	var n int
	if err := t.one(ctx, "store.DeletePool", "pool", `SELECT COUNT(*) FROM customers WHERE tenant_id = $1 AND pool_id = $2`, []any{tenantID, id}, &n); err != nil {
		return err
	}
	if n > 0 {
		return errs.E(errs.Conflict, "pool_not_empty", "the pool still holds or owns %d customers", n)
	}
	if _, err := t.exec(ctx, "store.DeletePool", `DELETE FROM pool_events WHERE tenant_id = $1 AND pool_id = $2`, tenantID, id); err != nil {
		return err
	}
	res, err := t.exec(ctx, "store.DeletePool", `DELETE FROM pools WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "pool")
}

// PoolEvent records a claim, a return or a placement.
func (t *Tx) PoolEvent(ctx context.Context, tenantID, poolID, customerID int64, userID *int64, kind, reason string, at time.Time) error {
	_, err := t.exec(ctx, "store.PoolEvent", `INSERT INTO pool_events (tenant_id, pool_id, customer_id, user_id, kind, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		tenantID, poolID, customerID, nullID(userID), kind, reason, Micros(at))
	return err
}

// LastReturnBy returns when a user last returned a customer to a pool.
func (t *Tx) LastReturnBy(ctx context.Context, tenantID, customerID, userID int64) (*time.Time, error) {
	var at sql.NullInt64
	err := t.one(ctx, "store.LastReturnBy", "pool event", `SELECT MAX(at) FROM pool_events
		WHERE tenant_id = $1 AND customer_id = $2 AND user_id = $3 AND kind IN ('return', 'auto_return')`, []any{tenantID, customerID, userID}, &at)
	return timePtr(at), err
}

// HeldFromPool counts the customers a user owns that belong to a pool.
func (t *Tx) HeldFromPool(ctx context.Context, tenantID, userID, poolID int64) (int, error) {
	var n int
	err := t.one(ctx, "store.HeldFromPool", "pool", `SELECT COUNT(*) FROM customers WHERE tenant_id = $1 AND owner_id = $2 AND pool_id = $3`,
		[]any{tenantID, userID, poolID}, &n)
	return n, err
}

// ClaimCustomer makes owner the owner of an unowned customer. It fails with a
// conflict if someone else claimed it first.
func (t *Tx) ClaimCustomer(ctx context.Context, tenantID, id, owner int64, dept org.Department, now time.Time) error {
	args := append([]any{owner, dept.ID, Micros(now)}, deptLevels(dept.Path)...)
	args = append(args, tenantID, id)
	res, err := t.exec(ctx, "store.ClaimCustomer", `UPDATE customers SET owner_id = $1, owner_dept_id = $2, updated_at = $3, last_activity_at = $3,
		dept_l1 = $4, dept_l2 = $5, dept_l3 = $6, dept_l4 = $7, dept_l5 = $8, dept_l6 = $9, dept_l7 = $10, dept_l8 = $11
		WHERE tenant_id = $12 AND id = $13 AND owner_id IS NULL`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "already_claimed", "someone claimed this customer first")
	}
	return t.syncGrantSortKeys(ctx, tenantID, id, now)
}

// PlaceInPool takes a customer from its owner and puts it in a pool.
func (t *Tx) PlaceInPool(ctx context.Context, tenantID, id, poolID int64, now time.Time) error {
	res, err := t.exec(ctx, "store.PlaceInPool", `UPDATE customers SET owner_id = NULL, owner_dept_id = NULL, pool_id = $1, updated_at = $2,
		dept_l1 = NULL, dept_l2 = NULL, dept_l3 = NULL, dept_l4 = NULL, dept_l5 = NULL, dept_l6 = NULL, dept_l7 = NULL, dept_l8 = NULL
		WHERE tenant_id = $3 AND id = $4`, poolID, Micros(now), tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "customer")
}

// DueForReturn lists owned customers of a pool without activity since cutoff.
func (t *Tx) DueForReturn(ctx context.Context, tenantID, poolID int64, cutoff time.Time, limit int) ([]int64, error) {
	rows, err := t.query(ctx, "store.DueForReturn", `SELECT id FROM customers WHERE tenant_id = $1 AND pool_id = $2 AND owner_id IS NOT NULL
		AND last_activity_at < $3 ORDER BY id LIMIT `+itoa(limit), tenantID, poolID, Micros(cutoff))
	if err != nil {
		return nil, err
	}
	return scanIDs(rows, "store.DueForReturn")
}

// TenantIDs lists every tenant not deleted (for jobs that sweep all tenants).
func (t *Tx) TenantIDs(ctx context.Context) ([]int64, error) {
	rows, err := t.query(ctx, "store.TenantIDs", `SELECT id FROM tenants WHERE deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows, "store.TenantIDs")
}
