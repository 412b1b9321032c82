package service

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/sheet"
	"steward/internal/store"
)

const (
	// exportStale is how long a running export may go without a heartbeat
	// before another node takes it over: its runner is taken to have died.
	exportStale = 2 * time.Minute
	// exportChunkSize is how much of the file is held before it is stored.
	exportChunkSize = 1 << 20
	// exportPage is how many customers one read of the export takes: a
	// query per thousand rows cost PostgreSQL a third of the run.
	exportPage = 5000
)

// startExport runs a queued export in the background of this node. If the
// node stops first, RunPendingExports on any node picks it up again.
func (s *Service) startExport(ctx context.Context, e store.Export) {
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		if err := s.RunExport(context.WithoutCancel(ctx), e.TenantID, e.ID); err != nil {
			s.Log.Error("export failed to run", "export_id", e.ID, "err", err)
		}
	}()
}

// Wait blocks until the background work this node started has ended.
func (s *Service) Wait() { s.jobs.Wait() }

// RunPendingExports runs, one after another, the exports of every tenant
// that are queued or whose runner went quiet; the periodic job of each
// node calls it, and a claim makes sure one node runs each.
func (s *Service) RunPendingExports(ctx context.Context) (int, error) {
	var todo []store.Export
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		todo, err = tx.RunnableExports(ctx, s.now().Add(-exportStale), 20)
		return err
	}); err != nil {
		return 0, err
	}
	var first error
	for _, e := range todo { // one export's failure does not hold up the others
		if err := s.RunExport(ctx, e.TenantID, e.ID); err != nil && first == nil {
			first = err
		}
	}
	return len(todo), first
}

// ExpireExports deletes the files of exports whose download links ran out.
func (s *Service) ExpireExports(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.ExpireExports(ctx, s.now())
		return err
	})
	return n, err
}

// RunExport claims an export and writes its file. It decides with the
// requester's rights as of the run, not of the request: a right lost while
// the export waited for approval is not exercised.
func (s *Service) RunExport(ctx context.Context, tenantID, id int64) error {
	started := s.now()
	var e store.Export
	var tenant string
	claimed := false
	if err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if e, err = tx.Export(ctx, tenantID, id); err != nil {
			return err
		}
		t, err := tx.Tenant(ctx, tenantID)
		if err != nil {
			return err
		}
		tenant = t.Name
		claimed, err = tx.ClaimExport(ctx, tenantID, id, started, started.Add(-exportStale))
		return err
	}); err != nil || !claimed {
		return err
	}
	e.Status = store.ExportDone
	a, err := s.ActorFor(ctx, tenantID, e.UserID)
	if err == nil {
		err = s.writeExport(ctx, a, &e, tenant, started)
	}
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			s.Log.Error("export failed", "export_id", id, "err", err)
		}
		e.Status, e.Error = store.ExportFailed, errs.As(err).Code
	} else {
		set, serr := s.settingsForRun(ctx, tenantID)
		if serr != nil {
			return serr
		}
		exp := s.now().Add(time.Duration(set.LinkHours) * time.Hour)
		e.ExpiresAt = &exp
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.FinishExport(ctx, e, started, s.now()); err != nil {
			return err
		}
		ev := event{action: "export.complete", targetType: "export", targetID: e.ID, details: map[string]any{
			"rows": e.RowsWritten, "sha256": e.SHA256, "size": e.Size, "format": e.Format, "filter": auditFilter(e.Filter), "fields": e.Fields}}
		if e.Status == store.ExportFailed {
			ev.action, ev.outcome, ev.details = "export.fail", "failure", map[string]any{"error": e.Error, "rows": e.RowsWritten}
		}
		return s.record(ctx, tx, &Actor{UserID: e.UserID}, tenantID, ev)
	})
}

func (s *Service) settingsForRun(ctx context.Context, tenantID int64) (store.ExportSettings, error) {
	var st store.ExportSettings
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		st, err = exportSettingsOf(ctx, tx, tenantID)
		return err
	})
	return st, err
}

