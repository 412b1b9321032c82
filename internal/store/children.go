package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
)

// Contacts, deals and activities are always read through their customer:
// every query names the tenant and the customer id the service has checked.

const contactCols = `id, customer_id, name, title, phone, email, notes, created_at, updated_at, custom, key_id`

// scanContact reads a contact row and opens its sealed values.
func (t *Tx) scanContact(ctx context.Context, tenantID int64, sc interface{ Scan(...any) error }, c *crm.Contact) error {
	var keyID sql.NullInt64
	if err := scanContactRow(sc, c, &keyID); err != nil {
		return err
	}
	return t.openRow(ctx, tenantID, "contacts", c.ID, keyID, c.Custom, sealedField{"phone", &c.Phone}, sealedField{"email", &c.Email})
}

func scanContactRow(sc interface{ Scan(...any) error }, c *crm.Contact, keyID *sql.NullInt64) error {
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.CustomerID, &c.Name, &c.Title, &c.Phone, &c.Email, &c.Notes, &created, &updated, &c.Custom, keyID); err != nil {
		return err
	}
	c.CreatedAt, c.UpdatedAt = FromMicros(created), FromMicros(updated)
	return nil
}

// ChildPage is a page of children of one customer, by id.
type ChildPage struct {
	After int64
	Limit int
}

// Contacts lists a customer's contacts.
func (t *Tx) Contacts(ctx context.Context, tenantID, customerID int64, p ChildPage) ([]crm.Contact, error) {
	rows, err := t.query(ctx, "store.Contacts", `SELECT `+contactCols+` FROM contacts
		WHERE tenant_id = $1 AND customer_id = $2 AND id > $3 ORDER BY id LIMIT `+itoa(p.Limit), tenantID, customerID, p.After)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.Contact{}
	for rows.Next() {
		var c crm.Contact
		if err := t.scanContact(ctx, tenantID, rows, &c); err != nil {
			return nil, errs.Wrap(err, "store.Contacts")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "store.Contacts")
}

// Contact returns one contact of the tenant.
func (t *Tx) Contact(ctx context.Context, tenantID, id int64) (crm.Contact, error) {
	var c crm.Contact
	row := t.tx.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := t.scanContact(ctx, tenantID, row, &c); err != nil {
		return c, t.notFound(err, "store.Contact", "contact")
	}
	return c, nil
}

// SaveContact inserts (ID 0) or updates a contact. Sealed values are bound
// to the row's id: a new contact's are written just after its insert.
func (t *Tx) SaveContact(ctx context.Context, tenantID int64, c *crm.Contact, now time.Time) error {
	c.UpdatedAt = now
	if c.ID == 0 {
		c.CreatedAt = now
		phone, email, custom := c.Phone, c.Email, c.Custom
		if t.Sealing() {
			phone, email, custom = "", "", nil
		}
		id, err := t.insert(ctx, "store.SaveContact", `INSERT INTO contacts (tenant_id, customer_id, name, title, phone, email, notes, created_at, updated_at, custom)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)`, tenantID, c.CustomerID, c.Name, c.Title, phone, email, c.Notes, Micros(now), custom)
		c.ID = id
		if err != nil || !t.Sealing() {
			return err
		}
	}
	sec, err := t.sealRow(ctx, tenantID, access.Contact, "contacts", c.ID, c.Phone, c.Email, "", c.Custom)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, "store.SaveContact", `UPDATE contacts SET name = $1, title = $2, phone = $3, email = $4, notes = $5, updated_at = $6, custom = $7,
		key_id = $8, phone_bidx = $9, email_bidx = $10 WHERE tenant_id = $11 AND id = $12`,
		c.Name, c.Title, sec.phone, sec.email, c.Notes, Micros(now), sec.custom, sec.keyID, sec.phoneIdx, sec.emailIdx, tenantID, c.ID)
	if err != nil {
		return err
	}
	return affected(res, "contact")
}

const dealCols = `id, customer_id, name, amount, currency, stage, expected_close, created_at, updated_at, custom, key_id`

// scanDeal reads a deal row and opens its sealed custom values.
func (t *Tx) scanDeal(ctx context.Context, tenantID int64, sc interface{ Scan(...any) error }, d *crm.Deal) error {
	var keyID sql.NullInt64
	if err := scanDealRow(sc, d, &keyID); err != nil {
		return err
	}
	return t.openRow(ctx, tenantID, "deals", d.ID, keyID, d.Custom)
}

