package auditstream

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"steward/internal/audit"
	"steward/internal/errs"
)

// Source is what a stream follows: the service's view of the trail and of
// the positions kept in the database.
type Source interface {
	AuditTenants(ctx context.Context) ([]int64, error)
	AuditAfter(ctx context.Context, tenantID, after int64, limit int) ([]audit.Entry, error)
	StreamCursors(ctx context.Context, sink string) (map[int64]int64, error)
	SaveStreamCursor(ctx context.Context, sink string, tenantID, seq int64) error
}

// Stream copies committed audit entries to one destination.
type Stream struct {
	spec  Spec
	src   Source
	log   *slog.Logger
	sink  sink
	cur   cursors
	pos   map[int64]int64 // the last position delivered, per tenant
	Poll  time.Duration   // how long Run waits when it has caught up
	Batch int             // entries per write and per saved position
}

// New returns a stream of src's trail to the destination sp.
func New(sp Spec, src Source, log *slog.Logger) *Stream {
	s := &Stream{spec: sp, src: src, log: log, Poll: time.Second, Batch: 500}
	if sp.Kind == File {
		s.sink, s.cur = &fileSink{path: sp.Path}, &fileCursors{path: sp.Path + ".cursor"}
	} else {
		s.sink, s.cur = &syslogSink{spec: sp}, dbCursors{src: src, sink: sp.Sink()}
	}
	return s
}

// Run streams until ctx ends. A failing destination is retried, less and
// less often, from the last position it acknowledged; nothing is skipped.
func (s *Stream) Run(ctx context.Context) {
	defer s.sink.close()
	wait, backoff := s.Poll, time.Duration(0)
	for {
		n, err := s.Sync(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			backoff = min(max(2*backoff, time.Second), time.Minute)
			wait = backoff
			s.log.Error("audit stream: delivery failed; retrying", "sink", s.spec.Sink(), "retry_in", backoff, "err", err)
		case n > 0:
			wait, backoff = 0, 0
		default:
			wait, backoff = s.Poll, 0
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
}

// Sync delivers every entry committed so far and not yet delivered, in
// order per tenant, and returns how many it delivered.
func (s *Stream) Sync(ctx context.Context) (int, error) {
	// Reloaded every time: another node may have moved a shared position.
	saved, err := s.cur.load(ctx)
	if err != nil {
		return 0, err
	}
	if s.pos == nil {
		s.pos = map[int64]int64{}
	}
	for t, seq := range saved {
		s.pos[t] = max(s.pos[t], seq)
	}
	tenants, err := s.src.AuditTenants(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, t := range tenants {
		n, err := s.syncTenant(ctx, t)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *Stream) syncTenant(ctx context.Context, tenantID int64) (int, error) {
	total := 0
	for {
		after := s.pos[tenantID]
		entries, err := s.src.AuditAfter(ctx, tenantID, after, s.Batch)
		if err != nil || len(entries) == 0 {
			return total, err
		}
		if first := entries[0].Seq; after > 0 && first != after+1 {
			// Only retention pruning removes entries; a stream that far
			// behind has lost them to it, not to itself.
			s.log.Warn("audit stream: entries pruned before they were streamed", "tenant", tenantID, "from_seq", after+1, "to_seq", first-1)
		}
		lines := make([][]byte, len(entries))
		for i, e := range entries {
			if lines[i], err = json.Marshal(e); err != nil {
				return total, errs.Wrap(err, "auditstream.encode")
			}
		}
		if err := s.sink.write(lines); err != nil {
			return total, err
		}
		last := entries[len(entries)-1].Seq
		if err := s.cur.save(ctx, tenantID, last); err != nil {
			return total, err
		}
		s.pos[tenantID] = last
		total += len(entries)
		if len(entries) < s.Batch {
			return total, nil
		}
	}
}
