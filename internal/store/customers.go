package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/org"
)

const customerCols = `id, name, industry, level, region, source, phone, email, address, notes,
	owner_id, owner_dept_id, pool_id, dept_l1, dept_l2, dept_l3, dept_l4, dept_l5, dept_l6, dept_l7, dept_l8,
	created_at, updated_at, last_activity_at, custom, key_id`

// scanCustomer reads a customer row and opens its sealed values.
func (t *Tx) scanCustomer(ctx context.Context, tenantID int64, sc interface{ Scan(...any) error }, c *crm.Customer) error {
	var keyID sql.NullInt64
	if err := scanCustomerRow(sc, c, &keyID); err != nil {
		return err
	}
	return t.openRow(ctx, tenantID, "customers", c.ID, keyID, c.Custom,
		sealedField{"phone", &c.Phone}, sealedField{"email", &c.Email}, sealedField{"address", &c.Address})
}

func scanCustomerRow(sc interface{ Scan(...any) error }, c *crm.Customer, keyID *sql.NullInt64) error {
	var owner, dept, pool sql.NullInt64
	var levels [org.MaxDepth]sql.NullInt64
	var created, updated, last int64
	dest := []any{&c.ID, &c.Name, &c.Industry, &c.Level, &c.Region, &c.Source, &c.Phone, &c.Email, &c.Address, &c.Notes,
		&owner, &dept, &pool}
	for i := range levels {
		dest = append(dest, &levels[i])
	}
	dest = append(dest, &created, &updated, &last, &c.Custom, keyID)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	c.OwnerID, c.OwnerDeptID, c.PoolID = int64Ptr(owner), int64Ptr(dept), int64Ptr(pool)
	c.DeptPath = nil
	for _, l := range levels {
		if l.Valid {
			c.DeptPath = append(c.DeptPath, l.Int64)
		}
	}
	c.CreatedAt, c.UpdatedAt, c.LastActivityAt = FromMicros(created), FromMicros(updated), FromMicros(last)
	return nil
}

// Customer returns one customer of the tenant, whoever may see it; the
// service decides visibility before showing it.
func (t *Tx) Customer(ctx context.Context, tenantID, id int64) (crm.Customer, error) {
	var c crm.Customer
	row := t.tx.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := t.scanCustomer(ctx, tenantID, row, &c); err != nil {
		return c, t.notFound(err, "store.Customer", "customer")
	}
	return c, nil
}

// CustomerPools returns the pool each of the tenant's customers among ids
// sits in (absent: none), without reading or opening the rest of the rows.
func (t *Tx) CustomerPools(ctx context.Context, tenantID int64, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	for start := 0; start < len(ids); start += idBatch {
		batch := ids[start:min(start+idBatch, len(ids))]
		rows, err := t.query(ctx, "store.CustomerPools", `SELECT id, pool_id FROM customers
			WHERE tenant_id = $1 AND pool_id IS NOT NULL AND id IN (`+inList(batch)+`)`, tenantID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, pool int64
			if err := rows.Scan(&id, &pool); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "store.CustomerPools")
			}
			out[id] = pool
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "store.CustomerPools")
		}
	}
	return out, nil
}

// CustomersByID returns the customers of the tenant among ids, by id.
func (t *Tx) CustomersByID(ctx context.Context, tenantID int64, ids []int64) (map[int64]crm.Customer, error) {
	out := make(map[int64]crm.Customer, len(ids))
	for start := 0; start < len(ids); start += idBatch {
		batch := ids[start:min(start+idBatch, len(ids))]
		rows, err := t.query(ctx, "store.CustomersByID", `SELECT `+customerCols+` FROM customers WHERE tenant_id = $1 AND id IN (`+inList(batch)+`)`, tenantID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c crm.Customer
			if err := t.scanCustomer(ctx, tenantID, rows, &c); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "store.CustomersByID")
			}
			out[c.ID] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "store.CustomersByID")
		}
	}
	return out, nil
}

// deptLevels spreads a department path over the eight ancestor columns.
func deptLevels(path []int64) []any {
	out := make([]any, org.MaxDepth)
	for i := range out {
		if i < len(path) {
			out[i] = path[i]
		}
	}
	return out
}

