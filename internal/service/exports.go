package service

import (
	"context"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/sheet"
	"steward/internal/store"
)

// ExportRequest asks for a file of the customers the caller may export.
type ExportRequest struct {
	Object string `json:"object"` // customer or contact (the contacts of the customers the filter selects)
	Format string `json:"format"` // csv or xlsx
	// Filter takes the customer list's parameters (q, level, industry,
	// region, source, owner_id), as GET /customers does.
	Filter map[string]string `json:"filter"`
	// Fields are the columns besides id and owner: built-in keys and
	// "custom.<key>"; empty means every field you may read or see masked.
	Fields []string `json:"fields"`
	Reason string   `json:"reason"`
	// Purpose "marketing" makes a contact export carry only the contacts
	// whose marketing consent is given (docs/privacy-requests.md).
	Purpose string `json:"purpose,omitempty"`
}

// exportSystemColumns lead every export: they carry no customer data.
var exportSystemColumns = []string{"id", "owner_id", "created_at", "last_activity_at"}

// RequestExport checks an export against the caller's export scope, field
// access and row limit, and queues it, or holds it for approval when it
// is larger than the tenant allows without. Masked fields are exported
// masked; hidden ones cannot be asked for.
func (s *Service) RequestExport(ctx context.Context, a *Actor, in ExportRequest) (store.Export, error) {
	var e store.Export
	o := access.Object(in.Object)
	if o != access.Customer && o != access.Contact {
		return e, errs.Field("object", "invalid_value", "object must be customer or contact")
	}
	format, err := sheet.ParseFormat(in.Format)
	if err != nil {
		return e, err
	}
	if !a.Subject.Holds(o, access.Export) {
		return e, errs.E(errs.Forbidden, "forbidden", "no role of yours may export %ss", o)
	}
	reason, err := fieldcheck.Optional("reason", in.Reason, 500)
	if err != nil {
		return e, err
	}
	if err := fieldcheck.OneOf("purpose", in.Purpose, true, "marketing"); err != nil {
		return e, err
	}
	if in.Purpose != "" && o != access.Contact {
		return e, errs.Field("purpose", "invalid_value", "a marketing export is of contacts, whose consent it honours")
	}
	q, err := ExportQuery(in.Filter)
	if err != nil {
		return e, err
	}
	if err := a.checkQuery(&q); err != nil {
		return e, err
	}
	cols, err := a.exportFields(o, in.Fields)
	if err != nil {
		return e, err
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		set, err := exportSettingsOf(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		n, err := exportCount(ctx, tx, a, o, q)
		if err != nil {
			return err
		}
		if limit, limited := exportLimit(set, a.Subject); limited && n > limit {
			return errs.E(errs.Forbidden, "export_row_limit", "this export holds %d rows and your roles allow at most %d; narrow the filter", n, limit)
		}
		e = store.Export{TenantID: a.TenantID, UserID: a.UserID, Object: in.Object, Format: string(format), Filter: in.Filter,
			Fields: cols, Reason: reason, Purpose: in.Purpose, Status: store.ExportQueued, RowsTotal: n, MaxDownloads: set.MaxDownloads, CreatedAt: s.now()}
		if e.Filter == nil {
			e.Filter = map[string]string{}
		}
		if n > set.ApprovalThreshold {
			e.Status = store.ExportPending
		}
		if err := tx.CreateExport(ctx, &e); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "export.request", targetType: "export", targetID: e.ID, details: map[string]any{
			"object": e.Object, "format": e.Format, "filter": auditFilter(e.Filter), "fields": e.Fields, "masked": a.maskedOf(o, cols),
			"rows": n, "status": e.Status, "reason": reason}})
	})
	if err == nil && e.Status == store.ExportQueued {
		s.startExport(ctx, e)
	}
	return e, err
}

// ExportQuery reads an export's filter as the list reads its parameters;
// paging is the export's business.
func ExportQuery(f map[string]string) (store.CustomerQuery, error) {
	v := url.Values{}
	for k, val := range f {
		if k == "limit" || k == "cursor" || k == "sort" {
			return store.CustomerQuery{}, errs.Field("filter."+k, "invalid_parameter", "an export takes no %s", k)
		}
		v.Set(k, val)
	}
	q, err := CustomerList(v)
	if err != nil {
		if e := errs.As(err); e.Field != "" {
			e.Field = "filter." + e.Field
		}
		return q, err
	}
	// By id: unlike the activity time, it never changes while the export
	// pages through, so no row is skipped or written twice.
	q.Sort, q.Desc = "id", false
	return q, nil
}

// exportFields checks the asked-for columns, or picks every visible one.
func (a *Actor) exportFields(o access.Object, asked []string) ([]string, error) {
	if len(asked) == 0 {
		for _, f := range a.catalogue().Of(o) {
			if a.Subject.Field(o, f.Key).Access == access.FieldHidden {
				continue
			}
			name := f.Key
			if !f.Builtin {
				name = "custom." + f.Key
			}
			asked = append(asked, name)
		}
		return asked, nil
	}
	if len(asked) > 300 {
		return nil, errs.Field("fields", "invalid_value", "an export has at most 300 fields")
	}
	seen := map[string]bool{}
	for _, name := range asked {
		key, custom := strings.CutPrefix(name, "custom.")
		f, ok := a.catalogue().Get(o, key)
		if !ok || f.Builtin == custom || seen[name] {
			return nil, errs.Field("fields", "unknown_field", "%s is not a field of %s, or is given twice", name, o)
		}
		seen[name] = true
		if d := a.Subject.Field(o, key); d.Access == access.FieldHidden {
			return nil, errs.E(errs.Forbidden, "field_not_readable", "you may not export %s: it is hidden from you", name).WithField(name)
		}
	}
	return asked, nil
}

