package service

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"steward/internal/authn"
	"steward/internal/errs"
)

// The report as a file: CSV in long form (section, item, field, value:
// one fact a row, so every section fits one header) through the exports'
// writer (watermark, formula neutralising, an export.file entry), and a
// PDF an auditor reads: tables, and a chart of the period's activity.

// ComplianceCSV renders the report as CSV and names the file.
func (s *Service) ComplianceCSV(ctx context.Context, a *Actor, rep ComplianceReport) ([]byte, string, error) {
	var rows [][]string
	add := func(section, item, field, value string) { rows = append(rows, []string{section, item, field, value}) }
	d := func(t time.Time) string { return t.Format(time.RFC3339) }
	add("report", "", "tenant", rep.Tenant.Slug)
	add("report", "", "from", d(rep.From))
	add("report", "", "to", d(rep.To))
	add("report", "", "generated_at", d(rep.GeneratedAt))
	add("report", "", "generated_by", i64s(rep.GeneratedBy))
	add("report", "", "access_as_of", d(rep.AccessAsOf))
	for _, u := range rep.Users {
		id := i64s(u.UserID)
		add("users", id, "name", u.Name)
		add("users", id, "email", u.Email)
		add("users", id, "department_id", i64s(u.DepartmentID))
		add("users", id, "roles", strings.Join(u.Roles, ";"))
		add("users", id, "functions", strings.Join(u.Functions, ";"))
		add("users", id, "customer_view", u.CustomerView)
		add("users", id, "customer_export", u.Export)
		add("users", id, "team_places", strconv.Itoa(u.TeamPlaces))
		add("users", id, "shares", strconv.Itoa(u.Shares))
		add("users", id, "second_factor", strconv.FormatBool(u.SecondFactor))
	}
	for _, r := range rep.Roles {
		add("roles", r.Key, "name", r.Name)
		add("roles", r.Key, "holders", strconv.Itoa(r.Holders))
		add("roles", r.Key, "functions", strings.Join(r.Functions, ";"))
	}
	for _, c := range rep.PermissionChanges {
		add("permission_changes", c.Action, "count", strconv.Itoa(c.N))
	}
	for _, section := range []struct {
		name string
		rows []ActorTotal
	}{{"sensitive_access", rep.SensitiveAccess}, {"failed_logins", rep.FailedLogins}, {"lockouts", rep.Lockouts}} {
		for _, t := range section.rows {
			item := i64s(t.ActorID) + "/" + t.Action + "/" + t.Outcome
			if t.Reason != "" {
				item += "/" + t.Reason
			}
			add(section.name, item, "count", strconv.Itoa(t.N))
		}
	}
	for _, r := range rep.Reviews {
		id := i64s(r.ID)
		add("reviews", id, "name", r.Name)
		add("reviews", id, "status", r.Status)
		add("reviews", id, "items", strconv.Itoa(r.Counts.Total))
		add("reviews", id, "certified", strconv.Itoa(r.Counts.Certified))
		add("reviews", id, "revoked", strconv.Itoa(r.Counts.Revoked+r.Counts.ExpiredRevoked))
		add("reviews", id, "kept_at_deadline", strconv.Itoa(r.Counts.ExpiredKept))
		add("reviews", id, "pending", strconv.Itoa(r.Counts.Pending))
	}
	for _, v := range rep.SoDConflicts {
		add("sod_conflicts", i64s(v.UserID), v.Rule, string(v.Mode))
	}
	for _, r := range rep.PrivacyRequests {
		id := i64s(r.ID)
		add("privacy_requests", id, "kind", r.Kind)
		add("privacy_requests", id, "subject", r.SubjectType+"/"+i64s(r.SubjectID))
		add("privacy_requests", id, "status", r.Status)
		add("privacy_requests", id, "due_at", d(r.DueAt))
		add("privacy_requests", id, "outcome", r.Outcome)
	}
	av := rep.AuditVerification
	add("audit_verification", "", "ok", strconv.FormatBool(av.OK))
	add("audit_verification", "", "entries", strconv.FormatInt(av.Entries, 10))
	add("audit_verification", "", "checkpoints", strconv.Itoa(av.Checkpoints))
	add("audit_verification", "", "signatures_checked", strconv.FormatBool(rep.AuditSigned))
	if !av.OK {
		add("audit_verification", "", "broken_at", strconv.FormatInt(av.BrokenAt, 10))
		add("audit_verification", "", "problem", av.Problem)
	}
	for _, cl := range reportClauses(rep) {
		add("clauses", cl.standard+" "+cl.ref, cl.setting+"="+cl.value, cl.verdict+": "+cl.note)
	}
	for _, t := range rep.Daily {
		day := t.Day.Format(time.DateOnly)
		add("daily", day, "permission_changes", strconv.Itoa(t.PermissionChanges))
		add("daily", day, "sensitive_access", strconv.Itoa(t.SensitiveAccess))
		add("daily", day, "failed_logins", strconv.Itoa(t.FailedLogins))
	}
	for i, n := range rep.Notes {
		add("notes", strconv.Itoa(i+1), "note", n)
	}
	data, err := s.CSVFile(ctx, a, "compliance-report", []string{"section", "item", "field", "value"}, rows)
	return data, reportName(rep, "csv"), err
}

