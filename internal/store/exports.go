package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"steward/internal/errs"
)

// Export is an export job and, once done, its file's record.
type Export struct {
	ID             int64             `json:"id"`
	TenantID       int64             `json:"-"`
	UserID         int64             `json:"user_id"`
	Object         string            `json:"object"`
	Format         string            `json:"format"`
	Filter         map[string]string `json:"filter"`
	Fields         []string          `json:"fields"`
	Reason         string            `json:"reason"`
	Purpose        string            `json:"purpose" doc:"marketing: only contacts whose marketing consent is given"`
	Status         string            `json:"status"`
	RowsTotal      int64             `json:"rows_total"`
	RowsWritten    int64             `json:"rows_written"`
	ApproverID     *int64            `json:"approver_id"`
	DecidedAt      *time.Time        `json:"decided_at"`
	DecisionReason string            `json:"decision_reason"`
	SHA256         string            `json:"sha256"`
	Size           int64             `json:"size"`
	Error          string            `json:"error"`
	Downloads      int               `json:"downloads"`
	MaxDownloads   int               `json:"max_downloads"`
	CreatedAt      time.Time         `json:"created_at"`
	StartedAt      *time.Time        `json:"started_at"`
	FinishedAt     *time.Time        `json:"finished_at"`
	ExpiresAt      *time.Time        `json:"expires_at"`
}

// The states of an export.
const (
	ExportPending = "pending_approval"
	ExportQueued  = "queued"
	ExportRunning = "running"
	ExportDone    = "done"
	ExportFailed  = "failed"
	ExportRefused = "refused"
	ExportExpired = "expired"
	exportColumns = `id, tenant_id, user_id, object, format, filter, fields, reason, status, rows_total, rows_written, approver_id, decided_at,
	decision_reason, sha256, size, error, downloads, max_downloads, created_at, started_at, finished_at, expires_at, purpose`
)

func scanExport(sc interface{ Scan(...any) error }, e *Export) error {
	var filter, fields string
	var approver, decided, started, finished, expires sql.NullInt64
	var created int64
	if err := sc.Scan(&e.ID, &e.TenantID, &e.UserID, &e.Object, &e.Format, &filter, &fields, &e.Reason, &e.Status, &e.RowsTotal,
		&e.RowsWritten, &approver, &decided, &e.DecisionReason, &e.SHA256, &e.Size, &e.Error, &e.Downloads, &e.MaxDownloads,
		&created, &started, &finished, &expires, &e.Purpose); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(filter), &e.Filter); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(fields), &e.Fields); err != nil {
		return err
	}
	e.ApproverID = int64Ptr(approver)
	e.CreatedAt = FromMicros(created)
	e.DecidedAt, e.StartedAt, e.FinishedAt, e.ExpiresAt = timePtr(decided), timePtr(started), timePtr(finished), timePtr(expires)
	return nil
}

// CreateExport records a new export job.
func (t *Tx) CreateExport(ctx context.Context, e *Export) error {
	filter, _ := json.Marshal(e.Filter)
	fields, _ := json.Marshal(e.Fields)
	id, err := t.insert(ctx, "store.CreateExport", `INSERT INTO exports (tenant_id, user_id, object, format, filter, fields, reason, status,
		rows_total, max_downloads, created_at, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.TenantID, e.UserID, e.Object, e.Format, string(filter), string(fields), e.Reason, e.Status, e.RowsTotal, e.MaxDownloads, Micros(e.CreatedAt), e.Purpose)
	e.ID = id
	return err
}

// Export returns one export of the tenant.
func (t *Tx) Export(ctx context.Context, tenantID, id int64) (Export, error) {
	var e Export
	row := t.tx.QueryRowContext(ctx, `SELECT `+exportColumns+` FROM exports WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := scanExport(row, &e); err != nil {
		return e, t.notFound(err, "store.Export", "export")
	}
	return e, nil
}

// Exports lists a tenant's exports, newest first: a user's own (userID),
// or, for approvers (userID 0), everyone's.
func (t *Tx) Exports(ctx context.Context, tenantID, userID int64, status string, limit int) ([]Export, error) {
	q := `SELECT ` + exportColumns + ` FROM exports WHERE tenant_id = $1`
	args := []any{tenantID}
	if userID != 0 {
		args = append(args, userID)
		q += ` AND user_id = $` + itoa(len(args))
	}
	if status != "" {
		args = append(args, status)
		q += ` AND status = $` + itoa(len(args))
	}
	rows, err := t.query(ctx, "store.Exports", q+` ORDER BY id DESC LIMIT `+itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Export{}
	for rows.Next() {
		var e Export
		if err := scanExport(rows, &e); err != nil {
			return nil, errs.Wrap(err, "store.Exports")
		}
		out = append(out, e)
	}
	return out, errs.Wrap(rows.Err(), "store.Exports")
}

// DecideExport moves a pending export to queued (approved) or refused.
func (t *Tx) DecideExport(ctx context.Context, tenantID, id, approverID int64, status, reason string, now time.Time) error {
	res, err := t.exec(ctx, "store.DecideExport", `UPDATE exports SET status = $1, approver_id = $2, decided_at = $3, decision_reason = $4
		WHERE tenant_id = $5 AND id = $6 AND status = $7`, status, approverID, Micros(now), reason, tenantID, id, ExportPending)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "export_not_pending", "the export is not waiting for approval")
	}
	return nil
}