// maskedOf lists the columns that go out masked, for the audit trail.
func (a *Actor) maskedOf(o access.Object, cols []string) []string {
	out := []string{}
	for _, c := range cols {
		if !a.Subject.Field(o, strings.TrimPrefix(c, "custom.")).Access.Readable() {
			out = append(out, c)
		}
	}
	return out
}

// DecideExport approves or refuses an export waiting for approval. The
// approver holds approve_exports and is not the requester; a refusal
// gives a reason.
func (s *Service) DecideExport(ctx context.Context, a *Actor, id int64, approve bool, reason string) (store.Export, error) {
	var e store.Export
	if err := a.need(access.ApproveExports); err != nil {
		return e, err
	}
	reason, err := fieldcheck.Optional("reason", reason, 500)
	if err != nil {
		return e, err
	}
	if !approve && reason == "" {
		return e, errs.Field("reason", "field_required", "a refusal needs a reason")
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if e, err = tx.Export(ctx, a.TenantID, id); err != nil {
			return err
		}
		if e.UserID == a.UserID {
			return errs.E(errs.Forbidden, "own_export", "nobody approves or refuses their own export")
		}
		status, action := store.ExportQueued, "export.approve"
		if !approve {
			status, action = store.ExportRefused, "export.refuse"
		}
		if err := tx.DecideExport(ctx, a.TenantID, id, a.UserID, status, reason, s.now()); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: action, targetType: "export", targetID: id, links: store.AuditLinks{User: e.UserID},
			details: map[string]any{"requester_id": e.UserID, "rows": e.RowsTotal, "reason": reason}}); err != nil {
			return err
		}
		e, err = tx.Export(ctx, a.TenantID, id)
		return err
	})
	if err == nil && e.Status == store.ExportQueued {
		s.startExport(ctx, e)
	}
	return e, err
}

// Exports lists the caller's exports, or with all set (approvers only)
// everyone's, optionally of one status.
func (s *Service) Exports(ctx context.Context, a *Actor, all bool, status string) ([]store.Export, error) {
	if status != "" && !slices.Contains([]string{store.ExportPending, store.ExportQueued, store.ExportRunning, store.ExportDone,
		store.ExportFailed, store.ExportRefused, store.ExportExpired}, status) {
		return nil, errs.Field("status", "invalid_parameter", "unknown status %q", status)
	}
	user := a.UserID
	if all {
		if err := a.need(access.ApproveExports); err != nil {
			return nil, err
		}
		user = 0
	}
	var out []store.Export
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Exports(ctx, a.TenantID, user, status, 200)
		return err
	})
	return out, err
}

// Export returns one export to its requester or an approver.
func (s *Service) Export(ctx context.Context, a *Actor, id int64) (store.Export, error) {
	var e store.Export
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if e, err = tx.Export(ctx, a.TenantID, id); err != nil {
			return err
		}
		if e.UserID != a.UserID && !a.Subject.Can(access.ApproveExports) {
			return errs.NotVisible("export")
		}
		return nil
	})
	return e, err
}

// DownloadExport spends one download of a finished export and returns the
// export with a function that writes its file. Only the requester may
// download, within the link's lifetime and download count; each download is
// audited. The file is read a chunk at a time.
func (s *Service) DownloadExport(ctx context.Context, a *Actor, id int64) (store.Export, func(io.Writer) error, error) {
	var e store.Export
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if e, err = tx.Export(ctx, a.TenantID, id); err != nil {
			return err
		}
		if e.UserID != a.UserID {
			if a.Subject.Can(access.ApproveExports) {
				return errs.E(errs.Forbidden, "not_export_owner", "only the requester downloads an export")
			}
			return errs.NotVisible("export")
		}
		// Rights count at every request: one lost since the file was made
		// stops its download too.
		o := access.Object(e.Object)
		if !a.Subject.Holds(o, access.Export) {
			return errs.E(errs.Forbidden, "export_right_lost", "you may no longer export %ss", o)
		}
		for _, f := range e.Fields {
			if a.Subject.Field(o, strings.TrimPrefix(f, "custom.")).Access == access.FieldHidden {
				return errs.E(errs.Forbidden, "export_right_lost", "%s, a field of this export, is now hidden from you", f).WithField(f)
			}
		}
		if err := tx.CountDownload(ctx, a.TenantID, id, s.now()); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "export.download", targetType: "export", targetID: id,
			details: map[string]any{"sha256": e.SHA256, "rows": e.RowsWritten, "download": e.Downloads + 1}})
	})
	if err != nil {
		return e, nil, err
	}
	write := func(w io.Writer) error {
		var sent int64
		for seq := 0; ; seq++ {
			var data []byte
			var ok bool
			if err := s.DB.Read(ctx, func(tx *store.Tx) error {
				var err error
				data, ok, err = tx.ExportChunk(ctx, a.TenantID, id, seq)
				return err
			}); err != nil {
				return err
			}
			if !ok {
				if sent != e.Size { // expired and deleted while being sent: never a short file as a whole one
					return errs.E(errs.Conflict, "download_unavailable", "the export expired while it was being downloaded")
				}
				return nil
			}
			if _, err := w.Write(data); err != nil {
				return err
			}
			sent += int64(len(data))
		}
	}
	return e, write, nil
}

// auditFilter is an export's filter as the audit trail keeps it: the free
// text q may be a phone number or a name, personal data the trail does not
// hold, so only its length is kept.
func auditFilter(f map[string]string) map[string]string {
	out := make(map[string]string, len(f))
	for k, v := range f {
		if k == "q" {
			v = "(text, " + strconv.Itoa(utf8.RuneCountInString(v)) + " characters)"
		}
		out[k] = v
	}
	return out
}