// CreateCustomer inserts a customer; owner and owner department (with its
// path) are set by the service. Sealed values are bound to the row's id,
// which the insert makes: with a sealer they are written just after it.
func (t *Tx) CreateCustomer(ctx context.Context, tenantID int64, c *crm.Customer, now time.Time) error {
	c.CreatedAt, c.UpdatedAt = now, now
	if c.LastActivityAt.IsZero() {
		c.LastActivityAt = now
	}
	phone, email, address, custom := c.Phone, c.Email, c.Address, c.Custom
	if t.Sealing() {
		phone, email, address, custom = "", "", "", nil
	}
	args := []any{tenantID, c.Name, c.Industry, c.Level, c.Region, c.Source, phone, email, address, c.Notes,
		nullID(c.OwnerID), nullID(c.OwnerDeptID), nullID(c.PoolID)}
	args = append(args, deptLevels(c.DeptPath)...)
	args = append(args, Micros(now), Micros(c.LastActivityAt), custom)
	id, err := t.insert(ctx, "store.CreateCustomer", `INSERT INTO customers (tenant_id, name, industry, level, region, source,
		phone, email, address, notes, owner_id, owner_dept_id, pool_id,
		dept_l1, dept_l2, dept_l3, dept_l4, dept_l5, dept_l6, dept_l7, dept_l8, created_at, updated_at, last_activity_at, custom)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $23, $24)`, args...)
	c.ID = id
	if err != nil {
		return err
	}
	if t.Sealing() {
		if err := t.writeCustomerSecrets(ctx, tenantID, c); err != nil {
			return err
		}
	}
	return t.refreshRuleMatches(ctx, tenantID, id)
}

// writeCustomerSecrets writes a new customer's sensitive values, sealed,
// with their key and blind indexes.
func (t *Tx) writeCustomerSecrets(ctx context.Context, tenantID int64, c *crm.Customer) error {
	sec, err := t.sealRow(ctx, tenantID, access.Customer, "customers", c.ID, c.Phone, c.Email, c.Address, c.Custom)
	if err != nil {
		return err
	}
	return t.writeSecrets(ctx, "customers", RowRef{tenantID, c.ID}, sec, true)
}

// UpdateCustomer writes a customer's own fields (not ownership).
func (t *Tx) UpdateCustomer(ctx context.Context, tenantID int64, c *crm.Customer, now time.Time) error {
	c.UpdatedAt = now
	sec, err := t.sealRow(ctx, tenantID, access.Customer, "customers", c.ID, c.Phone, c.Email, c.Address, c.Custom)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, "store.UpdateCustomer", `UPDATE customers SET name = $1, industry = $2, level = $3, region = $4,
		source = $5, phone = $6, email = $7, address = $8, notes = $9, updated_at = $10, custom = $11,
		key_id = $12, phone_bidx = $13, email_bidx = $14 WHERE tenant_id = $15 AND id = $16`,
		c.Name, c.Industry, c.Level, c.Region, c.Source, sec.phone, sec.email, sec.address, c.Notes, Micros(now), sec.custom,
		sec.keyID, sec.phoneIdx, sec.emailIdx, tenantID, c.ID)
	if err != nil {
		return err
	}
	if err := affected(res, "customer"); err != nil {
		return err
	}
	return t.refreshRuleMatches(ctx, tenantID, c.ID)
}

// SetCustomerOwner moves a customer to a new owner, whose department (and
// its ancestors) become the customer's owner department.
func (t *Tx) SetCustomerOwner(ctx context.Context, tenantID, id int64, owner *int64, dept *org.Department, now time.Time) error {
	var deptID any
	var path []int64
	if dept != nil {
		deptID, path = dept.ID, dept.Path
	}
	args := append([]any{nullID(owner), deptID, Micros(now)}, deptLevels(path)...)
	args = append(args, tenantID, id)
	res, err := t.exec(ctx, "store.SetCustomerOwner", `UPDATE customers SET owner_id = $1, owner_dept_id = $2, updated_at = $3,
		dept_l1 = $4, dept_l2 = $5, dept_l3 = $6, dept_l4 = $7, dept_l5 = $8, dept_l6 = $9, dept_l7 = $10, dept_l8 = $11
		WHERE tenant_id = $12 AND id = $13`, args...)
	if err != nil {
		return err
	}
	return affected(res, "customer")
}

