package store

import (
	"context"
	"database/sql"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
)

// Rows with sealed columns are re-sealed in place: after a rotation (the
// rows under a data key other than the tenant's current one) and after an
// upgrade (the rows an earlier version stored in clear). Each is read,
// opened and written again under the current key, in one transaction that
// holds the row, so an edit made meanwhile is never overwritten.

// SealedTables are the tables whose rows hold sealed columns.
var SealedTables = []string{"customers", "contacts"}

// RowRef names one row of a sealed table.
type RowRef struct {
	TenantID, ID int64
}

func checkSealedTable(table string) error {
	if table != "customers" && table != "contacts" {
		return errs.E(errs.Internal, "invalid_table", "%q has no sealed columns", table)
	}
	return nil
}

// ClearRows returns up to limit rows of the table, after the given one,
// that hold sensitive values in clear (no key, something to seal).
func (t *Tx) ClearRows(ctx context.Context, table string, after RowRef, limit int) ([]RowRef, error) {
	if err := checkSealedTable(table); err != nil {
		return nil, err
	}
	cols := `phone <> '' OR email <> '' OR custom <> '{}'`
	if table == "customers" {
		cols += ` OR address <> ''`
	}
	return t.rowRefs(ctx, "store.ClearRows", `SELECT tenant_id, id FROM `+table+` WHERE key_id IS NULL AND (`+cols+`)
		AND (tenant_id > $1 OR (tenant_id = $1 AND id > $2)) ORDER BY tenant_id, id LIMIT `+itoa(limit), after.TenantID, after.ID)
}

// RowsUnderOtherKeys returns up to limit ids of the tenant's rows of the
// table, after the given one, sealed under a key other than current.
func (t *Tx) RowsUnderOtherKeys(ctx context.Context, table string, tenantID, current, after int64, limit int) ([]RowRef, error) {
	if err := checkSealedTable(table); err != nil {
		return nil, err
	}
	return t.rowRefs(ctx, "store.RowsUnderOtherKeys", `SELECT tenant_id, id FROM `+table+`
		WHERE tenant_id = $1 AND key_id IS NOT NULL AND key_id <> $2 AND id > $3 ORDER BY id LIMIT `+itoa(limit), tenantID, current, after)
}

func (t *Tx) rowRefs(ctx context.Context, op, q string, args ...any) ([]RowRef, error) {
	rows, err := t.query(ctx, op, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RowRef
	for rows.Next() {
		var r RowRef
		if err := rows.Scan(&r.TenantID, &r.ID); err != nil {
			return nil, errs.Wrap(err, op)
		}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), op)
}

// KeyRowCounts counts, per data key, the rows of the sealed tables
// sealed under it, of one tenant (tenantID > 0) or of all.
func (t *Tx) KeyRowCounts(ctx context.Context, tenantID int64) (map[int64]int, error) {
	out := map[int64]int{}
	for _, table := range SealedTables {
		rows, err := t.query(ctx, "store.KeyRowCounts", `SELECT key_id, COUNT(*) FROM `+table+`
			WHERE key_id IS NOT NULL AND ($1 = 0 OR tenant_id = $1) GROUP BY key_id`, tenantID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "store.KeyRowCounts")
			}
			out[id] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "store.KeyRowCounts")
		}
	}
	return out, nil
}

// ResealRow reads one row, holding it (on PostgreSQL, FOR UPDATE), opens
// its values and writes them sealed under the tenant's current key. It
// reports false for a row that is gone. Nothing else of the row changes,
// not even updated_at.
func (t *Tx) ResealRow(ctx context.Context, table string, r RowRef) (bool, error) {
	if err := checkSealedTable(table); err != nil {
		return false, err
	}
	if !t.Sealing() {
		return false, errs.E(errs.Internal, "no_master_key", "no master key is configured, so nothing can be sealed")
	}
	lock := ""
	if t.engine == Postgres {
		lock = ` FOR UPDATE`
	}
	if table == "customers" {
		var c crm.Customer
		row := t.tx.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE tenant_id = $1 AND id = $2`+lock, r.TenantID, r.ID)
		if err := t.scanCustomer(ctx, r.TenantID, row, &c); err == sql.ErrNoRows {
			return false, nil
		} else if err != nil {
			return false, t.classify(err, "store.ResealRow")
		}
		return true, t.writeCustomerSecrets(ctx, r.TenantID, &c)
	}
	var c crm.Contact
	row := t.tx.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts WHERE tenant_id = $1 AND id = $2`+lock, r.TenantID, r.ID)
	if err := t.scanContact(ctx, r.TenantID, row, &c); err == sql.ErrNoRows {
		return false, nil
	} else if err != nil {
		return false, t.classify(err, "store.ResealRow")
	}
	return true, t.writeContactSecrets(ctx, r.TenantID, &c)
}

// writeContactSecrets writes a contact's sensitive values, sealed, with
// their key and blind indexes.
func (t *Tx) writeContactSecrets(ctx context.Context, tenantID int64, c *crm.Contact) error {
	sec, err := t.sealRow(ctx, tenantID, access.Contact, "contacts", c.ID, c.Phone, c.Email, "", c.Custom)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, "store.writeContactSecrets", `UPDATE contacts SET phone = $1, email = $2, custom = $3,
		key_id = $4, phone_bidx = $5, email_bidx = $6 WHERE tenant_id = $7 AND id = $8`,
		sec.phone, sec.email, sec.custom, sec.keyID, sec.phoneIdx, sec.emailIdx, tenantID, c.ID)
	return err
}
