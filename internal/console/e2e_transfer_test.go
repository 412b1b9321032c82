package console_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// These flows drive exports and imports in headless Chromium: an export
// from the filtered list to the downloaded file, an export that waits for
// an administrator's approval, and an import checked by a dry run first.

// waitFor waits until js is true on the page. The exports page reloads
// itself while an export runs, so an evaluation caught mid-reload is tried
// again rather than failing the test.
func (b *browser) waitFor(js string, d time.Duration) bool {
	b.t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return true
		}
	}
	return false
}

// downloadsTo makes the browser save downloads into dir.
func (b *browser) downloadsTo(dir string) {
	b.t.Helper()
	_, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior,
		cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
	if err != nil {
		b.t.Fatal(err)
	}
}

// downloaded waits for a finished download named name in dir.
func downloaded(t testing.TB, dir, name string) []byte {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, name+".crdownload")); err == nil {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) > 0 {
			return b
		}
	}
	t.Fatalf("no download %s in %s", name, dir)
	return nil
}

// exportRow is the id of the first export on the exports page.
func (b *browser) exportRow(table string) string {
	b.t.Helper()
	return eval[string](b, `document.querySelector("`+table+` tbody tr").getAttribute("data-export")`)
}

// A manager filters the list, exports it as CSV, watches the page until
// the file is ready, and downloads it: it starts with the byte-order mark
// and the watermark, and holds one row per customer the list showed.
func TestE2EExportDownload(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	b := newBrowser(t, s.URL)
	b.signIn("east.manager@demo.example")
	b.setValue("#level", "A")
	b.click("#apply-filters")
	want := b.count()
	b.click("#export-customers")
	if got := b.text("#export-filter"); !strings.Contains(got, "Level") || !strings.Contains(got, "A") {
		t.Errorf("the export form states the filter as %q", got)
	}
	b.setValue("#export-f-format", "csv")
	b.do(chromedp.SendKeys(chromedp.CSS("#export-f-reason"), "Key accounts for the quarterly review"))
	b.click("#export-submit")
	if got := b.text("#done"); !strings.Contains(got, "queued") {
		t.Errorf("after requesting: notice %q", got)
	}
	if !b.waitFor(`!!document.querySelector('#my-exports tr[data-status="done"]')`, 30*time.Second) {
		t.Fatalf("the export did not show as ready; status %q", b.text("#my-exports tbody tr"))
	}
	id := b.exportRow("#my-exports")
	if sha := eval[string](b, `document.querySelector("#my-exports code.sha").title`); len(sha) != 64 {
		t.Errorf("the full SHA-256 in the title is %q", sha)
	}
	dir := t.TempDir()
	b.downloadsTo(dir)
	b.do(chromedp.Click(chromedp.CSS("#download-" + id)))
	file := downloaded(t, dir, "customers-exp_"+id+".csv")
	if !bytes.HasPrefix(file, []byte("\xEF\xBB\xBF# Steward export exp_"+id)) {
		t.Errorf("the file begins %.60q", file)
	}
	if rows := bytes.Count(file, []byte("\r\n")) - 2; rows != want {
		t.Errorf("the file holds %d rows, want the %d the list showed", rows, want)
	}
	b.open("/exports")
	if got := b.text(`#my-exports td[data-label="Downloads left"]`); got != "2" {
		t.Errorf("after one download, downloads left reads %q, want 2", got)
	}
}

// The administrator lowers the approval threshold; a manager's export
// above it waits; the administrator sees who asked, for what and why, and
// approves it on the exports page; the manager's file is then written.
func TestE2EExportApproval(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	admin := newBrowser(t, s.URL)
	admin.signIn("admin@demo.example")
	admin.click("#nav-admin")
	admin.click("#tab-exports")
	admin.setValue("#exports-f-approval_threshold", "10")
	admin.click("#exports-save")
	if got := admin.text("#done"); !strings.Contains(got, "saved") {
		t.Fatalf("after saving the export controls: %q", got)
	}

	m := newBrowser(t, s.URL)
	m.signIn("east.manager@demo.example")
	m.click("#export-customers")
	m.do(chromedp.SendKeys(chromedp.CSS("#export-f-reason"), "Handover to the new team lead"))
	m.click("#export-submit")
	if got := m.text("#done"); !strings.Contains(got, "waits for an approver") {
		t.Errorf("after requesting 90 rows: notice %q", got)
	}
	id := m.exportRow("#my-exports")
	if got := m.text(`#my-exports tr[data-export="` + id + `"] .status`); got != "waiting for approval" {
		t.Errorf("the manager's export shows %q", got)
	}

	admin.click("#nav-exports")
	// Seven entries, Exports among them, still fit one row on a laptop.
	if h := eval[float64](admin, `document.querySelector(".main-nav").getBoundingClientRect().height`); h > 45 {
		t.Errorf("the administrator's nav is %.0fpx high at 1280px wide: it wraps", h)
	}
	row := "#pending-exports tr[data-export='" + id + "']"
	if got := admin.text(row + " .requester"); got != "Emma East" {
		t.Errorf("the requester reads %q", got)
	}
	if got := admin.text(row + " .reason"); got != "Handover to the new team lead" {
		t.Errorf("the reason reads %q", got)
	}
	admin.click("#approve-" + id)
	if got := admin.text("#done"); !strings.Contains(got, "approved") || admin.count1(row) != 0 {
		t.Errorf("after approving: notice %q, row still listed: %v", got, admin.count1(row) != 0)
	}

	m.open("/exports")
	if !m.waitFor(`!!document.querySelector('#my-exports tr[data-export="`+id+`"][data-status="done"]')`, 30*time.Second) {
		t.Errorf("the approved export did not become ready")
	}
}

// A manager checks a file with a dry run, which reports the bad row by
// number and column and writes nothing, then imports the good rows only;
// the good customer appears in their list.
func TestE2EImportDryRunThenGoodRows(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	path := filepath.Join(t.TempDir(), "new-customers.csv")
	csv := "name,industry,level,email\r\nLotus Tea House,Retail,B,hello@lotus.example\r\nBroken Mail Ltd,Retail,C,broken-at-example\r\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s.URL)
	b.signIn("east.manager@demo.example")
	before := b.count()
	b.click("#import-customers")
	upload := func(mode string) {
		b.setValue("#import-f-mode", mode)
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{path}))
		b.click("#import-submit")
	}
	upload("dry_run")
	if got := b.text("#import-outcome"); !strings.Contains(got, "Dry run") || !strings.Contains(got, "1 rows would be imported") {
		t.Errorf("the dry run's outcome reads %q", got)
	}
	if got := b.text(`#import-errors tr[data-row="3"]`); !strings.Contains(got, "E-mail") {
		t.Errorf("row 3's error reads %q, want it about the e-mail", got)
	}
	b.click(`.crumbs a[href="/imports"]`)
	upload("per_row")
	if got := b.text("#import-outcome"); !strings.Contains(got, "1 customers and 0 contacts were imported") {
		t.Errorf("the import's outcome reads %q", got)
	}
	b.click("#see-customers")
	if got := b.count(); got != before+1 {
		t.Errorf("after importing the list counts %d, want %d", got, before+1)
	}
	names := eval[[]string](b, `Array.from(document.querySelectorAll("a.customer-link"), a => a.textContent)`)
	if len(names) == 0 || names[0] != "Lotus Tea House" {
		t.Errorf("the newest customer is %v, want Lotus Tea House first", names[:min(3, len(names))])
	}
}
