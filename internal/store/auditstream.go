package store

import (
	"context"
	"time"

	"steward/internal/audit"
	"steward/internal/errs"
)

// AuditAfter returns up to limit of a tenant's entries after position
// after, in order. Only committed entries are visible to it, and since an
// append holds the chain head until it commits, a position is never
// visible before the ones below it.
func (t *Tx) AuditAfter(ctx context.Context, tenantID, after int64, limit int) ([]audit.Entry, error) {
	var out []audit.Entry
	err := t.eachAudit(ctx, "store.AuditAfter", `SELECT `+auditCols+` FROM audit_events WHERE tenant_id = $1 AND seq > $2
		ORDER BY seq LIMIT `+itoa(limit), []any{tenantID, after}, func(e audit.Entry) error { out = append(out, e); return nil })
	return out, err
}

// StreamCursors returns, per tenant, the last position an audit stream
// delivered.
func (t *Tx) StreamCursors(ctx context.Context, sink string) (map[int64]int64, error) {
	rows, err := t.query(ctx, "store.StreamCursors", `SELECT tenant_id, seq FROM audit_stream_cursors WHERE sink = $1`, sink)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var tenant, seq int64
		if err := rows.Scan(&tenant, &seq); err != nil {
			return nil, errs.Wrap(err, "store.StreamCursors")
		}
		out[tenant] = seq
	}
	return out, errs.Wrap(rows.Err(), "store.StreamCursors")
}

// SaveStreamCursor records that a stream delivered a tenant's entries up to
// seq. The cursor never moves back, so a slower node sharing the stream
// cannot make it repeat more than its own last batch.
func (t *Tx) SaveStreamCursor(ctx context.Context, sink string, tenantID, seq int64, now time.Time) error {
	_, err := t.exec(ctx, "store.SaveStreamCursor", `INSERT INTO audit_stream_cursors (sink, tenant_id, seq, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (sink, tenant_id) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
		WHERE audit_stream_cursors.seq < excluded.seq`, sink, tenantID, seq, Micros(now))
	return err
}
