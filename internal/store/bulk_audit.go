package store

import (
	"context"
	"time"

	"steward/internal/errs"
)

// Synthetic audit trails for benchmarks (the least-privilege insights read
// the trail of a tenant with millions of entries). Appending through the
// service seals each entry onto the hash chain, a few thousand a second;
// ten million would take hours. A bulk load writes the rows directly and
// does NOT compute the chain: each loaded entry carries the hash
// "unchained", so `steward audit verify` reports the tenant's chain broken
// from the first loaded entry on. Load only into a scratch benchmark
// database, never into one whose trail is evidence.

// BulkAuditEntry is one synthetic audit entry; a zero subject means none.
type BulkAuditEntry struct {
	ActorID         int64
	Action          string
	TargetType      string
	TargetID        string
	At              time.Time
	SubjectUser     int64
	SubjectCustomer int64
}

var bulkAudit = bulkTable{"audit_events", []string{"tenant_id", "seq", "at", "actor_type", "actor_id", "session_id", "source_ip",
	"action", "target_type", "target_id", "outcome", "details", "request_id", "prev_hash", "hash", "subject_user", "subject_customer"}}

// unchained is the hash of every bulk-loaded audit entry.
const unchained = "unchained"

// AuditEntries appends entries to the end of the tenant's trail in one
// transaction, in order, and moves the chain head past them, so that later
// appends through the service continue the positions (though not the
// chain). See above: the chain is not computed.
func (b *BulkLoad) AuditEntries(ctx context.Context, es []BulkAuditEntry) error {
	var seq int64
	if err := b.conn.QueryRowContext(ctx, `SELECT seq FROM audit_heads WHERE tenant_id = $1`, b.tenantID).Scan(&seq); err != nil {
		return errs.Wrap(err, "store.bulk.AuditEntries")
	}
	vals := make([]any, 0, len(es)*len(bulkAudit.cols))
	tenant := any(b.tenantID)
	for _, e := range es {
		seq++
		actorType := "user"
		if e.ActorID == 0 {
			actorType = "system"
		}
		vals = append(vals, tenant, seq, Micros(e.At), actorType, e.ActorID, int64(0), "", e.Action, e.TargetType, e.TargetID,
			"success", "{}", "", unchained, unchained, zeroNull(e.SubjectUser), zeroNull(e.SubjectCustomer))
	}
	if err := b.write(ctx, bulkAudit, vals); err != nil {
		return err
	}
	_, err := b.conn.ExecContext(ctx, `UPDATE audit_heads SET seq = $1, hash = $2 WHERE tenant_id = $3`, seq, unchained, b.tenantID)
	return errs.Wrap(err, "store.bulk.AuditEntries")
}

// AnalyzeAudit refreshes the planner's statistics of the audit trail and of
// the tables the insights join it with. On PostgreSQL it vacuums the trail
// too, as autovacuum soon does to an insert-only table: until its pages are
// marked all-visible, an index-only probe still reads the table row.
func (b *BulkLoad) AnalyzeAudit(ctx context.Context) error {
	analyze := `ANALYZE `
	if b.db.Engine == Postgres {
		analyze = `VACUUM (ANALYZE) `
	}
	for _, t := range []string{"audit_events", "users", "role_assignments"} {
		if _, err := b.conn.ExecContext(ctx, analyze+t); err != nil {
			return errs.Wrap(err, "store.bulk.AnalyzeAudit")
		}
	}
	return nil
}
