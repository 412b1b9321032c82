package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/sheet"
	"steward/internal/store"
)

// The import modes: dry_run checks every row and writes nothing; all
// writes every row or, if any row is wrong, none; per_row writes the good
// rows and reports the rest.
const (
	ImportDryRun = "dry_run"
	ImportAll    = "all"
	ImportPerRow = "per_row"
)

// ImportReport is what an import run found and did.
type ImportReport struct {
	Encoding        string      `json:"encoding"`
	Rows            int         `json:"rows"`
	Created         int         `json:"created"`
	ContactsCreated int         `json:"contacts_created"`
	Skipped         int         `json:"skipped"` // duplicates, not written
	ErrorCount      int         `json:"error_count"`
	Errors          []RowError  `json:"errors"` // the first 1,000
	Duplicates      []Duplicate `json:"duplicates"`
}

// RowError is one problem with one row; Field is the column's field.
type RowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Duplicate is a row whose name and phone match an earlier row of the file
// or a customer the importer can see; it is not imported.
type Duplicate struct {
	Row        int    `json:"row"`
	SameAsRow  int    `json:"same_as_row,omitempty"`
	CustomerID *int64 `json:"customer_id,omitempty"`
}

const maxReportedErrors = 1000

// Import reads a CSV or XLSX file of customers (with at most one contact
// each) and, per mode, checks or writes them, owned by the importer. The
// columns are field keys or labels of the catalogue (custom fields as
// custom.<key> or their label) and contact_name, contact_title,
// contact_phone, contact_email, contact_notes. Every column must be a
// field the importer may edit, checked before any row is read; a file
// that cannot be read fails as a whole.
func (s *Service) Import(ctx context.Context, a *Actor, format, mode string, body io.Reader) (store.Import, error) {
	im := store.Import{UserID: a.UserID, Mode: mode, Status: "running", CreatedAt: s.now()}
	if mode != ImportDryRun && mode != ImportAll && mode != ImportPerRow {
		return im, errs.Field("mode", "invalid_parameter", "mode must be dry_run, all or per_row")
	}
	f, err := sheet.ParseFormat(format)
	if err != nil {
		return im, err
	}
	im.Format = string(f)
	if !a.Subject.Holds(access.Customer, access.Import) {
		return im, errs.E(errs.Forbidden, "forbidden", "no role of yours may import customers")
	}
	hash := sha256.New()
	r, err := sheet.NewReader(io.TeeReader(body, hash), f, sheet.DefaultLimits())
	if err != nil {
		return im, err
	}
	defer r.Close()
	plan, err := a.importPlan(r.Header())
	if err != nil {
		return im, err
	}
	// From here the run is recorded, so that GET /imports/{id} shows how
	// many rows are checked while a large file is read.
	if err := s.DB.Write(ctx, func(tx *store.Tx) error { return tx.CreateImport(ctx, a.TenantID, &im) }); err != nil {
		return im, err
	}
	rows, rep, err := a.readImport(r, plan, func(read int) error {
		im.RowsRead = int64(read)
		return s.DB.Write(ctx, func(tx *store.Tx) error { return tx.ImportProgress(ctx, a.TenantID, im) })
	})
	if err == nil {
		_, _ = io.Copy(hash, body) // the rest of the file, for a hash of all of it
		im.SHA256 = hex.EncodeToString(hash.Sum(nil))
		rep.Encoding = r.Encoding()
		im.RowsRead = int64(rep.Rows)
		err = s.markDuplicates(ctx, a, rows, &rep)
	}
	if err != nil {
		rep.addError(0, err) // row 0: the file as a whole
		s.failImport(ctx, a, &im, &rep)
		return im, err
	}
	im.RowsTotal = int64(rep.Rows)
	if err := s.writeImport(ctx, a, &im, rows, &rep); err != nil {
		// Batches already written stay, each with its audit entry.
		s.failImport(ctx, a, &im, &rep)
		return im, err
	}
	return im, nil
}

// failImport marks a run failed, so that it does not look as if it were
// still running, and records it.
func (s *Service) failImport(ctx context.Context, a *Actor, im *store.Import, rep *ImportReport) {
	im.Status = "failed"
	if err := s.DB.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error { return s.finishImport(ctx, tx, a, im, rep) }); err != nil {
		s.Log.Error("import: recording a failed run", "import_id", im.ID, "err", err)
	}
}

// writeImport writes the rows the mode allows and records the run: for
// all, every good row in one transaction or none; for per_row, batches of
// 500 rows, each its own transaction, with progress between them.
func (s *Service) writeImport(ctx context.Context, a *Actor, im *store.Import, rows []importRow, rep *ImportReport) error {
	write := im.Mode == ImportPerRow || im.Mode == ImportAll && rep.ErrorCount == 0
	var todo []importRow
	for _, row := range rows {
		if row.ok && !row.duplicate {
			todo = append(todo, row)
		}
	}
	batch := len(todo)
	if im.Mode == ImportPerRow {
		batch = 500
	}
	im.Status = "done"
	if im.Mode == ImportAll && rep.ErrorCount > 0 {
		im.Status = "failed"
	}
	for len(todo) > 0 && write {
		n := min(batch, len(todo))
		chunk := todo[:n]
		todo = todo[n:]
		last := len(todo) == 0
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			created, contacts, err := s.createImported(ctx, tx, a, chunk)
			if err != nil {
				return err
			}
			rep.Created += created
			rep.ContactsCreated += contacts
			im.RowsDone = int64(rep.Created)
			if !last {
				// Each batch is recorded with what it wrote, in its own
				// transaction, as every write is.
				if err := s.rec(ctx, tx, a, event{action: "import.batch", targetType: "import", targetID: im.ID,
					details: map[string]any{"created": created, "contacts_created": contacts, "rows_done": im.RowsDone}}); err != nil {
					return err
				}
				return tx.ImportProgress(ctx, a.TenantID, *im)
			}
			return s.finishImport(ctx, tx, a, im, rep)
		})
		if err != nil {
			return err
		}
	}
	if write && rep.Created > 0 {
		return nil
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error { return s.finishImport(ctx, tx, a, im, rep) })
}

