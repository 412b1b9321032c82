package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"

	"steward/internal/errs"
	"steward/internal/store"
)

// The PDF summary of an evidence pack: the campaign, counts per decision
// and per kind, progress per reviewer and the list of revocations. It uses
// the PDF core font (Helvetica, Windows-1252), which every reader has, so
// the file embeds no font: a name the font cannot write (Chinese, say) is
// given by the user's id alone. The CSV and JSON packs carry every name.

// Rows past these go to the CSV and JSON packs only.
const (
	pdfMaxReviewers   = 1000
	pdfMaxRevocations = 2000
)

func evidencePDF(ev ReviewEvidence) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(ev.GeneratedAt)
	p.SetModificationDate(ev.GeneratedAt)
	p.SetCatalogSort(true) // the same pack renders to the same bytes
	p.SetTitle(fmt.Sprintf("Access review %d evidence", ev.Review.ID), false)
	p.SetCreator("Steward", false)
	p.AliasNbPages("")
	w := &pdfWriter{p: p, tr: p.UnicodeTranslatorFromDescriptor("")}
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("Helvetica", "", 8)
		p.CellFormat(0, 5, fmt.Sprintf("Steward access review %d, generated %s by user #%d - page %d/{nb}",
			ev.Review.ID, ev.GeneratedAt.Format("2006-01-02 15:04 UTC"), ev.GeneratedBy, p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	w.campaign(ev)
	w.counts(ev)
	w.reviewers(ev.Review.ByReviewer)
	w.revocations(ev.Items)
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		return nil, errs.Wrap(err, "service.evidencePDF")
	}
	return b.Bytes(), nil
}

type pdfWriter struct {
	p  *fpdf.Fpdf
	tr func(string) string
}

// text writes what the core font can; anything else becomes alt.
func (w *pdfWriter) text(s, alt string) string {
	for _, r := range s {
		if r > unicode.MaxLatin1 || unicode.IsControl(r) {
			return alt
		}
	}
	return w.tr(s)
}

// person is "#id name", or "#id" where the font cannot write the name.
func (w *pdfWriter) person(id *int64, name string) string {
	if id == nil {
		return "(run_reviews holders)"
	}
	ref := "#" + strconv.FormatInt(*id, 10)
	if name == "" {
		return ref
	}
	return w.text(ref+" "+name, ref)
}

func (w *pdfWriter) heading(s string) {
	w.p.Ln(4)
	w.p.SetFont("Helvetica", "B", 12)
	w.p.CellFormat(0, 7, s, "", 1, "L", false, 0, "")
	w.p.SetFont("Helvetica", "", 9)
}

// row writes one table row; header rows are bold and shaded.
func (w *pdfWriter) row(widths []float64, cells []string, header bool) {
	style := ""
	if header {
		style = "B"
		w.p.SetFillColor(230, 230, 230)
	}
	w.p.SetFont("Helvetica", style, 8)
	for i, c := range cells {
		align := "L"
		if i > 0 && !header && isNumber(c) {
			align = "R"
		}
		w.p.CellFormat(widths[i], 5, w.fit(c, widths[i]-2), "1", 0, align, header, 0, "")
	}
	w.p.Ln(-1)
}

