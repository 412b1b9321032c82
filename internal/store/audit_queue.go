package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"steward/internal/audit"
	"steward/internal/errs"
)

// QueuedAudit is an entry recorded with its change and not yet on its
// tenant's chain.
type QueuedAudit struct {
	ID    int64
	Entry audit.Entry
	Links AuditLinks
}

const auditQueueSQL = `INSERT INTO audit_queue (tenant_id, at, actor_type, actor_id, session_id, source_ip, action,
	target_type, target_id, outcome, details, request_id, subject_user, subject_customer)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

// QueueAudit stores e in the caller's transaction, to be chained after the
// transaction commits (ChainAudit in the service). It is the whole cost an
// entry adds to the change it records: one row in a table without
// secondary indexes, no chain head read or moved, so no lock held across
// the change on PostgreSQL.
func (t *Tx) QueueAudit(ctx context.Context, e *audit.Entry, links AuditLinks) error {
	_, err := t.execCached(ctx, "store.QueueAudit", auditQueueSQL, e.TenantID, Micros(e.At), e.ActorType, e.ActorID, e.SessionID,
		e.SourceIP, e.Action, e.TargetType, e.TargetID, e.Outcome, string(e.Details), e.RequestID, nullID(&links.User), nullID(&links.Customer))
	return errs.Wrap(err, "store.QueueAudit")
}

// QueuedAudits returns up to limit queued entries, oldest first. On
// PostgreSQL they stay locked until the transaction ends; a second chainer
// waits for the first and then reads past what it took (a locked row that
// is gone when the lock is released is left out of the answer). Waiting,
// rather than skipping locked rows, is what lets a reader that chains
// first be sure it sees every committed entry.
func (t *Tx) QueuedAudits(ctx context.Context, limit int) ([]QueuedAudit, error) {
	const op = "store.QueuedAudits"
	q := `SELECT id, tenant_id, at, actor_type, actor_id, session_id, source_ip, action, target_type, target_id, outcome,
		details, request_id, subject_user, subject_customer FROM audit_queue ORDER BY id LIMIT ` + itoa(limit)
	if t.engine == Postgres {
		q += ` FOR UPDATE`
	}
	rows, err := t.query(ctx, op, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []QueuedAudit
	for rows.Next() {
		var qa QueuedAudit
		e := &qa.Entry
		var at int64
		var details string
		var user, cust sql.NullInt64
		if err := rows.Scan(&qa.ID, &e.TenantID, &at, &e.ActorType, &e.ActorID, &e.SessionID, &e.SourceIP, &e.Action, &e.TargetType,
			&e.TargetID, &e.Outcome, &details, &e.RequestID, &user, &cust); err != nil {
			return nil, errs.Wrap(err, op)
		}
		e.At, e.Details = FromMicros(at), json.RawMessage(details)
		qa.Links = AuditLinks{User: user.Int64, Customer: cust.Int64}
		out = append(out, qa)
	}
	return out, errs.Wrap(rows.Err(), op)
}

// DequeueAudit removes queued entries once they are on the chain, in the
// same transaction. It names each id: on PostgreSQL an entry with a
// smaller id may commit after a larger one was read, and must stay.
func (t *Tx) DequeueAudit(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := t.exec(ctx, "store.DequeueAudit", `DELETE FROM audit_queue WHERE id IN (`+inList(ids)+`)`)
	return err
}

// AuditQueueLength counts a tenant's entries not yet chained.
func (t *Tx) AuditQueueLength(ctx context.Context, tenantID int64) (int64, error) {
	var n int64
	err := t.one(ctx, "store.AuditQueueLength", "audit queue", `SELECT COUNT(*) FROM audit_queue WHERE tenant_id = $1`, []any{tenantID}, &n)
	return n, err
}

// ChainAudits seals entries, all of one tenant and in order, onto the end
// of that tenant's chain in the caller's transaction: one read of the head
// (locked on PostgreSQL), the inserts, one move of the head. It fills in
// each entry's position and hashes.
func (t *Tx) ChainAudits(ctx context.Context, tenantID int64, es []*audit.Entry, links []AuditLinks) error {
	const op = "store.ChainAudits"
	headSQL := auditHeadSQL
	if t.engine == Postgres {
		headSQL = auditHeadLockedSQL
	}
	var seq int64
	var hash string
	if err := t.rowCached(ctx, headSQL, tenantID).Scan(&seq, &hash); err != nil {
		return errs.Wrap(t.notFound(err, op, "audit head"), op)
	}
	rows := make([][]any, len(es))
	for i, e := range es {
		audit.Seal(e, seq, hash)
		seq, hash = e.Seq, e.Hash
		rows[i] = []any{e.TenantID, e.Seq, Micros(e.At), e.ActorType, e.ActorID, e.SessionID, e.SourceIP, e.Action, e.TargetType, e.TargetID,
			e.Outcome, string(e.Details), e.RequestID, e.PrevHash, e.Hash, nullID(&links[i].User), nullID(&links[i].Customer)}
	}
	if t.engine == Postgres {
		// One statement per 500 entries: a round trip each would bound
		// chaining to a few thousand entries a second.
		for start := 0; start < len(rows); start += 500 {
			chunk := rows[start:min(start+500, len(rows))]
			var b strings.Builder
			b.WriteString(auditInsertHead)
			args := make([]any, 0, len(chunk)*len(chunk[0]))
			for i, r := range chunk {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('(')
				for j := range r {
					if j > 0 {
						b.WriteByte(',')
					}
					b.WriteString("$" + itoa(len(args)+j+1))
				}
				b.WriteByte(')')
				args = append(args, r...)
			}
			if _, err := t.exec(ctx, op, b.String(), args...); err != nil {
				return err
			}
		}
	} else {
		// SQLite: the prepared single-row insert; a statement with
		// thousands of numbered parameters binds in quadratic time (bulk.go).
		for _, r := range rows {
			if _, err := t.execCached(ctx, op, auditInsertSQL, r...); err != nil {
				return errs.Wrap(err, op)
			}
		}
	}
	_, err := t.execCached(ctx, op, auditMoveHeadSQL, tenantID, seq, hash)
	return errs.Wrap(err, op)
}
