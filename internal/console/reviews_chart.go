package console

import (
	"strconv"

	"steward/internal/service"
)

// A campaign's progress as a picture (charts.go): on its page a bar for
// all its items and one per reviewer, on the list a small bar per
// campaign. The progress table stays beside them with the same numbers.

// progressChart is what the review template draws above the table.
type progressChart struct {
	Caption     string
	Bars        []bar
	Legend      []part
	LegendLabel string
}

// reviewParts are a campaign's items by state, in the bars' order.
func reviewParts(v *view, c service.ReviewCounts) []part {
	return []part{
		{Key: "certified", Label: v.T("rv.col.certified"), N: int64(c.Certified)},
		{Key: "revoked", Label: v.T("rv.col.revoked"), N: int64(c.Revoked)},
		{Key: "expired", Label: v.T("rv.chart.expired"), N: int64(c.ExpiredKept + c.ExpiredRevoked)},
		{Key: "undecided", Label: v.T("rv.col.pending"), N: int64(c.Pending)},
	}
}

// decided counts the items with a decision, the deadline's included.
func decided(c service.ReviewCounts) int { return c.Total - c.Pending }

// reviewBar is one bar of counts, described in words.
func reviewBar(v *view, key, label string, c service.ReviewCounts) bar {
	alt := v.Tf("rv.chart.alt", decided(c), c.Total, c.Certified, c.Revoked, c.ExpiredKept+c.ExpiredRevoked, c.Pending)
	b := barOf(label, alt, int64(c.Total), reviewParts(v, c))
	b.Key, b.Value = key, v.Tf("rv.chart.value", decided(c), c.Total)
	return b
}

// progressChartOf draws a campaign's progress: nothing for one without
// items, a bar per reviewer under the total where there are several.
func progressChartOf(v *view, rv service.Review, rows []progressRow) *progressChart {
	if rv.Progress.Total == 0 {
		return nil
	}
	c := &progressChart{Legend: reviewParts(v, rv.Progress), LegendLabel: v.T("chart.legend"),
		Caption: v.Tf("rv.chart.caption", decided(rv.Progress), rv.Progress.Total, percent(decided(rv.Progress), rv.Progress.Total))}
	c.Bars = append(c.Bars, reviewBar(v, "all", v.T("rv.chart.all"), rv.Progress))
	if len(rows) > 1 {
		for _, r := range rows {
			key := "none"
			if r.ReviewerID != nil {
				key = strconv.FormatInt(*r.ReviewerID, 10)
			}
			c.Bars = append(c.Bars, reviewBar(v, key, r.Who, r.ReviewCounts))
		}
	}
	return c
}

// listBar is the small bar of a campaign on the list.
func listBar(v *view, c service.ReviewCounts) bar {
	return barOf("", v.Tf("rv.chart.short", decided(c), c.Total), int64(c.Total), reviewParts(v, c))
}

// percent is n of total in whole percent, rounded down (0 of nothing).
func percent(n, total int) int {
	if total <= 0 {
		return 0
	}
	return n * 100 / total
}
