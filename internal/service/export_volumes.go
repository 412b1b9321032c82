package service

import (
	"context"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// The span ExportVolumes covers unless asked otherwise, and the longest it
// covers: a year and a day, as for a campaign's deadline.
const (
	DefaultVolumeDays = 30
	MaxVolumeDays     = 366
)

// ParseVolumeDays reads the days parameter of export volumes; empty is
// the default.
func ParseVolumeDays(s string) (int, error) {
	if s == "" {
		return DefaultVolumeDays, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxVolumeDays {
		return 0, errs.Field("days", "invalid_parameter", "days must be a whole number from 1 to %d", MaxVolumeDays)
	}
	return n, nil
}

// ExportDay is one UTC day's exports by state. The states are grouped as
// an approver reads them: a file that was written and has since expired
// still counts as done.
type ExportDay struct {
	Day        string `json:"day" doc:"the UTC day, YYYY-MM-DD"`
	Exports    int    `json:"exports" doc:"exports asked for that day, in any state"`
	Done       int    `json:"done" doc:"written to a file (expired ones included)"`
	Pending    int    `json:"pending" doc:"waiting for approval"`
	Refused    int    `json:"refused"`
	InProgress int    `json:"in_progress" doc:"approved or below the threshold, queued or being written"`
	Failed     int    `json:"failed"`
	Rows       int64  `json:"rows" doc:"rows in the files of that day's done exports"`
}

// ExportVolumes are a tenant's exports per day over the last days.
type ExportVolumes struct {
	Days  int         `json:"days"`
	From  string      `json:"from" doc:"the first UTC day, YYYY-MM-DD"`
	To    string      `json:"to" doc:"the last UTC day (today), YYYY-MM-DD"`
	Items []ExportDay `json:"items" doc:"one per day, oldest first, days without exports included"`
	Total ExportDay   `json:"total" doc:"the sums over the span; its day is empty"`
}

// ExportVolumes counts the tenant's exports per UTC day over the last
// days, today included, for holders of approve_exports: the ones who see
// everyone's exports.
func (s *Service) ExportVolumes(ctx context.Context, a *Actor, days int) (ExportVolumes, error) {
	var v ExportVolumes
	if err := a.need(access.ApproveExports); err != nil {
		return v, err
	}
	if days < 1 || days > MaxVolumeDays {
		return v, errs.Field("days", "invalid_parameter", "days must be a whole number from 1 to %d", MaxVolumeDays)
	}
	today := s.now().UTC().Truncate(24 * time.Hour)
	from := today.AddDate(0, 0, 1-days)
	var counts []store.ExportDayCount
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		counts, err = tx.ExportDayCounts(ctx, a.TenantID, from)
		return err
	})
	if err != nil {
		return v, err
	}
	return exportVolumesOf(from, days, counts), nil
}

// exportVolumesOf lays the counts out a day at a time from from.
func exportVolumesOf(from time.Time, days int, counts []store.ExportDayCount) ExportVolumes {
	v := ExportVolumes{Days: days, From: from.Format(time.DateOnly), To: from.AddDate(0, 0, days-1).Format(time.DateOnly),
		Items: make([]ExportDay, days)}
	for i := range v.Items {
		v.Items[i].Day = from.AddDate(0, 0, i).Format(time.DateOnly)
	}
	for _, c := range counts {
		i := int(c.Day.Sub(from) / (24 * time.Hour))
		if i < 0 || i >= days {
			continue // asked for after today, by a clock running ahead
		}
		v.Items[i].add(c)
		v.Total.add(c)
	}
	return v
}

// add counts one day-and-state row.
func (d *ExportDay) add(c store.ExportDayCount) {
	d.Exports += c.Exports
	switch c.Status {
	case store.ExportDone, store.ExportExpired:
		d.Done += c.Exports
		d.Rows += c.RowsWritten
	case store.ExportPending:
		d.Pending += c.Exports
	case store.ExportRefused:
		d.Refused += c.Exports
	case store.ExportFailed:
		d.Failed += c.Exports
	default: // queued, running
		d.InProgress += c.Exports
	}
}
