package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/sheet"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

func importReport(t *testing.T, im store.Import) service.ImportReport {
	t.Helper()
	var rep service.ImportReport
	if err := json.Unmarshal(im.Report, &rep); err != nil {
		t.Fatalf("report %s: %v", im.Report, err)
	}
	return rep
}

func countCustomers(t *testing.T, svc *service.Service, a *service.Actor) int64 {
	t.Helper()
	return must[int64](t)(svc.CountCustomers(context.Background(), a, store.CustomerQuery{Sort: "last_activity_at"}))
}

// TestImportModes: a file with a bad row writes nothing in mode all, the
// good rows in per_row, nothing in a dry run; every mode reports the bad
// row by line and field; duplicates of an earlier row or of a customer the
// importer can see are skipped and reported.
func TestImportModes(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			csv := "name,phone,level,contact_name,contact_email\n" +
				"North Co,13911110001,A,Wang Wu,wang@north.example\n" +
				"South Co,13911110002,Z,,\n" + // level Z: bad
				"Alpha Ltd,13800000001,B,,\n" + // the manager's customer: a duplicate the admin can see
				"north co,139-1111-0001,C,,\n" + // repeats row 2
				"East Co,,,Li Si,not-an-email\n" // bad contact e-mail
			before := countCustomers(t, f.svc, f.admin)
			for _, mode := range []string{service.ImportDryRun, service.ImportAll} {
				im := must[store.Import](t)(f.svc.Import(ctx, f.admin, "csv", mode, strings.NewReader(csv)))
				rep := importReport(t, im)
				if rep.Rows != 5 || rep.Created != 0 || rep.ErrorCount != 2 || rep.Errors[0].Row != 3 || rep.Errors[0].Field != "level" ||
					rep.Errors[1].Row != 6 || rep.Errors[1].Field != "contact_email" {
					t.Fatalf("%s: got %+v", mode, rep)
				}
				if len(rep.Duplicates) != 2 || rep.Duplicates[0].SameAsRow != 2 || rep.Duplicates[1].CustomerID == nil || *rep.Duplicates[1].CustomerID != f.mine[0] {
					t.Fatalf("%s: duplicates %+v", mode, rep.Duplicates)
				}
			}
			if n := countCustomers(t, f.svc, f.admin); n != before {
				t.Fatalf("a dry run and a failed all-or-nothing run wrote %d customers", n-before)
			}
			im := must[store.Import](t)(f.svc.Import(ctx, f.admin, "csv", service.ImportPerRow, strings.NewReader(csv)))
			rep := importReport(t, im)
			if rep.Created != 1 || rep.ContactsCreated != 1 || im.Status != "done" || im.RowsDone != 1 {
				t.Fatalf("per_row: got %+v (%s, %d done)", rep, im.Status, im.RowsDone)
			}
			if n := countCustomers(t, f.svc, f.admin); n != before+1 {
				t.Fatalf("per_row wrote %d customers, want 1", n-before)
			}
			// The manager cannot see the administrator's customers: a
			// duplicate of one is not reported to them (nor imported twice
			// by them either way: it is theirs now).
			mgrCSV := "name\nOutside Co\n"
			rep = importReport(t, must[store.Import](t)(f.svc.Import(ctx, f.manager, "csv", service.ImportDryRun, strings.NewReader(mgrCSV))))
			if len(rep.Duplicates) != 0 {
				t.Fatalf("a customer the importer cannot see was reported as a duplicate: %+v", rep.Duplicates)
			}
		})
	}
}