type clauseRow struct{ standard, ref, setting, value, verdict, note string }

// reportClauses is every clause of the report: the security settings'
// and the report's own.
func reportClauses(rep ComplianceReport) []clauseRow {
	var out []clauseRow
	for _, cs := range [][]authn.Clause{rep.Security.Conformance, rep.Clauses} {
		for _, c := range cs {
			out = append(out, clauseRow{c.Standard, c.Ref, c.Setting, c.Value, string(c.Verdict), c.Note})
		}
	}
	return out
}

func reportName(rep ComplianceReport, ext string) string {
	return fmt.Sprintf("compliance-%s-%s-%s.%s", rep.Tenant.Slug, rep.From.Format("20060102"), rep.To.Format("20060102"), ext)
}

// Rows past these go to the CSV and JSON only.
const (
	pdfMaxUsers  = 500
	pdfMaxTotals = 300
)

// CompliancePDF renders the report as a PDF and names the file.
func (s *Service) CompliancePDF(rep ComplianceReport) ([]byte, string, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(rep.GeneratedAt)
	p.SetModificationDate(rep.GeneratedAt)
	p.SetCatalogSort(true)
	p.SetTitle("Compliance report "+rep.Tenant.Slug, false)
	p.SetCreator("Steward", false)
	p.AliasNbPages("")
	w := &pdfWriter{p: p, tr: p.UnicodeTranslatorFromDescriptor("")}
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("Helvetica", "", 8)
		p.CellFormat(0, 5, fmt.Sprintf("Steward compliance report, tenant %s, %s to %s, generated %s by user #%d - page %d/{nb}",
			rep.Tenant.Slug, rep.From.Format(time.DateOnly), rep.To.Format(time.DateOnly), rep.GeneratedAt.Format("2006-01-02 15:04 UTC"),
			rep.GeneratedBy, p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	p.SetFont("Helvetica", "B", 16)
	p.CellFormat(0, 9, "Compliance report", "", 1, "L", false, 0, "")
	p.SetFont("Helvetica", "", 10)
	p.MultiCell(0, 5, w.text(fmt.Sprintf("Tenant %s (%s). Period %s to %s. Users and access as of %s.", rep.Tenant.Name, rep.Tenant.Slug,
		rep.From.Format(time.RFC3339), rep.To.Format(time.RFC3339), rep.AccessAsOf.Format(time.RFC3339)),
		fmt.Sprintf("Tenant %s. Period %s to %s.", rep.Tenant.Slug, rep.From.Format(time.RFC3339), rep.To.Format(time.RFC3339))), "", "L", false)

	w.summary(rep)
	w.chart(rep.Daily)
	w.heading("Roles and their holders")
	widths := []float64{40, 55, 20, 75}
	w.row(widths, []string{"role", "name", "holders", "functions"}, true)
	for _, r := range rep.Roles {
		w.row(widths, []string{r.Key, w.text(r.Name, r.Key), strconv.Itoa(r.Holders), strings.Join(r.Functions, ", ")}, false)
	}
	w.heading(fmt.Sprintf("Users and their access (%d active)", len(rep.Users)))
	widths = []float64{12, 38, 44, 26, 22, 14, 14, 10}
	w.row(widths, []string{"id", "name", "roles", "customer view", "export", "team", "shares", "2FA"}, true)
	for i, u := range rep.Users {
		if i == pdfMaxUsers {
			w.p.CellFormat(0, 5, fmt.Sprintf("... %d more in the CSV and JSON", len(rep.Users)-pdfMaxUsers), "", 1, "L", false, 0, "")
			break
		}
		w.row(widths, []string{i64s(u.UserID), w.text(u.Name, "#"+i64s(u.UserID)), strings.Join(u.Roles, ", "), u.CustomerView, u.Export,
			strconv.Itoa(u.TeamPlaces), strconv.Itoa(u.Shares), map[bool]string{true: "yes", false: "no"}[u.SecondFactor]}, false)
	}
	w.heading("Permission changes")
	widths = []float64{80, 25}
	w.row(widths, []string{"action", "count"}, true)
	for _, c := range rep.PermissionChanges {
		w.row(widths, []string{c.Action, strconv.Itoa(c.N)}, false)
	}
	w.totals("Exports and reveals", rep.SensitiveAccess)
	w.totals("Failed sign-ins (per account; #0 is an unknown e-mail)", rep.FailedLogins)
	w.totals("Lockouts", rep.Lockouts)
	w.heading("Access reviews")
	widths = []float64{12, 60, 20, 18, 20, 18, 20, 20}
	w.row(widths, []string{"id", "campaign", "status", "items", "certified", "revoked", "kept", "pending"}, true)
	for _, r := range rep.Reviews {
		w.row(widths, []string{i64s(r.ID), w.text(r.Name, "#"+i64s(r.ID)), r.Status, strconv.Itoa(r.Counts.Total), strconv.Itoa(r.Counts.Certified),
			strconv.Itoa(r.Counts.Revoked + r.Counts.ExpiredRevoked), strconv.Itoa(r.Counts.ExpiredKept), strconv.Itoa(r.Counts.Pending)}, false)
	}
	w.heading("Separation-of-duty conflicts")
	widths = []float64{15, 45, 80, 25}
	w.row(widths, []string{"user", "name", "rule", "mode"}, true)
	for _, v := range rep.SoDConflicts {
		w.row(widths, []string{i64s(v.UserID), w.text(v.UserName, "#"+i64s(v.UserID)), w.text(v.Rule, "#"+i64s(v.RuleID)), string(v.Mode)}, false)
	}
	w.heading("Privacy requests")
	widths = []float64{12, 20, 30, 18, 28, 82}
	w.row(widths, []string{"id", "kind", "subject", "status", "due", "outcome"}, true)
	for _, r := range rep.PrivacyRequests {
		w.row(widths, []string{i64s(r.ID), r.Kind, r.SubjectType + " #" + i64s(r.SubjectID), r.Status, r.DueAt.Format(time.DateOnly), w.text(r.Outcome, "")}, false)
	}
	w.heading("Security settings against the standards")
	widths = []float64{34, 28, 34, 22, 16, 56}
	w.row(widths, []string{"standard", "clause", "setting", "value", "verdict", "note"}, true)
	for _, cl := range reportClauses(rep) {
		w.row(widths, []string{w.text(cl.standard, strings.Split(cl.standard, " ")[0]), cl.ref, cl.setting, w.text(cl.value, ""), cl.verdict, w.text(cl.note, "")}, false)
	}
	w.heading("Notes")
	for _, n := range rep.Notes {
		p.MultiCell(0, 5, w.text(n, ""), "", "L", false)
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		return nil, "", errs.Wrap(err, "service.CompliancePDF")
	}
	return b.Bytes(), reportName(rep, "pdf"), nil
}

// summary is the first table: the report's findings in one line each.
func (w *pdfWriter) summary(rep ComplianceReport) {
	w.heading("Summary")
	sum := func(ts []ActorTotal) int {
		n := 0
		for _, t := range ts {
			n += t.N
		}
		return n
	}
	changes := 0
	for _, c := range rep.PermissionChanges {
		changes += c.N
	}
	av := rep.AuditVerification
	trail := fmt.Sprintf("verifies: %d entries, %d checkpoints", av.Entries, av.Checkpoints)
	if !av.OK {
		trail = fmt.Sprintf("BROKEN at position %d: %s", av.BrokenAt, av.Problem)
	}
	breaks := 0
	for _, c := range reportClauses(rep) {
		if c.verdict == string(authn.Breaks) {
			breaks++
		}
	}
	widths := []float64{70, 120}
	for _, r := range [][2]string{
		{"Active users", strconv.Itoa(len(rep.Users))},
		{"Permission changes", strconv.Itoa(changes)},
		{"Exports and reveals", strconv.Itoa(sum(rep.SensitiveAccess))},
		{"Failed sign-ins / lockouts", fmt.Sprintf("%d / %d", sum(rep.FailedLogins), sum(rep.Lockouts))},
		{"Access review campaigns", strconv.Itoa(len(rep.Reviews))},
		{"Separation-of-duty conflicts", strconv.Itoa(len(rep.SoDConflicts))},
		{"Privacy requests", strconv.Itoa(len(rep.PrivacyRequests))},
		{"Audit trail", trail},
		{"Clauses broken", strconv.Itoa(breaks)},
	} {
		w.row(widths, r[:], false)
	}
}

// totals writes per-user counts, capped.
func (w *pdfWriter) totals(title string, ts []ActorTotal) {
	w.heading(title)
	widths := []float64{15, 50, 40, 22, 35, 18}
	w.row(widths, []string{"user", "name", "action", "outcome", "reason", "count"}, true)
	for i, t := range ts {
		if i == pdfMaxTotals {
			w.p.CellFormat(0, 5, fmt.Sprintf("... %d more in the CSV and JSON", len(ts)-pdfMaxTotals), "", 1, "L", false, 0, "")
			return
		}
		w.row(widths, []string{"#" + i64s(t.ActorID), w.text(t.Name, ""), t.Action, t.Outcome, t.Reason, strconv.Itoa(t.N)}, false)
	}
}

// chart draws the period's activity as bars per day (per week past 62
// days): permission changes, exports and reveals, failed sign-ins.
func (w *pdfWriter) chart(days []DayTotals) {
	w.heading("Activity in the period")
	if len(days) == 0 {
		w.p.CellFormat(0, 5, "No permission changes, exports, reveals or failed sign-ins in the period.", "", 1, "L", false, 0, "")
		return
	}
	buckets := days
	unit := "day"
	if days[len(days)-1].Day.Sub(days[0].Day) > 62*24*time.Hour {
		unit = "week"
		buckets = nil
		for _, d := range days {
			wk := d.Day.AddDate(0, 0, -int(d.Day.Weekday()))
			if n := len(buckets); n > 0 && buckets[n-1].Day.Equal(wk) {
				buckets[n-1].PermissionChanges += d.PermissionChanges
				buckets[n-1].SensitiveAccess += d.SensitiveAccess
				buckets[n-1].FailedLogins += d.FailedLogins
			} else {
				d.Day = wk
				buckets = append(buckets, d)
			}
		}
	}
	peak := 1
	for _, b := range buckets {
		peak = max(peak, b.PermissionChanges, b.SensitiveAccess, b.FailedLogins)
	}
	const height, width = 40.0, 180.0
	x0, y0 := w.p.GetX(), w.p.GetY()+2
	if y0+height+16 > 280 {
		w.p.AddPage()
		x0, y0 = w.p.GetX(), w.p.GetY()+2
	}
	slot := width / float64(len(buckets))
	bar := min(slot/3.5, 6)
	colours := [3][3]int{{52, 101, 164}, {204, 121, 37}, {180, 40, 40}}
	w.p.SetDrawColor(160, 160, 160)
	w.p.Line(x0, y0+height, x0+width, y0+height)
	for i, b := range buckets {
		for j, v := range []int{b.PermissionChanges, b.SensitiveAccess, b.FailedLogins} {
			h := height * float64(v) / float64(peak)
			w.p.SetFillColor(colours[j][0], colours[j][1], colours[j][2])
			w.p.Rect(x0+float64(i)*slot+float64(j)*bar, y0+height-h, bar, h, "F")
		}
	}
	w.p.SetFont("Helvetica", "", 7)
	w.p.SetXY(x0, y0+height+1)
	w.p.CellFormat(width/2, 4, buckets[0].Day.Format(time.DateOnly), "", 0, "L", false, 0, "")
	w.p.CellFormat(width/2, 4, buckets[len(buckets)-1].Day.Format(time.DateOnly), "", 1, "R", false, 0, "")
	for j, label := range []string{"permission changes", "exports and reveals", "failed sign-ins"} {
		w.p.SetFillColor(colours[j][0], colours[j][1], colours[j][2])
		w.p.Rect(w.p.GetX(), w.p.GetY()+1, 3, 3, "F")
		w.p.SetX(w.p.GetX() + 4)
		w.p.CellFormat(40, 5, label, "", 0, "L", false, 0, "")
	}
	w.p.CellFormat(0, 5, fmt.Sprintf("per %s; tallest bar %d", unit, peak), "", 1, "R", false, 0, "")
	w.p.SetFillColor(255, 255, 255)
}