// ClaimExport makes this node the runner of a queued export, or of a
// running one whose runner stopped sending heartbeats before staleBefore
// (a node that died). Exactly one claimant wins; the file so far is dropped.
func (t *Tx) ClaimExport(ctx context.Context, tenantID, id int64, now, staleBefore time.Time) (bool, error) {
	res, err := t.exec(ctx, "store.ClaimExport", `UPDATE exports SET status = $1, started_at = $2, heartbeat_at = $2, rows_written = 0
		WHERE tenant_id = $3 AND id = $4 AND (status = $5 OR status = $1 AND heartbeat_at < $6)`,
		ExportRunning, Micros(now), tenantID, id, ExportQueued, Micros(staleBefore))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	_, err = t.exec(ctx, "store.ClaimExport", `DELETE FROM export_chunks WHERE export_id = $1`, id)
	return err == nil, err
}

// RunnableExports lists exports, of every tenant, that are queued or whose
// runner has gone quiet: what a node starting up or polling picks up.
func (t *Tx) RunnableExports(ctx context.Context, staleBefore time.Time, limit int) ([]Export, error) {
	rows, err := t.query(ctx, "store.RunnableExports", `SELECT `+exportColumns+` FROM exports
		WHERE status = $1 OR status = $2 AND heartbeat_at < $3 ORDER BY id LIMIT `+itoa(limit), ExportQueued, ExportRunning, Micros(staleBefore))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Export
	for rows.Next() {
		var e Export
		if err := scanExport(rows, &e); err != nil {
			return nil, errs.Wrap(err, "store.RunnableExports")
		}
		out = append(out, e)
	}
	return out, errs.Wrap(rows.Err(), "store.RunnableExports")
}

// ExportHeartbeat records a run's progress and that it is alive, as long
// as the run still owns the export.
func (t *Tx) ExportHeartbeat(ctx context.Context, tenantID, id int64, started time.Time, rows int64, now time.Time) error {
	res, err := t.exec(ctx, "store.ExportHeartbeat", `UPDATE exports SET rows_written = $1, heartbeat_at = $2
		WHERE tenant_id = $3 AND id = $4 AND status = $5 AND started_at = $6`, rows, Micros(now), tenantID, id, ExportRunning, Micros(started))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "export_claim_lost", "another run took the export over")
	}
	return nil
}

// AppendExportChunk stores the next piece of an export's file and its
// progress, as long as this run still owns the export (started is its
// claim time): a node that lost its claim writes nothing.
func (t *Tx) AppendExportChunk(ctx context.Context, tenantID, id int64, started time.Time, seq int, data []byte, rows int64, now time.Time) error {
	if err := t.ExportHeartbeat(ctx, tenantID, id, started, rows, now); err != nil {
		return err
	}
	_, err := t.exec(ctx, "store.AppendExportChunk", `INSERT INTO export_chunks (export_id, seq, data) VALUES ($1, $2, $3)`, id, seq, data)
	return err
}

// FinishExport records a run's end: done with the file's hash, size and
// expiry, or failed with an error code.
func (t *Tx) FinishExport(ctx context.Context, e Export, started time.Time, now time.Time) error {
	res, err := t.exec(ctx, "store.FinishExport", `UPDATE exports SET status = $1, rows_written = $2, sha256 = $3, size = $4, error = $5,
		finished_at = $6, expires_at = $7 WHERE tenant_id = $8 AND id = $9 AND status = $10 AND started_at = $11`,
		e.Status, e.RowsWritten, e.SHA256, e.Size, e.Error, Micros(now), nullMicros(e.ExpiresAt), e.TenantID, e.ID, ExportRunning, Micros(started))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "export_claim_lost", "another run took the export over")
	}
	if e.Status != ExportDone {
		_, err = t.exec(ctx, "store.FinishExport", `DELETE FROM export_chunks WHERE export_id = $1`, e.ID)
	}
	return err
}

