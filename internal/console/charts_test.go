package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"steward/internal/service"
	"steward/internal/store"
)

// segN reads the count a chart's segment of the key carries in a fragment
// of SVG (0 when it has none: empty parts are not drawn).
func segN(t testing.TB, svg, key string) int {
	t.Helper()
	m := regexp.MustCompile(`data-key="` + regexp.QuoteMeta(key) + `" data-n="(\d+)"`).FindStringSubmatch(svg)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// fragment is the part of a page from the first match of start to the
// next end after it, or fails the test.
func fragment(t testing.TB, body, start, end string) string {
	t.Helper()
	i := strings.Index(body, start)
	if i < 0 {
		t.Fatalf("the page has no %s", start)
	}
	j := strings.Index(body[i:], end)
	if j < 0 {
		t.Fatalf("%s is not closed by %s", start, end)
	}
	return body[i : i+j+len(end)]
}

// A campaign with one item certified and one revoked draws them as bars,
// for all its items and for each reviewer, with the counts of the table;
// the list draws a small bar per campaign. In Chinese too, with no inline
// style.
func TestReviewProgressChart(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	rv := s.draftReview(t, true)
	mgr := s.actor(t, "east.manager@demo.example")
	page, err := s.svc.ReviewItems(ctx, mgr, rv.ID, service.ReviewItemList{Reviewer: "me"})
	if err != nil || len(page.Items) < 2 {
		t.Fatalf("the manager's items: %d (err %v), want at least 2", len(page.Items), err)
	}
	_, err = s.svc.DecideReviewItems(ctx, mgr, rv.ID, service.ReviewDecisionInput{Decisions: []service.ItemDecision{
		{ItemID: page.Items[0].ID, Decision: "certify"}, {ItemID: page.Items[1].ID, Decision: "revoke", Comment: "left the team"}}})
	if err != nil {
		t.Fatal(err)
	}
	admin := s.actor(t, "admin@demo.example")
	rv, err = s.svc.ReviewByID(ctx, admin, rv.ID)
	if err != nil {
		t.Fatal(err)
	}
	total := rv.Progress.Total

	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get(fmt.Sprintf("/reviews/%d", rv.ID))
	all := fragment(t, body, `<li data-bar="all"`, "</li>")
	if !strings.Contains(all, fmt.Sprintf(`data-total="%d"`, total)) {
		t.Errorf("the bar of all items: %s, want a total of %d", all, total)
	}
	for key, want := range map[string]int{"certified": 1, "revoked": 1, "expired": 0, "undecided": total - 2} {
		if got := segN(t, all, key); got != want {
			t.Errorf("the bar of all items shows %d %s, want %d", got, key, want)
		}
	}
	if want := fmt.Sprintf("2 of %d items decided (%d%%).", total, 200/total); !strings.Contains(body, want) {
		t.Errorf("the chart's caption lacks %q", want)
	}
	if len(rv.ByReviewer) > 1 {
		mine := fragment(t, body, fmt.Sprintf(`<li data-bar="%d"`, mgr.UserID), "</li>")
		if segN(t, mine, "certified") != 1 || segN(t, mine, "revoked") != 1 {
			t.Errorf("the manager's bar: %s, want 1 certified and 1 revoked", mine)
		}
	}
	if !strings.Contains(body, `id="progress"`) {
		t.Error("the progress table, the chart's numbers as text, is gone")
	}

	_, list := c.get("/reviews")
	row := fragment(t, list, fmt.Sprintf(`<tr data-review="%d">`, rv.ID), "</tr>")
	if pct := 200 / total; !strings.Contains(row, fmt.Sprintf(`data-decided="%d"`, pct)) || !strings.Contains(row, fmt.Sprintf("%d%%", pct)) {
		t.Errorf("the campaign's row on the list: %s, want %d%% decided", row, pct)
	}
	if segN(t, row, "certified") != 1 || segN(t, row, "revoked") != 1 || !strings.Contains(row, `role="img" aria-label="2 of`) {
		t.Errorf("the campaign's small bar: %s", row)
	}

	c.get("/lang/zh-CN")
	for _, p := range []string{"/reviews", fmt.Sprintf("/reviews/%d", rv.ID)} {
		resp, body := c.get(p)
		checkPage(t, "zh-CN "+p, resp, body, http.StatusOK)
	}
	if _, body := c.get(fmt.Sprintf("/reviews/%d", rv.ID)); !strings.Contains(body, fmt.Sprintf("已决定 2 / %d 个项目", total)) {
		t.Error("the Chinese chart lacks its caption")
	}
}

// Everyone's exports per day are drawn for approvers: today's column
// holds the one refused and the one done, with the rows written; the
// table says the same. A manager who may export, but not approve, sees
// no chart.
func TestExportVolumeChart(t *testing.T) {
	s := newSite(t)
	s.exportSettings(t, func(st *store.ExportSettings) { st.ApprovalThreshold = 0 })
	for _, who := range []string{"director@demo.example", "east.manager@demo.example"} {
		c := newClient(t, s.URL)
		c.signIn(who)
		if resp, _ := c.requestExport(url.Values{"level": {"A"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s's export request: %d", who, resp.StatusCode)
		}
	}
	admin := s.actor(t, "admin@demo.example")
	ctx := context.Background()
	pending, err := s.svc.Exports(ctx, admin, true, store.ExportPending)
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending exports: %d (err %v), want 2", len(pending), err)
	}
	if _, err := s.svc.DecideExport(ctx, admin, pending[0].ID, false, "not this quarter"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.DecideExport(ctx, admin, pending[1].ID, true, ""); err != nil {
		t.Fatal(err)
	}
	s.svc.Wait()
	done, err := s.svc.Export(ctx, admin, pending[1].ID)
	if err != nil || done.Status != store.ExportDone {
		t.Fatalf("the approved export is %q (err %v)", done.Status, err)
	}
	today := s.svc.Now().Format("2006-01-02")

	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	resp, body := c.get("/exports")
	checkPage(t, "admin /exports", resp, body, http.StatusOK)
	col := fragment(t, fragment(t, body, `<figure id="volume-exports"`, "</figure>"), `<g data-day="`+today+`"`, "</g>")
	if !strings.Contains(col, `data-total="2"`) || segN(t, col, "done") != 1 || segN(t, col, "refused") != 1 || segN(t, col, "pending") != 0 {
		t.Errorf("today's column: %s, want 1 done and 1 refused", col)
	}
	rows := fragment(t, fragment(t, body, `<figure id="volume-rows"`, "</figure>"), `<g data-day="`+today+`"`, "</g>")
	if got := segN(t, rows, "rows"); int64(got) != done.RowsWritten || got == 0 {
		t.Errorf("today's rows: %d, want %d", got, done.RowsWritten)
	}
	if n := strings.Count(fragment(t, body, `<figure id="volume-exports"`, "</figure>"), "<g data-day="); n != service.DefaultVolumeDays {
		t.Errorf("the chart has %d columns, want %d", n, service.DefaultVolumeDays)
	}
	tr := fragment(t, body, `<tr data-day="`+today+`">`, "</tr>")
	for class, want := range map[string]string{"exports": "2", "done": "1", "refused": "1", "pending": "0", "rows": strconv.FormatInt(done.RowsWritten, 10)} {
		if !strings.Contains(tr, `class="num `+class+`">`+want+"<") {
			t.Errorf("today's row in the table: %s, want %s %s", tr, want, class)
		}
	}
	if !strings.Contains(body, `aria-label="Exports per day from `) {
		t.Error("the exports chart has no text alternative")
	}
	c.get("/lang/zh-CN")
	resp, body = c.get("/exports")
	checkPage(t, "admin zh-CN /exports", resp, body, http.StatusOK)

	m := newClient(t, s.URL)
	m.signIn("east.manager@demo.example")
	if _, body := m.get("/exports"); strings.Contains(body, `id="export-volumes"`) || strings.Contains(body, "volume-") {
		t.Error("a manager who may not approve exports sees everyone's export volumes")
	}
}

// seedVolumes has the director ask for an export that waits for approval,
// so that the exports page draws everyone's exports.
func (s *site) seedVolumes(t testing.TB) {
	t.Helper()
	s.exportSettings(t, func(st *store.ExportSettings) { st.ApprovalThreshold = 0 })
	_, err := s.svc.RequestExport(context.Background(), s.actor(t, "director@demo.example"),
		service.ExportRequest{Object: "customer", Format: "csv", Reason: "quarterly review"})
	if err != nil {
		t.Fatal(err)
	}
}

// The exports page's chart is drawn in the browser: today's column holds
// the export waiting for approval, at the chart's full height, and the
// table of days opens without the script being needed.
func TestE2EExportVolumeChart(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	s.seedVolumes(t)
	b := newBrowser(t, s.URL)
	b.signIn("admin@demo.example")
	b.open("/exports")
	today := s.svc.Now().Format("2006-01-02")
	col := `#volume-exports g[data-day="` + today + `"]`
	if got := eval[string](b, `document.querySelector('`+col+` rect[data-key="pending"]').dataset.n`); got != "1" {
		t.Errorf("today's column shows %q waiting, want 1", got)
	}
	if h := eval[float64](b, `document.querySelector('`+col+` rect').getBoundingClientRect().height`); h < 50 {
		t.Errorf("today's column is %.0fpx high, want the chart's full height", h)
	}
	b.do(chromedp.Click(chromedp.CSS("#export-volumes summary")))
	if got := b.text(`#volume-table tr[data-day="` + today + `"] .pending`); got != "1" {
		t.Errorf("the table shows %q waiting today, want 1", got)
	}
}