func scanDealRow(sc interface{ Scan(...any) error }, d *crm.Deal, keyID *sql.NullInt64) error {
	var created, updated int64
	err := sc.Scan(&d.ID, &d.CustomerID, &d.Name, &d.Amount, &d.Currency, &d.Stage, &d.ExpectedClose, &created, &updated, &d.Custom, keyID)
	d.CreatedAt, d.UpdatedAt = FromMicros(created), FromMicros(updated)
	return err
}

// Deals lists a customer's deals.
func (t *Tx) Deals(ctx context.Context, tenantID, customerID int64, p ChildPage) ([]crm.Deal, error) {
	rows, err := t.query(ctx, "store.Deals", `SELECT `+dealCols+` FROM deals
		WHERE tenant_id = $1 AND customer_id = $2 AND id > $3 ORDER BY id LIMIT `+itoa(p.Limit), tenantID, customerID, p.After)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.Deal{}
	for rows.Next() {
		var d crm.Deal
		if err := t.scanDeal(ctx, tenantID, rows, &d); err != nil {
			return nil, errs.Wrap(err, "store.Deals")
		}
		out = append(out, d)
	}
	return out, errs.Wrap(rows.Err(), "store.Deals")
}

// Deal returns one deal of the tenant.
func (t *Tx) Deal(ctx context.Context, tenantID, id int64) (crm.Deal, error) {
	var d crm.Deal
	row := t.tx.QueryRowContext(ctx, `SELECT `+dealCols+` FROM deals WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := t.scanDeal(ctx, tenantID, row, &d); err != nil {
		return d, t.notFound(err, "store.Deal", "deal")
	}
	return d, nil
}

// SaveDeal inserts (ID 0) or updates a deal. Sensitive custom values are
// sealed, bound to the row's id: a new deal's are written just after its
// insert.
func (t *Tx) SaveDeal(ctx context.Context, tenantID int64, d *crm.Deal, now time.Time) error {
	d.UpdatedAt = now
	if d.ID == 0 {
		d.CreatedAt = now
		id, err := t.insert(ctx, "store.SaveDeal", `INSERT INTO deals (tenant_id, customer_id, name, amount, currency, stage, expected_close, created_at, updated_at, custom)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)`, tenantID, d.CustomerID, d.Name, int64(d.Amount), d.Currency, d.Stage, d.ExpectedClose, Micros(now), t.clearCustom(d.Custom))
		d.ID = id
		if err != nil || !t.Sealing() {
			return err
		}
	}
	sec, err := t.sealRow(ctx, tenantID, access.Deal, "deals", d.ID, "", "", "", d.Custom)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, "store.SaveDeal", `UPDATE deals SET name = $1, amount = $2, currency = $3, stage = $4, expected_close = $5, updated_at = $6, custom = $7,
		key_id = $8 WHERE tenant_id = $9 AND id = $10`, d.Name, int64(d.Amount), d.Currency, d.Stage, d.ExpectedClose, Micros(now), sec.custom, sec.keyID, tenantID, d.ID)
	if err != nil {
		return err
	}
	return affected(res, "deal")
}

const activityCols = `id, customer_id, type, note, occurred_at, created_by, created_at, custom, key_id`

// scanActivity reads an activity row and opens its sealed custom values.
func (t *Tx) scanActivity(ctx context.Context, tenantID int64, sc interface{ Scan(...any) error }, a *crm.Activity) error {
	var keyID sql.NullInt64
	if err := scanActivityRow(sc, a, &keyID); err != nil {
		return err
	}
	return t.openRow(ctx, tenantID, "activities", a.ID, keyID, a.Custom)
}

func scanActivityRow(sc interface{ Scan(...any) error }, a *crm.Activity, keyID *sql.NullInt64) error {
	var occurred, created int64
	var by sql.NullInt64
	err := sc.Scan(&a.ID, &a.CustomerID, &a.Type, &a.Note, &occurred, &by, &created, &a.Custom, keyID)
	a.OccurredAt, a.CreatedAt, a.CreatedBy = FromMicros(occurred), FromMicros(created), by.Int64
	return err
}

// Activities lists a customer's activities, newest first.
func (t *Tx) Activities(ctx context.Context, tenantID, customerID int64, p ChildPage) ([]crm.Activity, error) {
	after := p.After
	if after == 0 {
		after = 1<<63 - 1
	}
	rows, err := t.query(ctx, "store.Activities", `SELECT `+activityCols+` FROM activities
		WHERE tenant_id = $1 AND customer_id = $2 AND id < $3 ORDER BY id DESC LIMIT `+itoa(p.Limit), tenantID, customerID, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.Activity{}
	for rows.Next() {
		var a crm.Activity
		if err := t.scanActivity(ctx, tenantID, rows, &a); err != nil {
			return nil, errs.Wrap(err, "store.Activities")
		}
		out = append(out, a)
	}
	return out, errs.Wrap(rows.Err(), "store.Activities")
}

// Activity returns one activity of the tenant.
func (t *Tx) Activity(ctx context.Context, tenantID, id int64) (crm.Activity, error) {
	var a crm.Activity
	row := t.tx.QueryRowContext(ctx, `SELECT `+activityCols+` FROM activities WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := t.scanActivity(ctx, tenantID, row, &a); err != nil {
		return a, t.notFound(err, "store.Activity", "activity")
	}
	return a, nil
}