// CountDownload spends one of a finished export's downloads, refusing one
// past the limit or the expiry; the check and the count are one statement,
// so two downloads at once cannot both take the last one.
func (t *Tx) CountDownload(ctx context.Context, tenantID, id int64, now time.Time) error {
	res, err := t.exec(ctx, "store.CountDownload", `UPDATE exports SET downloads = downloads + 1
		WHERE tenant_id = $1 AND id = $2 AND status = $3 AND downloads < max_downloads AND expires_at > $4`,
		tenantID, id, ExportDone, Micros(now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "download_unavailable", "the export is not ready, has expired or has been downloaded as often as allowed")
	}
	return nil
}

// ExportChunk returns one piece of a finished export's file (seq from 0);
// ok is false past the last. The export's row scopes it to the tenant.
func (t *Tx) ExportChunk(ctx context.Context, tenantID, id int64, seq int) ([]byte, bool, error) {
	var data []byte
	err := t.tx.QueryRowContext(ctx, `SELECT c.data FROM export_chunks c JOIN exports e ON e.id = c.export_id
		WHERE e.tenant_id = $1 AND e.status = $2 AND c.export_id = $3 AND c.seq = $4`, tenantID, ExportDone, id, seq).Scan(&data)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	return data, err == nil, errs.Wrap(err, "store.ExportChunk")
}

// ExpireExports deletes the files of exports whose links ran out and marks
// them expired; the rows stay as the record of what was exported.
func (t *Tx) ExpireExports(ctx context.Context, now time.Time) (int64, error) {
	if _, err := t.exec(ctx, "store.ExpireExports", `DELETE FROM export_chunks WHERE export_id IN
		(SELECT id FROM exports WHERE status = $1 AND expires_at <= $2)`, ExportDone, Micros(now)); err != nil {
		return 0, err
	}
	res, err := t.exec(ctx, "store.ExpireExports", `UPDATE exports SET status = $1 WHERE status = $2 AND expires_at <= $3`,
		ExportExpired, ExportDone, Micros(now))
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ExportSettings are a tenant's export controls.
type ExportSettings struct {
	ApprovalThreshold int64            `json:"approval_threshold"` // exports of more rows wait for approval
	LinkHours         int              `json:"link_hours"`         // how long a finished file can be downloaded
	MaxDownloads      int              `json:"max_downloads"`      // how often
	RoleLimits        map[string]int64 `json:"role_limits"`        // role key → most rows one export may hold
}

// LoadExportSettings returns the tenant's export settings; ok is false
// when the tenant has never saved any.
func (t *Tx) LoadExportSettings(ctx context.Context, tenantID int64) (ExportSettings, bool, error) {
	var s ExportSettings
	var limits string
	err := t.tx.QueryRowContext(ctx, `SELECT approval_threshold, link_hours, max_downloads, role_limits FROM export_settings WHERE tenant_id = $1`,
		tenantID).Scan(&s.ApprovalThreshold, &s.LinkHours, &s.MaxDownloads, &limits)
	if err == sql.ErrNoRows {
		return s, false, nil
	}
	if err != nil {
		return s, false, errs.Wrap(err, "store.LoadExportSettings")
	}
	return s, true, errs.Wrap(json.Unmarshal([]byte(limits), &s.RoleLimits), "store.LoadExportSettings")
}

// SaveExportSettings stores the tenant's export settings.
func (t *Tx) SaveExportSettings(ctx context.Context, tenantID int64, s ExportSettings) error {
	limits, _ := json.Marshal(s.RoleLimits)
	if _, err := t.exec(ctx, "store.SaveExportSettings", `DELETE FROM export_settings WHERE tenant_id = $1`, tenantID); err != nil {
		return err
	}
	_, err := t.exec(ctx, "store.SaveExportSettings", `INSERT INTO export_settings (tenant_id, approval_threshold, link_hours, max_downloads, role_limits)
		VALUES ($1, $2, $3, $4, $5)`, tenantID, s.ApprovalThreshold, s.LinkHours, s.MaxDownloads, string(limits))
	return err
}
