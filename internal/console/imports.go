package console

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"path"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// The import page takes a CSV or XLSX file of customers with a mode (a dry
// run, all or nothing, or the good rows only), hands it to service.Import,
// which checks every column against the user's field access before reading
// a row, and shows the run's report on a page of its own. It lists the
// user's earlier runs and offers a template: the header row of the columns
// the user may fill.

// importModes are the modes, in the order the form offers them; the first
// is the default, so that a file is checked before anything is written.
var importModes = []string{service.ImportDryRun, service.ImportAll, service.ImportPerRow}

// templateColumns are the template's columns before the user's field
// access narrows them.
var templateColumns = []string{"name", "industry", "level", "region", "source", "phone", "email", "address", "notes",
	"contact_name", "contact_title", "contact_phone", "contact_email"}

// importsPage is what the import template shows.
type importsPage struct {
	Form      form // the mode; the file input follows it
	FileError string
	Runs      []importRow
}

// importRow is one run, on the list or heading its report.
type importRow struct {
	store.Import
	Report              service.ImportReport
	ModeText, StateText string
}

func canImport(v *view) error {
	if !v.act.Subject.Holds(access.Customer, access.Import) {
		return errs.E(errs.Forbidden, "forbidden", "no role of yours may import customers")
	}
	return nil
}

func (c *Console) importPage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.importsPage(r, v, service.ImportDryRun, nil)
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "imports", p)
	return nil
}

func (c *Console) importsPage(r *http.Request, v *view, mode string, fe *fieldErr) (*importsPage, error) {
	if err := canImport(v); err != nil {
		return nil, err
	}
	runs, err := c.svc.Imports(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	v.Title = v.T("import.title")
	p := &importsPage{}
	for _, im := range runs {
		p.Runs = append(p.Runs, newImportRow(v, im))
	}
	modes := field{Name: "mode", Label: v.T("import.mode"), Kind: "select", Value: mode, Required: true, Hint: v.T("import.mode.hint")}
	for _, m := range importModes {
		modes.Options = append(modes.Options, option{Value: m, Label: v.T("importmode." + m)})
	}
	p.Form = form{Action: "/imports", Submit: v.T("import.submit"), Prefix: "import-", Fields: []field{modes}}
	if fe != nil && fe.Field == "file" {
		p.FileError = fe.Message
	} else {
		p.Form.place(fe)
	}
	return p, nil
}

func newImportRow(v *view, im store.Import) importRow {
	row := importRow{Import: im, ModeText: v.T("importmode." + im.Mode), StateText: v.T("importstatus." + im.Status)}
	// A run still going, or one whose node stopped, has no report yet.
	_ = json.Unmarshal(im.Report, &row.Report)
	return row
}

// runImport reads the upload checkUpload left on the view. A file refused
// as a whole (unreadable, a column the user may not fill) is shown on the
// form; a file that was read goes to its report.
func (c *Console) runImport(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := canImport(v); err != nil {
		return err
	}
	mode := r.PostForm.Get("mode")
	var im store.Import
	var err error
	switch {
	case v.file == nil:
		err = errs.Field("file", "field_required", "choose a CSV or XLSX file")
	case formatOf(v.file.FileName()) == "":
		err = errs.Field("file", "invalid_format", "the file must be a .csv or .xlsx file")
	default:
		im, err = c.svc.Import(r.Context(), v.act, formatOf(v.file.FileName()), mode, v.file)
	}
	if err == nil {
		http.Redirect(w, r, "/imports/"+strconv.FormatInt(im.ID, 10), http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.importsPage(r, v, mode, fe)
	if lerr != nil {
		return lerr
	}
	c.render(w, v, status, "imports", p)
	return nil
}

// formatOf reads the format from the file's name, as the person chose it.
func formatOf(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv":
		return "csv"
	case ".xlsx":
		return "xlsx"
	}
	return ""
}

// reportPage is what the import report template shows.
type reportPage struct {
	Run        importRow
	Errors     []rowProblem
	More       int // errors beyond those the report lists
	Good       int // rows neither wrong nor duplicates: what a dry run would write
	Duplicates []dupRow
	Written    bool // the run wrote customers
}

// dupRow is a duplicate row: of an earlier row, or of a customer the user
// can see (CustomerID).
type dupRow struct {
	Row, SameAsRow int
	CustomerID     int64
}

// rowProblem is a row's error as the report shows it.
type rowProblem struct {
	Row            int
	Field, Message string
}

func (c *Console) importReport(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotVisible("import")
	}
	im, err := c.svc.ImportRun(r.Context(), v.act, id)
	if err != nil {
		return err
	}
	v.Title = v.Tf("import.report.title", im.ID)
	p := reportPage{Run: newImportRow(v, im)}
	rep := p.Run.Report
	for _, e := range rep.Errors {
		msg := v.lang.errText(&errs.Error{Code: e.Code, Field: e.Field, Message: e.Message})
		p.Errors = append(p.Errors, rowProblem{Row: e.Row, Field: importFieldLabel(v, e.Field), Message: msg})
	}
	p.More = max(0, rep.ErrorCount-len(rep.Errors))
	for _, d := range rep.Duplicates {
		row := dupRow{Row: d.Row, SameAsRow: d.SameAsRow}
		if d.CustomerID != nil {
			row.CustomerID = *d.CustomerID
		}
		p.Duplicates = append(p.Duplicates, row)
	}
	p.Good, p.Written = max(0, rep.Rows-rep.ErrorCount-rep.Skipped), rep.Created > 0
	c.render(w, v, http.StatusOK, "import", p)
	return nil
}

// importFieldLabel names the column a row error is about by its label.
func importFieldLabel(v *view, name string) string {
	if name == "" {
		return "—"
	}
	if key, ok := strings.CutPrefix(name, "contact_"); ok {
		return v.T("object.contact") + " · " + v.Label(access.Contact, key)
	}
	return v.Label(access.Customer, strings.TrimPrefix(name, "custom."))
}

// importTemplate answers a CSV of one header row: the template's columns
// the user may fill. It starts with a byte-order mark, so that Excel opens
// it as UTF-8 and keeps Chinese text typed into it intact.
func (c *Console) importTemplate(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := canImport(v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="customers-import-template.csv"`)
	_, _ = w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	_ = cw.Write(importColumns(v.act.Subject))
	cw.Flush()
	return nil
}

// importColumns are the template's columns the subject may fill: fields
// they may edit, and the contact columns only if they may import contacts.
func importColumns(s *access.Subject) []string {
	contacts := s.Holds(access.Contact, access.Import)
	var out []string
	for _, col := range templateColumns {
		o, key := access.Customer, col
		if k, ok := strings.CutPrefix(col, "contact_"); ok {
			o, key = access.Contact, k
			if !contacts {
				continue
			}
		}
		if s.Field(o, key).Access == access.FieldEdit {
			out = append(out, col)
		}
	}
	return out
}
