package service

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/sheet"
)

// importColumn is what one column of an import file fills.
type importColumn struct {
	name    string // the field as errors name it: "phone", "custom.tax_id", "contact_phone"
	object  access.Object
	key     string
	custom  *fields.Field
	ignored bool // an export's system column: re-importing an export works
}

// importRow is one row of the file, checked.
type importRow struct {
	line      int
	ok        bool
	duplicate bool
	customer  crm.Customer
	contact   *crm.Contact
}

// importProgressEvery is how often, in rows, the check of a file records
// its progress.
const importProgressEvery = 2000

var contactColumns = []string{"contact_name", "contact_title", "contact_phone", "contact_email", "contact_notes"}

// importPlan maps the header to fields and refuses, before any row is
// read, a column the importer may not edit.
func (a *Actor) importPlan(header []string) ([]importColumn, error) {
	var plan []importColumn
	seen := map[string]bool{}
	for _, h := range header {
		col, err := a.importColumn(h)
		if err != nil {
			return nil, err
		}
		if !col.ignored {
			if seen[col.name] {
				return nil, errs.Field("file", "duplicate_column", "two columns fill %s", col.name)
			}
			seen[col.name] = true
			if d := a.Subject.Field(col.object, col.key); d.Access != access.FieldEdit {
				return nil, errs.E(errs.Forbidden, "field_not_editable", "you may not set %s (your access: %s)", col.name, d.Access).WithField(col.name)
			}
		}
		plan = append(plan, col)
	}
	if !seen["name"] {
		return nil, errs.Field("file", "missing_column", "the file needs a name column")
	}
	if slices.ContainsFunc(plan, func(c importColumn) bool { return c.object == access.Contact }) && !a.Subject.Holds(access.Contact, access.Import) {
		return nil, errs.E(errs.Forbidden, "forbidden", "no role of yours may import contacts; leave out the contact_ columns")
	}
	return plan, nil
}

func (a *Actor) importColumn(h string) (importColumn, error) {
	h = strings.TrimSpace(h)
	if slices.Contains(exportSystemColumns, h) {
		return importColumn{name: h, ignored: true}, nil
	}
	if slices.Contains(contactColumns, h) {
		return importColumn{name: h, object: access.Contact, key: strings.TrimPrefix(h, "contact_")}, nil
	}
	key, custom := strings.CutPrefix(h, "custom.")
	for _, f := range a.catalogue().Of(access.Customer) {
		byKey := f.Key == key && f.Builtin != custom
		byLabel := !custom && (h == f.LabelZh || strings.EqualFold(h, f.LabelEn))
		if byKey || byLabel {
			col := importColumn{name: f.Key, object: access.Customer, key: f.Key}
			if !f.Builtin {
				f := f
				col.name, col.custom = "custom."+f.Key, &f
			}
			return col, nil
		}
	}
	return importColumn{}, errs.Field("file", "unknown_column", "column %q is no customer field (keys, labels, custom.<key> or contact_name, contact_title, contact_phone, contact_email, contact_notes)", h)
}

// readImport reads and checks every row. A file that cannot be read
// (malformed, over a limit, a formula cell in XLSX) fails as a whole; a
// wrong value fails its row.
func (a *Actor) readImport(r *sheet.Reader, plan []importColumn, progress func(read int) error) ([]importRow, ImportReport, error) {
	rep := ImportReport{Errors: []RowError{}, Duplicates: []Duplicate{}}
	var rows []importRow
	for {
		cells, line, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, rep, err
		}
		rep.Rows++
		if rep.Rows%importProgressEvery == 0 {
			if err := progress(rep.Rows); err != nil {
				return nil, rep, err
			}
		}
		row := importRow{line: line}
		if err := a.importCells(plan, cells, &row); err != nil {
			rep.addError(line, err)
		} else {
			row.ok = true
		}
		rows = append(rows, row)
	}
	if rep.Rows == 0 {
		return nil, rep, errs.Field("file", "empty_file", "the file holds no rows")
	}
	return rows, rep, nil
}

// importCells checks one row's cells into a customer and maybe a contact.
func (a *Actor) importCells(plan []importColumn, cells []string, row *importRow) error {
	var in crm.CustomerInput
	var kin crm.ContactInput
	in.Custom = crm.Custom{}
	hasContact := false
	for i, col := range plan {
		v := strings.TrimSpace(cells[i])
		if col.ignored || v == "" {
			continue
		}
		// Steward's own exports put a ' before a cell that starts like a
		// formula; it goes again so that an export imports back as it was.
		if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(v[1])) {
			v = v[1:]
		}
		if sheet.LooksLikeFormula(v) {
			return errs.Field(col.name, "formula_cell", "%s holds what a spreadsheet would run as a formula", col.name)
		}
		switch {
		case col.custom != nil:
			val, err := customFromText(*col.custom, v)
			if err != nil {
				return err
			}
			in.Custom[col.key] = val
		case col.object == access.Contact:
			hasContact = true
			setText(kin.Text(col.key), v)
		default:
			setText(in.Text(col.key), v)
		}
	}
	if _, err := in.Apply(&row.customer, true); err != nil {
		return err
	}
	if _, err := a.applyCustom(access.Customer, in.Custom, &row.customer.Custom, true); err != nil {
		return err
	}
	if hasContact {
		row.contact = &crm.Contact{}
		if _, err := kin.Apply(row.contact, true); err != nil {
			e := errs.As(err)
			e.Field = "contact_" + e.Field
			return e
		}
	}
	return nil
}

func setText(p **string, v string) {
	if p != nil {
		*p = &v
	}
}

// customFromText reads a custom value from a cell: numbers and flags as
// such, multiselect options separated by ; or ,; the rest as text.
func customFromText(f fields.Field, v string) (any, error) {
	bad := errs.Field("custom."+f.Key, "invalid_value", "custom.%s must be a %s", f.Key, f.Type)
	switch f.Type {
	case fields.Number:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, bad
		}
		return f.Check(n)
	case fields.Bool:
		switch strings.ToLower(v) {
		case "true", "yes", "1", "是":
			return true, nil
		case "false", "no", "0", "否":
			return false, nil
		}
		return nil, bad
	case fields.MultiSelect:
		var opts []string
		for _, o := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == '；' || r == '，' }) {
			opts = append(opts, strings.TrimSpace(o))
		}
		return f.Check(opts)
	}
	return f.Check(v)
}
