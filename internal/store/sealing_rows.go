package store

import (
	"context"
	"database/sql"
	"strings"

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
var SealedTables = []string{"customers", "contacts", "deals", "activities"}

// sealedTables say, for each, what a re-seal reads: the object whose
// custom fields it holds, its columns, the condition of a row holding
// something in clear, and which of phone, e-mail and address it has.
var sealedTables = map[string]struct {
	object               access.Object
	cols, clear          string
	contactish, location bool
}{
	"customers":  {access.Customer, customerCols, `(phone <> '' OR email <> '' OR address <> '' OR custom <> '{}')`, true, true},
	"contacts":   {access.Contact, contactCols, `(phone <> '' OR email <> '' OR custom <> '{}')`, true, false},
	"deals":      {access.Deal, dealCols, `custom <> '{}'`, false, false},
	"activities": {access.Activity, activityCols, `custom <> '{}'`, false, false},
}

// RowRef names one row of a sealed table.
type RowRef struct {
	TenantID, ID int64
}

func checkSealedTable(table string) error {
	if _, ok := sealedTables[table]; !ok {
		return errs.E(errs.Internal, "invalid_table", "%q has no sealed columns", table)
	}
	return nil
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

// ResealBatch says which of a tenant's rows one re-seal transaction
// takes: those holding values in clear (Clear), or those sealed under a
// key other than Current; in either case the first Limit after the id
// After.
type ResealBatch struct {
	Table             string
	Clear             bool
	TenantID, Current int64
	After             int64
	Limit             int
	// Field, when set, takes instead the rows whose custom values hold
	// that key: a custom field just marked sensitive has its values
	// sealed in place.
	Field string
}

// ResealResult is what one re-seal transaction did.
type ResealResult struct {
	Read   int   // rows read: none means nothing is left
	Last   int64 // the last row read; the next batch starts after it
	Sealed int
	Failed []RowRef // rows whose values did not open, left as they were
}

// Reseal reads a batch of rows, holding them (on PostgreSQL, FOR UPDATE;
// SQLite has one writer), opens their values and writes them sealed under
// the tenant's current key, so an edit made meanwhile is never
// overwritten. Nothing else of a row changes, not even updated_at. Rows in
// clear get their blind indexes too; re-sealed rows keep theirs (the index
// key does not rotate with the data keys).
func (t *Tx) Reseal(ctx context.Context, b ResealBatch) (ResealResult, error) {
	var out ResealResult
	if err := checkSealedTable(b.Table); err != nil {
		return out, err
	}
	if !t.Sealing() {
		return out, errs.E(errs.Internal, "no_master_key", "no master key is configured, so nothing can be sealed")
	}
	def := sealedTables[b.Table]
	which := `key_id IS NULL AND ` + def.clear
	args := []any{b.TenantID, b.After}
	switch {
	case b.Field != "":
		which = `custom LIKE $3`
		args = append(args, `%"`+b.Field+`":%`) // keys are [a-z0-9_]: "_" matching any character only widens the net
	case !b.Clear:
		which = `key_id IS NOT NULL AND key_id <> $3`
		args = append(args, b.Current)
	}
	lock := ""
	if t.engine == Postgres {
		lock = ` FOR UPDATE`
	}
	// The bare bound on id lets the scan start where the last batch ended
	// (the primary key is in id order).
	rows, err := t.query(ctx, "store.Reseal", `SELECT tenant_id, `+def.cols+` FROM `+b.Table+` WHERE tenant_id = $1 AND `+which+`
		AND id > $2 ORDER BY id LIMIT `+itoa(b.Limit)+lock, args...)
	if err != nil {
		return out, err
	}
	// Read them all before writing: PostgreSQL runs one statement at a
	// time on a connection.
	var batch []heldRow
	for rows.Next() {
		h, err := scanHeld(b.Table, rows)
		if err != nil {
			rows.Close()
			return out, errs.Wrap(err, "store.Reseal")
		}
		batch = append(batch, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, errs.Wrap(err, "store.Reseal")
	}
	resealed := make([]sealedRow, 0, len(batch))
	for _, h := range batch {
		var fields []sealedField
		if def.contactish {
			fields = append(fields, sealedField{"phone", &h.phone}, sealedField{"email", &h.email})
		}
		if def.location {
			fields = append(fields, sealedField{"address", &h.address})
		}
		var sec secrets
		err := t.openRow(ctx, h.tenantID, b.Table, h.id, h.keyID, h.custom, fields...)
		if err == nil {
			sec, err = t.sealRow(ctx, h.tenantID, def.object, b.Table, h.id, h.phone, h.email, h.address, h.custom)
		}
		ref := RowRef{h.tenantID, h.id}
		out.Read++
		out.Last = h.id
		if e := errs.As(err); e != nil && (e.Code == "unseal_failed" || e.Code == "data_key_missing") {
			out.Failed = append(out.Failed, ref)
			continue
		}
		if err != nil {
			return out, err
		}
		resealed = append(resealed, sealedRow{h.id, sec})
	}
	if err := t.writeSecretsBatch(ctx, b.Table, b.TenantID, resealed, b.Clear || b.Field != ""); err != nil {
		return out, err
	}
	out.Sealed = len(resealed)
	return out, nil
}

// sealedRow is a row's id and its values as they are to be stored.
type sealedRow struct {
	id  int64
	sec secrets
}

// writeSecretsBatch writes the sealed values (and with indexes the blind
// indexes) of rows of one tenant in one statement: on PostgreSQL a
// statement per row is a round trip per row, which held a re-seal to about
// 4,000 rows a second.
func (t *Tx) writeSecretsBatch(ctx context.Context, table string, tenantID int64, rows []sealedRow, indexes bool) error {
	if len(rows) == 0 {
		return nil
	}
	def := sealedTables[table]
	indexes = indexes && def.contactish
	cols := []string{"custom"}
	if def.contactish {
		cols = append(cols, "phone", "email")
	}
	if def.location {
		cols = append(cols, "address")
	}
	if indexes {
		cols = append(cols, "phone_bidx", "email_bidx")
	}
	b := newQueryBuilder(tenantID)
	values := make([]string, len(rows))
	for i, r := range rows {
		v := []string{"CAST(" + b.arg(r.id) + " AS BIGINT)", "CAST(" + b.arg(r.sec.keyID) + " AS BIGINT)", b.arg(r.sec.custom)}
		if def.contactish {
			v = append(v, b.arg(r.sec.phone), b.arg(r.sec.email))
		}
		if def.location {
			v = append(v, b.arg(r.sec.address))
		}
		if indexes {
			v = append(v, b.arg(r.sec.phoneIdx), b.arg(r.sec.emailIdx))
		}
		values[i] = "(" + strings.Join(v, ", ") + ")"
	}
	set := []string{"key_id = v.key_id"}
	for _, c := range cols {
		set = append(set, c+" = v."+c)
	}
	_, err := t.exec(ctx, "store.writeSecretsBatch", `WITH v (id, key_id, `+strings.Join(cols, ", ")+`) AS (VALUES `+strings.Join(values, ", ")+`)
		UPDATE `+table+` SET `+strings.Join(set, ", ")+` FROM v WHERE `+table+`.tenant_id = $1 AND `+table+`.id = v.id`, b.args...)
	return err
}

// heldRow is a row of a sealed table as a re-seal reads it.
type heldRow struct {
	tenantID, id          int64
	keyID                 sql.NullInt64
	phone, email, address string
	custom                crm.Custom
}

// scanHeld reads a row of one of the sealed tables, its tenant first.
func scanHeld(table string, sc interface{ Scan(...any) error }) (heldRow, error) {
	var h heldRow
	p := prefixed{sc, &h.tenantID}
	switch table {
	case "customers":
		var c crm.Customer
		err := scanCustomerRow(p, &c, &h.keyID)
		h.id, h.phone, h.email, h.address, h.custom = c.ID, c.Phone, c.Email, c.Address, c.Custom
		return h, err
	case "contacts":
		var c crm.Contact
		err := scanContactRow(p, &c, &h.keyID)
		h.id, h.phone, h.email, h.custom = c.ID, c.Phone, c.Email, c.Custom
		return h, err
	case "deals":
		var d crm.Deal
		err := scanDealRow(p, &d, &h.keyID)
		h.id, h.custom = d.ID, d.Custom
		return h, err
	default:
		var a crm.Activity
		err := scanActivityRow(p, &a, &h.keyID)
		h.id, h.custom = a.ID, a.Custom
		return h, err
	}
}

// prefixed scans a row whose first columns come before what sc's caller
// scans.
type prefixed struct {
	sc    interface{ Scan(...any) error }
	first any
}

func (p prefixed) Scan(dest ...any) error { return p.sc.Scan(append([]any{p.first}, dest...)...) }

// writeSecrets writes a row's sealed values and key, and with indexes its
// blind indexes.
func (t *Tx) writeSecrets(ctx context.Context, table string, r RowRef, sec secrets, indexes bool) error {
	set, args := `phone = $1, email = $2, custom = $3, key_id = $4`, []any{sec.phone, sec.email, sec.custom, sec.keyID}
	if table == "customers" {
		set, args = set+`, address = $5`, append(args, sec.address)
	}
	if indexes {
		set += `, phone_bidx = $` + itoa(len(args)+1) + `, email_bidx = $` + itoa(len(args)+2)
		args = append(args, sec.phoneIdx, sec.emailIdx)
	}
	args = append(args, r.TenantID, r.ID)
	_, err := t.exec(ctx, "store.writeSecrets", `UPDATE `+table+` SET `+set+` WHERE tenant_id = $`+itoa(len(args)-1)+` AND id = $`+itoa(len(args)), args...)
	return err
}
