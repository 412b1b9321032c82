package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// LifecycleReports lists the stored move and offboarding reports of a user
// (without their bodies), newest first. Holders of manage-users or
// view-audit read them.
func (s *Service) LifecycleReports(ctx context.Context, a *Actor, userID int64) ([]store.LifecycleReport, error) {
	if err := a.needAny(access.ManageUsers, access.ViewAudit); err != nil {
		return nil, err
	}
	var out []store.LifecycleReport
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, err := tx.User(ctx, a.TenantID, userID); err != nil {
			return err
		}
		var err error
		out, err = tx.LifecycleReports(ctx, a.TenantID, userID)
		return err
	})
	if out == nil {
		out = []store.LifecycleReport{}
	}
	return out, err
}

// LifecycleReportByID returns one stored report. Customer names in its
// samples were written for the person who made the change; they are
// blanked for a reader who may not see the customer now.
func (s *Service) LifecycleReportByID(ctx context.Context, a *Actor, id int64) (LifecycleReport, error) {
	var rep LifecycleReport
	if err := a.needAny(access.ManageUsers, access.ViewAudit); err != nil {
		return rep, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		r, err := tx.LifecycleReportByID(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(r.Report), &rep); err != nil {
			return errs.Wrap(err, "service.LifecycleReportByID")
		}
		rep.ID = r.ID
		var ids []int64
		for _, c := range rep.AccessChanges {
			for _, ref := range append(slices.Clone(c.GainedSample), c.LostSample...) {
				ids = append(ids, ref.ID)
			}
		}
		seen, err := s.namesFor(ctx, tx, a, ids)
		if err != nil {
			return err
		}
		for i := range rep.AccessChanges {
			c := &rep.AccessChanges[i]
			for _, refs := range [][]CustomerRef{c.GainedSample, c.LostSample} {
				for j := range refs {
					refs[j].Name = seen[refs[j].ID]
				}
			}
		}
		return nil
	})
	return rep, err
}

// namesFor returns the names of those customers the reader may see now and
// whose name they may read.
func (s *Service) namesFor(ctx context.Context, tx *store.Tx, a *Actor, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 || !a.Subject.Field(access.Customer, "name").Access.Readable() {
		return out, nil
	}
	names, err := tx.CustomerNames(ctx, a.TenantID, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		name, ok := names[id]
		if !ok {
			continue
		}
		c, err := tx.Customer(ctx, a.TenantID, id)
		if err != nil {
			return nil, err
		}
		rec, err := recordOf(ctx, tx, a.TenantID, c)
		if err != nil {
			return nil, err
		}
		if a.Subject.Check(access.Customer, access.View, rec).Allowed {
			out[id] = name
		}
	}
	return out, nil
}