// writeExport streams the export's rows, page by page, through the sheet
// writer into stored chunks. Each page is read, filtered and redacted
// exactly as the requester's list would be.
func (s *Service) writeExport(ctx context.Context, a *Actor, e *store.Export, tenant string, started time.Time) error {
	o := access.Object(e.Object)
	if !a.Subject.Holds(o, access.Export) {
		return errs.E(errs.Forbidden, "export_right_lost", "the requester may no longer export %ss", o)
	}
	if _, err := a.exportFields(o, e.Fields); err != nil {
		return errs.E(errs.Forbidden, "export_right_lost", "a field of the export is now hidden from the requester")
	}
	q, err := ExportQuery(e.Filter)
	if err != nil {
		return err
	}
	if err := a.checkQuery(&q); err != nil {
		return errs.E(errs.Forbidden, "export_right_lost", "the export's filter now uses a field hidden from the requester")
	}
	most, err := s.exportSize(ctx, a, e, q)
	if err != nil {
		return err
	}
	out := &chunkWriter{s: s, ctx: ctx, e: e, started: started}
	system := exportSystemColumns
	if o == access.Contact {
		system = contactSystemColumns
	}
	header := append(append([]string{}, system...), e.Fields...)
	wm := sheet.Watermark{ExportID: "exp_" + strconv.FormatInt(e.ID, 10), Who: a.User.Name + " <" + a.User.Email + ">", Tenant: tenant, When: started}
	w, err := sheet.NewWriter(out, sheet.Format(e.Format), wm, header, string(o)+"s")
	if err != nil {
		return err
	}
	defer w.Close() // on an early return: an XLSX writer holds temporary files
	pages, stop := s.exportPages(ctx, a, o, e.Fields, q, e.Purpose)
	defer stop()
	for page := range pages {
		for _, cells := range page {
			if w.Rows() >= most {
				break // rows added while the export runs: past what was counted and allowed
			}
			if err := w.Write(cells); err != nil {
				return err
			}
			out.rows = w.Rows()
		}
		// XLSX writes nothing out until it closes: the heartbeat and the
		// progress go with the pages, not only with the file's chunks.
		if err := out.beat(); err != nil {
			return err
		}
	}
	if err := stop(); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := out.flush(); err != nil {
		return err
	}
	sum := w.Sum()
	e.RowsWritten, e.SHA256, e.Size = w.Rows(), hex.EncodeToString(sum[:]), out.size
	return nil
}

// exportSize counts the export again as it starts and returns how many rows
// it may hold: never more than the requester's row limit now, nor, for an
// export that needed approval, more than the approver saw.
func (s *Service) exportSize(ctx context.Context, a *Actor, e *store.Export, q store.CustomerQuery) (int64, error) {
	var n int64
	var set store.ExportSettings
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if set, err = exportSettingsOf(ctx, tx, a.TenantID); err != nil {
			return err
		}
		n, err = exportCount(ctx, tx, a, access.Object(e.Object), q)
		return err
	}); err != nil {
		return 0, err
	}
	if limit, limited := exportLimit(set, a.Subject); limited && n > limit {
		return 0, errs.E(errs.Forbidden, "export_row_limit", "the export now holds %d rows, over the requester's limit of %d", n, limit)
	}
	if e.ApproverID != nil && n > e.RowsTotal && n > set.ApprovalThreshold {
		return 0, errs.E(errs.Forbidden, "export_grown", "the export now holds %d rows, more than the %d approved; request it again", n, e.RowsTotal)
	}
	return n, nil
}

// chunkWriter stores what the sheet writer produces in chunks of the
// export, each with the progress so far and a heartbeat.
type chunkWriter struct {
	s        *Service
	ctx      context.Context
	e        *store.Export
	started  time.Time
	buf      bytes.Buffer
	seq      int
	rows     int64
	size     int64
	lastBeat time.Time
}

var _ io.Writer = (*chunkWriter)(nil)

func (c *chunkWriter) Write(p []byte) (int, error) {
	c.buf.Write(p)
	if c.buf.Len() >= exportChunkSize {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// beat records progress and the heartbeat between pages, at most every
// ten seconds, and stops a run that has lost its claim.
func (c *chunkWriter) beat() error {
	now := c.s.now()
	if now.Sub(c.lastBeat) < 10*time.Second {
		return nil
	}
	c.lastBeat = now
	return c.s.DB.Write(c.ctx, func(tx *store.Tx) error {
		return tx.ExportHeartbeat(c.ctx, c.e.TenantID, c.e.ID, c.started, c.rows, now)
	})
}

func (c *chunkWriter) flush() error {
	if c.buf.Len() == 0 {
		return nil
	}
	data := c.buf.Bytes()
	err := c.s.DB.Write(c.ctx, func(tx *store.Tx) error {
		return tx.AppendExportChunk(c.ctx, c.e.TenantID, c.e.ID, c.started, c.seq, data, c.rows, c.s.now())
	})
	if err != nil {
		return err
	}
	c.seq++
	c.size += int64(len(data))
	c.buf.Reset()
	return nil
}