// setCustomerDeptPath rewrites the ancestor columns of every customer whose
// owner department is deptID (after a department move).
func (t *Tx) setCustomerDeptPath(ctx context.Context, tenantID, deptID int64, path []int64) error {
	args := append(deptLevels(path), tenantID, deptID)
	_, err := t.exec(ctx, "store.setCustomerDeptPath", `UPDATE customers SET
		dept_l1 = $1, dept_l2 = $2, dept_l3 = $3, dept_l4 = $4, dept_l5 = $5, dept_l6 = $6, dept_l7 = $7, dept_l8 = $8
		WHERE tenant_id = $9 AND owner_dept_id = $10`, args...)
	return err
}

// MoveOwnedCustomers sets the owner department of every customer owned by
// userID to dept (when the user changes department).
func (t *Tx) MoveOwnedCustomers(ctx context.Context, tenantID, userID int64, dept org.Department) error {
	args := append([]any{dept.ID}, deptLevels(dept.Path)...)
	args = append(args, tenantID, userID)
	_, err := t.exec(ctx, "store.MoveOwnedCustomers", `UPDATE customers SET owner_dept_id = $1,
		dept_l1 = $2, dept_l2 = $3, dept_l3 = $4, dept_l4 = $5, dept_l5 = $6, dept_l6 = $7, dept_l7 = $8, dept_l8 = $9
		WHERE tenant_id = $10 AND owner_id = $11`, args...)
	return err
}

// TouchCustomerActivity moves a customer's last activity time forward.
func (t *Tx) TouchCustomerActivity(ctx context.Context, tenantID, id int64, at time.Time) error {
	res, err := t.exec(ctx, "store.TouchCustomerActivity", `UPDATE customers SET last_activity_at = $1
		WHERE tenant_id = $2 AND id = $3 AND last_activity_at < $1`, Micros(at), tenantID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return t.syncGrantSortKeys(ctx, tenantID, id, at)
}

// syncGrantSortKeys copies a customer's new last_activity_at to its team
// and shares, whose sort_at orders the filter's grant branches
// (migration 0007), and re-evaluates its sharing rules, which may name
// last_activity_at and keep it as sort_at too (0008). Every write that
// moves last_activity_at calls it.
func (t *Tx) syncGrantSortKeys(ctx context.Context, tenantID, id int64, at time.Time) error {
	for _, table := range []string{"customer_team", "customer_shares"} {
		if _, err := t.exec(ctx, "store.syncGrantSortKeys", `UPDATE `+table+` SET sort_at = $1
			WHERE tenant_id = $2 AND customer_id = $3`, Micros(at), tenantID, id); err != nil {
			return err
		}
	}
	return t.refreshRuleMatches(ctx, tenantID, id)
}

// DeleteCustomer removes a customer and everything under it.
func (t *Tx) DeleteCustomer(ctx context.Context, tenantID, id int64) error {
	for _, q := range []string{
		`DELETE FROM sharing_rule_matches WHERE tenant_id = $1 AND customer_id = $2`,
		`DELETE FROM contacts WHERE tenant_id = $1 AND customer_id = $2`,
		`DELETE FROM deals WHERE tenant_id = $1 AND customer_id = $2`,
		`DELETE FROM activities WHERE tenant_id = $1 AND customer_id = $2`,
	} {
		if _, err := t.exec(ctx, "store.DeleteCustomer", q, tenantID, id); err != nil {
			return err
		}
	}
	res, err := t.exec(ctx, "store.DeleteCustomer", `DELETE FROM customers WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "customer")
}

// CountOwned counts a user's customers (for checks before deactivation and tests).
func (t *Tx) CountOwned(ctx context.Context, tenantID, userID int64) (int, error) {
	var n int
	err := t.one(ctx, "store.CountOwned", "user", `SELECT COUNT(*) FROM customers WHERE tenant_id = $1 AND owner_id = $2`, []any{tenantID, userID}, &n)
	return n, errs.Wrap(err, "store.CountOwned")
}
