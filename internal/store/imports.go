package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"steward/internal/crm"
	"steward/internal/errs"
)

// Import is one import run and its report.
type Import struct {
	ID         int64           `json:"id"`
	UserID     int64           `json:"user_id"`
	Format     string          `json:"format"`
	Mode       string          `json:"mode"`
	Status     string          `json:"status"` // running, done, failed
	SHA256     string          `json:"sha256"`
	RowsRead   int64           `json:"rows_read"`  // checked so far
	RowsTotal  int64           `json:"rows_total"` // in the file, once read
	RowsDone   int64           `json:"rows_done"`  // written
	Report     json.RawMessage `json:"report"`
	CreatedAt  time.Time       `json:"created_at"`
	FinishedAt *time.Time      `json:"finished_at"`
}

const importColumns = `id, user_id, format, mode, status, sha256, rows_read, rows_total, rows_done, report, created_at, finished_at`

func scanImport(sc interface{ Scan(...any) error }, im *Import) error {
	var report string
	var created int64
	var finished sql.NullInt64
	if err := sc.Scan(&im.ID, &im.UserID, &im.Format, &im.Mode, &im.Status, &im.SHA256, &im.RowsRead, &im.RowsTotal, &im.RowsDone, &report, &created, &finished); err != nil {
		return err
	}
	im.Report, im.CreatedAt, im.FinishedAt = json.RawMessage(report), FromMicros(created), timePtr(finished)
	return nil
}

// CreateImport records the start of an import run.
func (t *Tx) CreateImport(ctx context.Context, tenantID int64, im *Import) error {
	id, err := t.insert(ctx, "store.CreateImport", `INSERT INTO imports (tenant_id, user_id, format, mode, status, sha256, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, tenantID, im.UserID, im.Format, im.Mode, im.Status, im.SHA256, Micros(im.CreatedAt))
	im.ID = id
	return err
}

// ImportProgress records how far a run has got.
func (t *Tx) ImportProgress(ctx context.Context, tenantID int64, im Import) error {
	_, err := t.exec(ctx, "store.ImportProgress", `UPDATE imports SET rows_read = $1, rows_total = $2, rows_done = $3 WHERE tenant_id = $4 AND id = $5`,
		im.RowsRead, im.RowsTotal, im.RowsDone, tenantID, im.ID)
	return err
}

// FinishImport records a run's end and report.
func (t *Tx) FinishImport(ctx context.Context, tenantID int64, im Import, now time.Time) error {
	_, err := t.exec(ctx, "store.FinishImport", `UPDATE imports SET status = $1, rows_read = $2, rows_total = $3, rows_done = $4, report = $5,
		sha256 = $6, finished_at = $7 WHERE tenant_id = $8 AND id = $9`, im.Status, im.RowsRead, im.RowsTotal, im.RowsDone, string(im.Report),
		im.SHA256, Micros(now), tenantID, im.ID)
	return err
}

// Import returns one import run.
func (t *Tx) Import(ctx context.Context, tenantID, id int64) (Import, error) {
	var im Import
	row := t.tx.QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := scanImport(row, &im); err != nil {
		return im, t.notFound(err, "store.Import", "import")
	}
	return im, nil
}

// Imports lists a user's import runs, newest first.
func (t *Tx) Imports(ctx context.Context, tenantID, userID int64, limit int) ([]Import, error) {
	rows, err := t.query(ctx, "store.Imports", `SELECT `+importColumns+` FROM imports WHERE tenant_id = $1 AND user_id = $2
		ORDER BY id DESC LIMIT `+itoa(limit), tenantID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Import{}
	for rows.Next() {
		var im Import
		if err := scanImport(rows, &im); err != nil {
			return nil, errs.Wrap(err, "store.Imports")
		}
		out = append(out, im)
	}
	return out, errs.Wrap(rows.Err(), "store.Imports")
}

// CustomersNamed returns the tenant's customers with any of the names,
// ignoring case, for duplicate checks; the service keeps those the importer
// may see.
func (t *Tx) CustomersNamed(ctx context.Context, tenantID int64, names []string) ([]crm.Customer, error) {
	var out []crm.Customer
	for len(names) > 0 {
		n := min(len(names), 500)
		args := []any{tenantID}
		marks := make([]string, n)
		for i, name := range names[:n] {
			args = append(args, strings.ToLower(name))
			marks[i] = "$" + itoa(len(args))
		}
		names = names[n:]
		rows, err := t.query(ctx, "store.CustomersNamed", `SELECT `+customerCols+` FROM customers
			WHERE tenant_id = $1 AND lower(name) IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c crm.Customer
			if err := t.scanCustomer(ctx, tenantID, rows, &c); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "store.CustomersNamed")
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "store.CustomersNamed")
		}
	}
	return out, nil
}