// LifecycleReportCSV renders a stored report as a CSV file, one row per
// customer handed over, team membership or share removed, grant orphaned
// and user whose access changed. Customers are named only where the
// reader may see them.
func (s *Service) LifecycleReportCSV(ctx context.Context, a *Actor, id int64) ([]byte, string, error) {
	rep, err := s.LifecycleReportByID(ctx, a, id)
	if err != nil {
		return nil, "", err
	}
	var ids []int64
	holders := &store.Holders{}
	for _, h := range rep.Handovers {
		ids = append(ids, h.CustomerIDs...)
		if h.SuccessorID != nil {
			holders.Owners = append(holders.Owners, *h.SuccessorID)
		}
		if h.PoolID != nil {
			holders.Pools = append(holders.Pools, *h.PoolID)
		}
	}
	var names map[int64]string
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		names, err = s.visibleNames(ctx, tx, a, ids, holders)
		return err
	}); err != nil {
		return nil, "", err
	}
	header := []string{"section", "customer_id", "customer", "user_id", "pool_id", "level", "detail"}
	var rows [][]string
	i64 := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	for _, h := range rep.Handovers {
		for _, cid := range h.CustomerIDs {
			rows = append(rows, []string{"handover", strconv.FormatInt(cid, 10), names[cid], i64(h.SuccessorID), i64(h.PoolID), "", "with its contacts, deals and activities"})
		}
	}
	if o := rep.Offboarding; o != nil {
		for _, g := range o.RemovedTeam {
			rows = append(rows, []string{"removed_team_membership", strconv.FormatInt(g.CustomerID, 10), "", strconv.FormatInt(g.Principal.ID, 10), "", string(g.Level), g.Reason})
		}
		for _, g := range o.RemovedShares {
			rows = append(rows, []string{"removed_share", strconv.FormatInt(g.CustomerID, 10), "", strconv.FormatInt(g.Principal.ID, 10), "", string(g.Level), g.Reason})
		}
		for _, uid := range o.ReportsMoved {
			rows = append(rows, []string{"report_moved", "", "", strconv.FormatInt(uid, 10), "", "", "new manager " + i64(o.ReportsTo)})
		}
		for _, eid := range o.RefusedExports {
			rows = append(rows, []string{"export_refused", "", "", "", "", "", "export " + strconv.FormatInt(eid, 10)})
		}
		for _, rid := range o.CancelledRequests {
			rows = append(rows, []string{"access_request_cancelled", "", "", "", "", "", "access request " + strconv.FormatInt(rid, 10)})
		}
	}
	for _, g := range rep.OrphanedGrants {
		rows = append(rows, []string{"orphaned_" + g.Kind, strconv.FormatInt(g.CustomerID, 10), "", strconv.FormatInt(g.Principal.ID, 10), "", string(g.Level),
			string(g.Principal.Type) + " " + strconv.FormatInt(g.Principal.ID, 10)})
	}
	for _, c := range rep.AccessChanges {
		rows = append(rows, []string{"access_change", "", "", strconv.FormatInt(c.UserID, 10), "", "",
			fmt.Sprintf("gained %d customers, %d contacts, %d deals, %d activities; lost %d customers, %d contacts, %d deals, %d activities",
				c.Gained.Customers, c.Gained.Contacts, c.Gained.Deals, c.Gained.Activities, c.Lost.Customers, c.Lost.Contacts, c.Lost.Deals, c.Lost.Activities)})
	}
	data, err := s.CSVFile(ctx, a, "lifecycle-report", header, rows)
	return data, fmt.Sprintf("%s-report-%d.csv", rep.Kind, rep.ID), err
}

// visibleNames names the customers the reader may see, through their view
// filter limited to the customers' present holders (one query, not a check
// per customer).
func (s *Service) visibleNames(ctx context.Context, tx *store.Tx, a *Actor, ids []int64, holders *store.Holders) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 || !a.Subject.Field(access.Customer, "name").Access.Readable() {
		return out, nil
	}
	names, err := tx.CustomerNames(ctx, a.TenantID, ids)
	if err != nil {
		return nil, err
	}
	visible, err := tx.VisibleCustomerIDs(ctx, a.TenantID, a.Subject.Filter(access.Customer, access.View), holders)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := slices.BinarySearch(visible, id); ok {
			out[id] = names[id]
		}
	}
	return out, nil
}

// LifecycleSettings are a tenant's defaults for lifecycle changes.
type LifecycleSettings struct {
	// MoveRecords: "follow" (a moved user's customers move with them) or
	// "stay" (they stay in the old department and go to a successor).
	MoveRecords string `json:"move_records"`
}

// LifecycleSettingsOf returns the tenant's lifecycle settings.
func (s *Service) LifecycleSettingsOf(ctx context.Context, a *Actor) (LifecycleSettings, error) {
	var out LifecycleSettings
	if err := a.need(access.ManageUsers); err != nil {
		return out, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out.MoveRecords, err = tx.MoveRecordsPolicy(ctx, a.TenantID)
		return err
	})
	return out, err
}

// CheckLifecycleSettings checks lifecycle settings.
func CheckLifecycleSettings(in LifecycleSettings) error {
	return fieldcheck.OneOf("move_records", in.MoveRecords, false, "follow", "stay")
}

// SetLifecycleSettings changes the tenant's lifecycle settings.
func (s *Service) SetLifecycleSettings(ctx context.Context, a *Actor, in LifecycleSettings) (LifecycleSettings, error) {
	if err := a.need(access.ManageUsers); err != nil {
		return in, err
	}
	if err := CheckLifecycleSettings(in); err != nil {
		return in, err
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		before, err := tx.MoveRecordsPolicy(ctx, a.TenantID)
		if err != nil {
			return err
		}
		if err := tx.SetMoveRecordsPolicy(ctx, a.TenantID, in.MoveRecords); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "lifecycle.settings", targetType: "tenant", targetID: a.TenantID,
			details: map[string]any{"before": map[string]string{"move_records": before}, "after": in}})
	})
	return in, err
}
