package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/errs"
)

// Consent is one consent record of a contact (docs/privacy-requests.md).
type Consent struct {
	ID         int64     `json:"id"`
	ContactID  int64     `json:"contact_id"`
	Purpose    string    `json:"purpose" doc:"marketing, newsletter or profiling"`
	Basis      string    `json:"basis" doc:"consent, contract, legitimate_interest or legal_obligation"`
	Status     string    `json:"status" doc:"given, withdrawn or objected"`
	Source     string    `json:"source" doc:"where it came from: a form, a call, a signed contract"`
	RecordedBy *int64    `json:"recorded_by"`
	At         time.Time `json:"at"`
}

// AddConsent appends a consent record.
func (t *Tx) AddConsent(ctx context.Context, tenantID int64, c *Consent) error {
	id, err := t.insert(ctx, "store.AddConsent", `INSERT INTO consents (tenant_id, contact_id, purpose, basis, status, source, recorded_by, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, tenantID, c.ContactID, c.Purpose, c.Basis, c.Status, c.Source, nullID(c.RecordedBy), Micros(c.At))
	c.ID = id
	return err
}

// Consents lists a contact's consent records, newest first.
func (t *Tx) Consents(ctx context.Context, tenantID, contactID int64) ([]Consent, error) {
	rows, err := t.query(ctx, "store.Consents", `SELECT id, contact_id, purpose, basis, status, source, recorded_by, at FROM consents
		WHERE tenant_id = $1 AND contact_id = $2 ORDER BY id DESC`, tenantID, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Consent{}
	for rows.Next() {
		var c Consent
		var by sql.NullInt64
		var at int64
		if err := rows.Scan(&c.ID, &c.ContactID, &c.Purpose, &c.Basis, &c.Status, &c.Source, &by, &at); err != nil {
			return nil, errs.Wrap(err, "store.Consents")
		}
		c.RecordedBy, c.At = int64Ptr(by), FromMicros(at)
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "store.Consents")
}

// ConsentGiven returns which of the contacts stand at "given" for the
// purpose: their newest record for it says so.
func (t *Tx) ConsentGiven(ctx context.Context, tenantID int64, purpose string, contactIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(contactIDs) == 0 {
		return out, nil
	}
	rows, err := t.query(ctx, "store.ConsentGiven", `SELECT c.contact_id FROM consents c
		WHERE c.tenant_id = $1 AND c.purpose = $2 AND c.status = 'given' AND `+t.inIDs("c.contact_id", "$3")+`
		AND c.id = (SELECT MAX(n.id) FROM consents n WHERE n.contact_id = c.contact_id AND n.purpose = $2)`,
		tenantID, purpose, t.idsParam(contactIDs))
	if err != nil {
		return nil, err
	}
	ids, err := scanIDs(rows, "store.ConsentGiven")
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}
