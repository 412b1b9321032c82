package console

import (
	"net/http"
	"strings"

	"steward/internal/service"
)

// Approvers see everyone's exports per day over the last 30 days
// (service.ExportVolumes): a column chart of the exports by state, one of
// the rows written, and a table of the days with exports.

// volumeChart is what the exports template draws for approvers.
type volumeChart struct {
	V             service.ExportVolumes
	Caption       string
	Exports, Rows columnChart
	Legend        []part
	LegendLabel   string
	Days          []service.ExportDay // the days with exports, newest first
}

// volumeParts are a day's exports by state, stacked from the bottom.
func volumeParts(v *view, d service.ExportDay) []part {
	return []part{
		{Key: "done", Label: v.T("exports.vol.done"), N: int64(d.Done)},
		{Key: "in_progress", Label: v.T("exports.vol.in_progress"), N: int64(d.InProgress)},
		{Key: "pending", Label: v.T("exports.vol.pending"), N: int64(d.Pending)},
		{Key: "refused", Label: v.T("exports.vol.refused"), N: int64(d.Refused)},
		{Key: "failed", Label: v.T("exports.vol.failed"), N: int64(d.Failed)},
	}
}

func (c *Console) volumeChart(r *http.Request, v *view) (*volumeChart, error) {
	vol, err := c.svc.ExportVolumes(r.Context(), v.act, service.DefaultVolumeDays)
	if err != nil {
		return nil, err
	}
	return volumeChartOf(v, vol), nil
}

// volumeChartOf lays the volumes out as two column charts, a column a day.
func volumeChartOf(v *view, vol service.ExportVolumes) *volumeChart {
	ch := &volumeChart{V: vol, Legend: volumeParts(v, vol.Total), LegendLabel: v.T("chart.legend")}
	t := vol.Total
	ch.Caption = v.Tf("exports.vol.caption", vol.Days, t.Exports, t.Rows)
	var cols, rowCols []column
	var parts, rowParts [][]part
	for _, d := range vol.Items {
		ps := volumeParts(v, d)
		cols = append(cols, column{Key: d.Day, Title: dayTitle(v, d, ps)})
		parts = append(parts, ps)
		rowCols = append(rowCols, column{Key: d.Day, Title: d.Day + ": " + v.Tf("exports.vol.rows.n", d.Rows)})
		rowParts = append(rowParts, []part{{Key: "rows", Label: v.T("exports.vol.rows"), N: d.Rows}})
	}
	ch.Exports, ch.Rows = columnsOf(cols, parts), columnsOf(rowCols, rowParts)
	ch.Exports.Alt = v.Tf("exports.vol.alt", vol.From, vol.To, t.Exports, t.Done, t.InProgress, t.Pending, t.Refused, t.Failed, ch.Exports.Max)
	ch.Rows.Alt = v.Tf("exports.vol.rows.alt", vol.From, vol.To, t.Rows, ch.Rows.Max)
	for i := len(vol.Items) - 1; i >= 0; i-- {
		if vol.Items[i].Exports > 0 {
			ch.Days = append(ch.Days, vol.Items[i])
		}
	}
	return ch
}

// dayTitle says what a day's column shows: the count and its states.
func dayTitle(v *view, d service.ExportDay, ps []part) string {
	var states []string
	for _, p := range ps {
		if p.N > 0 {
			states = append(states, v.Tf("chart.part", p.Label, p.N))
		}
	}
	s := d.Day + ": " + v.Tf("exports.vol.n", d.Exports)
	if len(states) > 0 {
		s += " (" + strings.Join(states, v.T("chart.sep")) + ")"
	}
	return s
}