// fit shortens s to the width, in the current font.
func (w *pdfWriter) fit(s string, width float64) string {
	if w.p.GetStringWidth(s) <= width {
		return s
	}
	for len(s) > 0 && w.p.GetStringWidth(s+"...") > width {
		s = s[:len(s)-1]
	}
	return s + "..."
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func (w *pdfWriter) campaign(ev ReviewEvidence) {
	r := ev.Review
	w.p.SetFont("Helvetica", "B", 16)
	w.p.CellFormat(0, 9, "Access review evidence", "", 1, "L", false, 0, "")
	w.p.SetFont("Helvetica", "", 10)
	scope, _ := json.Marshal(r.Scope)
	rule, _ := json.Marshal(r.Reviewers)
	policy := r.Undecided
	if policy == "escalate" {
		policy = fmt.Sprintf("escalate to the reviewers' managers for %d days, then %s", r.EscalationDays, r.Fallback)
	}
	facts := [][2]string{
		{"Campaign", w.text(fmt.Sprintf("#%d %s (round %d)", r.ID, r.Name, r.Round), fmt.Sprintf("#%d (round %d)", r.ID, r.Round))},
		{"Status", r.Status},
		{"Scope", w.text(string(scope), "(see the JSON pack)")},
		{"Reviewers", w.text(string(rule), "(see the JSON pack)")},
		{"Owner", "user #" + strconv.FormatInt(r.CreatedBy, 10)},
		{"Started", timeOr(r.StartedAt, "not started")},
		{"Deadline", r.Deadline.Format("2006-01-02 15:04 UTC")},
		{"Due", r.Due.Format("2006-01-02 15:04 UTC")},
		{"Undecided items", policy},
		{"Closed", timeOr(r.ClosedAt, "open")},
		{"Recurs", recurs(r.RecurrenceDays)},
	}
	for _, f := range facts {
		w.p.SetFont("Helvetica", "B", 9)
		w.p.CellFormat(35, 5, f[0], "", 0, "L", false, 0, "")
		w.p.SetFont("Helvetica", "", 9)
		w.p.MultiCell(0, 5, f[1], "", "L", false)
	}
}

func timeOr(t *time.Time, alt string) string {
	if t == nil {
		return alt
	}
	return t.Format("2006-01-02 15:04 UTC")
}

func recurs(days int) string {
	if days == 0 {
		return "no"
	}
	return fmt.Sprintf("every %d days", days)
}

// counts writes the totals per decision, and per kind of grant.
func (w *pdfWriter) counts(ev ReviewEvidence) {
	w.heading("Decisions")
	kinds := []string{store.ReviewRole, store.ReviewTeam, store.ReviewShare}
	states := []string{"certify", "revoke", "expired-kept", "expired-revoked", "escalated", "pending"}
	n := map[string]map[string]int{}
	for _, k := range kinds {
		n[k] = map[string]int{}
	}
	changed := map[string]int{}
	for _, it := range ev.Items {
		n[it.Kind][it.Status]++
		if it.Change != "" {
			changed[it.Change]++
		}
	}
	widths := []float64{40, 25, 25, 25, 25}
	w.row(widths, []string{"state", "roles", "team places", "shares", "all"}, true)
	for _, st := range states {
		total := n[kinds[0]][st] + n[kinds[1]][st] + n[kinds[2]][st]
		w.row(widths, []string{st, strconv.Itoa(n[kinds[0]][st]), strconv.Itoa(n[kinds[1]][st]), strconv.Itoa(n[kinds[2]][st]), strconv.Itoa(total)}, false)
	}
	total := []string{"all"}
	for _, k := range kinds {
		sum := 0
		for _, c := range n[k] {
			sum += c
		}
		total = append(total, strconv.Itoa(sum))
	}
	w.row(widths, append(total, strconv.Itoa(len(ev.Items))), true)
	w.p.Ln(2)
	w.p.SetFont("Helvetica", "", 9)
	w.p.MultiCell(0, 5, fmt.Sprintf("Changes made: %d grants revoked, %d already gone when revoked, %d kept as the last administrator.",
		changed[appliedRevoked], changed[appliedGone], changed[appliedKeptAdmin]), "", "L", false)
}

func (w *pdfWriter) reviewers(ps []ReviewerProgress) {
	w.heading("Progress per reviewer")
	widths := []float64{62, 18, 20, 20, 22, 26, 20}
	w.row(widths, []string{"reviewer", "items", "certified", "revoked", "exp. kept", "exp. revoked", "pending"}, true)
	for i, p := range ps {
		if i == pdfMaxReviewers {
			w.p.MultiCell(0, 5, fmt.Sprintf("... and %d more reviewers (see the CSV or JSON pack).", len(ps)-i), "", "L", false)
			break
		}
		w.row(widths, []string{w.person(p.ReviewerID, p.Name), strconv.Itoa(p.Total), strconv.Itoa(p.Certified), strconv.Itoa(p.Revoked),
			strconv.Itoa(p.ExpiredKept), strconv.Itoa(p.ExpiredRevoked), strconv.Itoa(p.Pending)}, false)
	}
}

func (w *pdfWriter) revocations(items []ReviewItem) {
	w.heading("Revocations")
	widths := []float64{16, 46, 14, 34, 24, 32, 24}
	w.row(widths, []string{"item", "user", "kind", "role / customer", "decided by", "decided at", "change"}, true)
	n := 0
	for _, it := range items {
		if it.Status != store.DecisionRevoke && it.Status != store.DecisionExpiredRevoked {
			continue
		}
		if n == pdfMaxRevocations {
			w.p.MultiCell(0, 5, "... more revocations are in the CSV and JSON packs.", "", "L", false)
			return
		}
		n++
		what := it.Role
		if it.CustomerID != nil {
			what = "customer #" + strconv.FormatInt(*it.CustomerID, 10) + " " + it.Level
		}
		by := "deadline"
		if it.DecidedBy != nil {
			by = "#" + strconv.FormatInt(*it.DecidedBy, 10)
		}
		w.row(widths, []string{strconv.FormatInt(it.ID, 10), w.person(&it.UserID, it.UserName), it.Kind, w.text(what, "#"+strconv.FormatInt(it.GrantID, 10)),
			by, timeOr(it.DecidedAt, ""), it.Change}, false)
	}
	if n == 0 {
		w.p.MultiCell(0, 5, "None.", "", "L", false)
	}
}