// TestImportRefusals: columns the importer may not edit, unknown columns,
// malformed files and formula cells; GBK files read as Chinese.
func TestImportRefusals(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			before := countCustomers(t, f.svc, f.admin)
			// The manager sees e-mail masked: an e-mail column is refused whole.
			_, err := f.svc.Import(ctx, f.manager, "csv", service.ImportAll, strings.NewReader("name,email\nX Co,x@x.example\n"))
			if errs.As(err).Code != "field_not_editable" || errs.As(err).Field != "email" {
				t.Fatalf("an e-mail column from someone who sees e-mail masked: got %v", err)
			}
			for name, c := range map[string]struct{ body, code string }{
				"unknown column": {"name,shoe_size\nX,42\n", "unknown_column"},
				"ragged":         {"name,phone\nX Co\n", "malformed_file"},
				"no name":        {"phone\n13900000000\n", "missing_column"},
				"empty":          {"name\n", "empty_file"},
			} {
				if _, err := f.svc.Import(ctx, f.admin, "csv", service.ImportAll, strings.NewReader(c.body)); errs.As(err).Code != c.code {
					t.Errorf("%s: got %v, want %s", name, err, c.code)
				}
			}
			// A formula fails its row; the others go in.
			rep := importReport(t, must[store.Import](t)(f.svc.Import(ctx, f.admin, "csv", service.ImportPerRow,
				strings.NewReader("name,notes\n=cmd|' /C calc'!A0,x\nSafe Co,+86 138 1234 5678\n"))))
			if rep.ErrorCount != 1 || rep.Errors[0].Code != "formula_cell" || rep.Created != 1 {
				t.Fatalf("a formula cell: got %+v", rep)
			}
			// GBK, as Excel in China saves CSV.
			gbk, err := simplifiedchinese.GBK.NewEncoder().String("name,industry\n北京科技有限公司,制造业\n")
			if err != nil {
				t.Fatal(err)
			}
			im := must[store.Import](t)(f.svc.Import(ctx, f.admin, "csv", service.ImportAll, strings.NewReader(gbk)))
			if rep := importReport(t, im); rep.Encoding != "gb18030" || rep.Created != 1 {
				t.Fatalf("a GBK file: got %+v", rep)
			}
			page := must[service.Page[crm.Customer]](t)(f.svc.Customers(ctx, f.admin, store.CustomerQuery{Text: "北京科技", Sort: "last_activity_at", Limit: 5}))
			if len(page.Items) != 1 || page.Items[0].Industry != "制造业" {
				t.Fatalf("the GBK customer reads back as %+v", page.Items)
			}
			if n := countCustomers(t, f.svc, f.admin); n != before+2 {
				t.Fatalf("the refused files wrote something: %d customers more, want 2", n-before)
			}
		})
	}
}

// TestImportXLSX imports a workbook such as Steward itself writes: the
// export's system columns are ignored, labels work as headers.
func TestImportXLSX(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			var b bytes.Buffer
			w, err := sheet.NewWriter(&b, sheet.XLSX, sheet.Watermark{ExportID: "exp_1", Who: "t", Tenant: "t", When: time.Now()},
				[]string{"id", "客户名称", "Phone", "level"}, "customers")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range [][]string{{"7", "西湖贸易", "13577778888", "A"}, {"8", "Lake Trading", "13577779999", "B"}} {
				if err := w.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			im := must[store.Import](t)(f.svc.Import(ctx, f.admin, "xlsx", service.ImportAll, &b))
			if rep := importReport(t, im); rep.Created != 2 || rep.ErrorCount != 0 {
				t.Fatalf("xlsx import: got %+v", rep)
			}
		})
	}
}

// TestImportProgressAndFailure: a large file's run counts the rows it has
// checked; a file found malformed part-way is recorded as a failed run with
// the reason in its report, and nothing is written.
func TestImportProgressAndFailure(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			var b strings.Builder
			b.WriteString("name,phone\n")
			for i := range 4500 {
				fmt.Fprintf(&b, "Bulk %d,1390000%04d\n", i, i)
			}
			im := must[store.Import](t)(f.svc.Import(ctx, f.admin, "csv", service.ImportDryRun, strings.NewReader(b.String())))
			if im.RowsRead != 4500 || im.RowsTotal != 4500 || im.Status != "done" || im.SHA256 == "" {
				t.Fatalf("a dry run of 4,500 rows: %+v", im)
			}
			before := countCustomers(t, f.svc, f.admin)
			bad := b.String() + "Broken row without its phone column\n"
			if _, err := f.svc.Import(ctx, f.admin, "csv", service.ImportAll, strings.NewReader(bad)); errs.As(err).Code != "malformed_file" {
				t.Fatalf("a file malformed at its end: got %v", err)
			}
			runs := must[[]store.Import](t)(f.svc.Imports(ctx, f.admin))
			last := runs[0]
			if last.Status != "failed" || !strings.Contains(string(last.Report), "malformed_file") {
				t.Fatalf("the failed run: %s %s", last.Status, last.Report)
			}
			if n := countCustomers(t, f.svc, f.admin); n != before {
				t.Fatalf("a malformed file wrote %d customers", n-before)
			}
		})
	}
}