// finishImport stores the report and records the run in the audit trail:
// one entry for the file, with its hash and counts (not one per row).
func (s *Service) finishImport(ctx context.Context, tx *store.Tx, a *Actor, im *store.Import, rep *ImportReport) error {
	b, err := json.Marshal(rep)
	if err != nil {
		return errs.Wrap(err, "service.finishImport")
	}
	im.Report = b
	if err := tx.FinishImport(ctx, a.TenantID, *im, s.now()); err != nil {
		return err
	}
	return s.rec(ctx, tx, a, event{action: "import.run", targetType: "import", targetID: im.ID, details: map[string]any{
		"mode": im.Mode, "format": im.Format, "sha256": im.SHA256, "rows": rep.Rows, "created": rep.Created,
		"contacts_created": rep.ContactsCreated, "errors": rep.ErrorCount, "duplicates": len(rep.Duplicates), "status": im.Status}})
}

// createImported writes rows as customers owned by the importer, in the
// importer's department, each with its contact if the row has one.
func (s *Service) createImported(ctx context.Context, tx *store.Tx, a *Actor, rows []importRow) (int, int, error) {
	dept, err := tx.Department(ctx, a.TenantID, a.User.DepartmentID)
	if err != nil {
		return 0, 0, err
	}
	now, owner := s.now(), a.UserID
	contacts := 0
	for _, row := range rows {
		c := row.customer
		c.OwnerID, c.OwnerDeptID, c.DeptPath = &owner, &dept.ID, dept.Path
		if err := tx.CreateCustomer(ctx, a.TenantID, &c, now); err != nil {
			return 0, 0, err
		}
		if row.contact != nil {
			k := *row.contact
			k.CustomerID = c.ID
			if err := tx.SaveContact(ctx, a.TenantID, &k, now); err != nil {
				return 0, 0, err
			}
			contacts++
		}
	}
	return len(rows), contacts, nil
}

// Imports lists the caller's import runs.
func (s *Service) Imports(ctx context.Context, a *Actor) ([]store.Import, error) {
	var out []store.Import
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Imports(ctx, a.TenantID, a.UserID, 100)
		return err
	})
	return out, err
}

// ImportRun returns one of the caller's import runs, with its progress.
func (s *Service) ImportRun(ctx context.Context, a *Actor, id int64) (store.Import, error) {
	var im store.Import
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if im, err = tx.Import(ctx, a.TenantID, id); err == nil && im.UserID != a.UserID {
			err = errs.NotVisible("import")
		}
		return err
	})
	return im, err
}

// dupKey is how duplicates are recognised: the name without case or outer
// space, and the phone's digits.
func dupKey(name, phone string) string {
	var d strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			d.WriteRune(r)
		}
	}
	return strings.ToLower(strings.TrimSpace(name)) + "\x00" + d.String()
}

// markDuplicates flags rows that repeat an earlier row, or a customer whose
// name and phone the importer can read in the clear. A customer they cannot
// see, or see with either masked (by their field rules, or because only a
// pool shows it to them), is not compared: a match would tell them the
// hidden value, row by guessed row.
func (s *Service) markDuplicates(ctx context.Context, a *Actor, rows []importRow, rep *ImportReport) error {
	first := map[string]int{}
	var names []string
	for i := range rows {
		if !rows[i].ok {
			continue
		}
		k := dupKey(rows[i].customer.Name, rows[i].customer.Phone)
		if at, seen := first[k]; seen {
			rows[i].duplicate = true
			rep.Duplicates = append(rep.Duplicates, Duplicate{Row: rows[i].line, SameAsRow: at})
			continue
		}
		first[k] = rows[i].line
		names = append(names, rows[i].customer.Name)
	}
	existing := map[string]int64{}
	if !a.Subject.Field(access.Customer, "name").Access.Readable() || !a.Subject.Field(access.Customer, "phone").Access.Readable() {
		rep.Skipped = len(rep.Duplicates)
		return nil
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		cs, err := tx.CustomersNamed(ctx, a.TenantID, names)
		if err != nil {
			return err
		}
		for _, c := range cs {
			rec, err := recordOf(ctx, tx, a.TenantID, c)
			if err != nil {
				return err
			}
			if a.Subject.Check(access.Customer, access.View, rec).Allowed && !poolOnlyRecord(a, rec) {
				existing[dupKey(c.Name, c.Phone)] = c.ID
			}
		}
		return nil
	})
	for i := range rows {
		if id, ok := existing[dupKey(rows[i].customer.Name, rows[i].customer.Phone)]; ok && rows[i].ok && !rows[i].duplicate {
			rows[i].duplicate = true
			rep.Duplicates = append(rep.Duplicates, Duplicate{Row: rows[i].line, CustomerID: &id})
		}
	}
	rep.Skipped = len(rep.Duplicates)
	return err
}

// addError records a row's problem, keeping the first maxReportedErrors.
func (rep *ImportReport) addError(row int, err error) {
	rep.ErrorCount++
	if len(rep.Errors) < maxReportedErrors {
		e := errs.As(err)
		rep.Errors = append(rep.Errors, RowError{Row: row, Field: e.Field, Code: e.Code, Message: e.Message})
	}
}
