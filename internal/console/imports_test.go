package console_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// upload posts the import form as a browser sends it: the CSRF token and
// the mode first, then the file.
func (c *client) upload(token, mode, name, content string) (*http.Response, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if token != "" {
		_ = mw.WriteField("csrf", token)
	}
	_ = mw.WriteField("mode", mode)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = fw.Write([]byte(content))
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	return c.send(http.MethodPost, "/imports", mw.FormDataContentType(), &buf)
}

var importRE = regexp.MustCompile(`^/imports/(\d+)$`)

// The template holds the columns the user may fill; a dry run reports a
// wrong row by number and column and the duplicates (of an earlier row, and
// of a customer the user sees, linked) and writes nothing; the good rows
// only mode then writes the one good row.
func TestImportReport(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	manager := s.actor(t, "east.manager@demo.example")
	before := len(s.customers(t, manager))
	existing := s.customers(t, manager)[0]
	c := newClient(t, s.URL)
	c.signIn("east.manager@demo.example")

	resp, tmpl := c.get("/imports/template.csv")
	want := "\ufeffname,industry,level,region,source,phone,email,address,notes,contact_name,contact_title,contact_phone,contact_email\r\n"
	if resp.StatusCode != http.StatusOK || tmpl != want || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("template: status %d, %q; want 200, an attachment, %q", resp.StatusCode, tmpl, want)
	}

	_, body := c.get("/imports")
	token := csrf(t, body)
	file := "name,level,phone,email\r\n" +
		"Import Good Co,A,13800000001,good@example.com\r\n" +
		"Import Bad Co,A,13800000002,not-an-email\r\n" +
		"import good co ,B,138-0000-0001,\r\n" +
		existing.Name + ",C," + existing.Phone + ",\r\n"
	resp, _ = c.upload(token, "dry_run", "customers.csv", file)
	m := importRE.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("dry run: %d to %q, want 303 to the report", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = c.get(resp.Header.Get("Location"))
	for _, want := range []string{"Dry run: nothing was written. 1 rows would be imported; 1 have errors and 2 are duplicates.",
		`<tr data-row="3">`, `<td data-label="Column">E-mail</td>`, "row 2 of the file", fmt.Sprintf(`href="/customers/%d"`, existing.ID)} {
		if !strings.Contains(body, want) {
			t.Errorf("the dry run's report lacks %q", want)
		}
	}
	if strings.Contains(body, "not-an-email") {
		t.Errorf("the report shows a cell's value")
	}
	if got := len(s.customers(t, manager)); got != before {
		t.Errorf("a dry run changed the customers from %d to %d", before, got)
	}

	resp, _ = c.upload(token, "per_row", "customers.csv", file)
	_, body = c.get(resp.Header.Get("Location"))
	if !strings.Contains(body, "1 customers and 0 contacts were imported.") || !strings.Contains(body, `id="see-customers"`) {
		t.Errorf("the good rows only run's report does not say one customer was imported")
	}
	if got := len(s.customers(t, manager)); got != before+1 {
		t.Errorf("after importing the good rows the manager has %d customers, want %d", got, before+1)
	}
	_, body = c.get("/imports")
	if n := strings.Count(body, `class="import-link"`); n != 2 {
		t.Errorf("the import page lists %d earlier runs, want 2", n)
	}
	runs, err := s.svc.Imports(ctx, manager)
	if err != nil || len(runs) != 2 {
		t.Errorf("the service has %d runs (err %v)", len(runs), err)
	}
}

// A file refused as a whole is shown on the form, next to the file input;
// an upload without the CSRF token is refused before the file is read.
func TestImportRefusesWholeFiles(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.signIn("east.manager@demo.example")
	_, body := c.get("/imports")
	token := csrf(t, body)
	for _, f := range []struct{ name, content, want string }{
		{"customers.csv", "name,nickname\r\nA,B\r\n", "nickname"},
		{"customers.txt", "name\r\nA\r\n", ".csv or .xlsx"},
		{"customers.xlsx", "name\r\nA\r\n", "XLSX"},
	} {
		resp, body := c.upload(token, "all", f.name, f.content)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="import-file-error"`) || !strings.Contains(body, f.want) {
			t.Errorf("%s: status %d, want 400 with an error by the file naming %q", f.name, resp.StatusCode, f.want)
		}
		if !strings.Contains(body, `<option value="all" selected>`) {
			t.Errorf("%s: the form forgot the mode", f.name)
		}
	}
	if resp, _ := c.upload("", "all", "customers.csv", "name\r\nSneaky Co\r\n"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an upload without the CSRF token: %d, want 403", resp.StatusCode)
	}
	runs, err := s.svc.Imports(context.Background(), s.actor(t, "east.manager@demo.example"))
	if err != nil || len(runs) != 0 {
		t.Errorf("refused files left %d runs (err %v), want none", len(runs), err)
	}
	other := newClient(t, s.URL)
	other.signIn("admin@demo.example")
	if resp, _ := other.get("/imports/1"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another user's (or a missing) import: %d, want 404", resp.StatusCode)
	}
}