// SaveActivity inserts (ID 0) or updates an activity, its sensitive
// custom values sealed as SaveDeal seals a deal's.
func (t *Tx) SaveActivity(ctx context.Context, tenantID int64, a *crm.Activity, now time.Time) error {
	if a.ID == 0 {
		a.CreatedAt = now
		id, err := t.insert(ctx, "store.SaveActivity", `INSERT INTO activities (tenant_id, customer_id, type, note, occurred_at, created_by, created_at, custom)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, tenantID, a.CustomerID, a.Type, a.Note, Micros(a.OccurredAt), nullID(&a.CreatedBy), Micros(now), t.clearCustom(a.Custom))
		a.ID = id
		if err != nil || !t.Sealing() {
			return err
		}
	}
	sec, err := t.sealRow(ctx, tenantID, access.Activity, "activities", a.ID, "", "", "", a.Custom)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, "store.SaveActivity", `UPDATE activities SET type = $1, note = $2, occurred_at = $3, custom = $4, key_id = $5 WHERE tenant_id = $6 AND id = $7`,
		a.Type, a.Note, Micros(a.OccurredAt), sec.custom, sec.keyID, tenantID, a.ID)
	if err != nil {
		return err
	}
	return affected(res, "activity")
}

// DeleteChild removes a contact, deal or activity. table is one of the
// three child tables, fixed by the caller, never from input.
func (t *Tx) DeleteChild(ctx context.Context, table string, tenantID, id int64) error {
	what := map[string]string{"contacts": "contact", "deals": "deal", "activities": "activity"}[table]
	if what == "" {
		return errs.Wrap(errs.E(errs.Internal, "internal", "bad table %q", table), "store.DeleteChild")
	}
	res, err := t.exec(ctx, "store.DeleteChild", `DELETE FROM `+table+` WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, what)
}

// ContactsOf returns the contacts of the given customers, by customer, in
// id order.
func (t *Tx) ContactsOf(ctx context.Context, tenantID int64, customerIDs []int64) (map[int64][]crm.Contact, error) {
	out := map[int64][]crm.Contact{}
	for len(customerIDs) > 0 {
		n := min(len(customerIDs), 1000)
		args := []any{tenantID}
		marks := make([]string, n)
		for i, id := range customerIDs[:n] {
			args = append(args, id)
			marks[i] = "$" + itoa(len(args))
		}
		customerIDs = customerIDs[n:]
		rows, err := t.query(ctx, "store.ContactsOf", `SELECT `+contactCols+` FROM contacts
			WHERE tenant_id = $1 AND customer_id IN (`+strings.Join(marks, ", ")+`) ORDER BY customer_id, id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c crm.Contact
			if err := t.scanContact(ctx, tenantID, rows, &c); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "store.ContactsOf")
			}
			out[c.CustomerID] = append(out[c.CustomerID], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "store.ContactsOf")
		}
	}
	return out, nil
}
