package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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

// QueuedAudits returns up to limit queued entries, oldest first, but for
// those of skipTenants (tenants whose entries would not chain). On
// PostgreSQL they stay locked until the transaction ends; a second chainer
// waits for the first and then reads past what it took (a locked row that
// is gone when the lock is released is left out of the answer). Waiting,
// rather than skipping locked rows, is what lets a reader that chains
// first be sure it sees every committed entry.
func (t *Tx) QueuedAudits(ctx context.Context, limit int, skipTenants []int64) ([]QueuedAudit, error) {
	const op = "store.QueuedAudits"
	where := ""
	if len(skipTenants) > 0 {
		where = ` WHERE tenant_id NOT IN (` + inList(skipTenants) + `)`
	}
	q := `SELECT ` + queuedCols + ` FROM audit_queue` + where + ` ORDER BY id LIMIT ` + itoa(limit)
	if t.engine == Postgres {
		q += ` FOR UPDATE`
	}
	return t.queued(ctx, op, q)
}

const queuedCols = `id, tenant_id, at, actor_type, actor_id, session_id, source_ip, action, target_type, target_id, outcome,
	details, request_id, subject_user, subject_customer`

func (t *Tx) queued(ctx context.Context, op, q string, args ...any) ([]QueuedAudit, error) {
	rows, err := t.query(ctx, op, q, args...)
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

// TenantQueuedAudits returns a tenant's queued entries newest first,
// without locking them: for a reader that reads the trail in one snapshot
// and must count what committed but is not chained yet (access at a
// moment).
func (t *Tx) TenantQueuedAudits(ctx context.Context, tenantID int64) ([]QueuedAudit, error) {
	return t.queued(ctx, "store.TenantQueuedAudits", `SELECT `+queuedCols+` FROM audit_queue WHERE tenant_id = $1 ORDER BY id DESC`, tenantID)
}

// AuditQueued reports whether anything of the tenant's (of any tenant's,
// for 0) waits in the queue: a reader asks from the read pool before it
// takes the writer to chain.
func (t *Tx) AuditQueued(ctx context.Context, tenantID int64) (bool, error) {
	q, args := `SELECT id FROM audit_queue LIMIT 1`, []any{}
	if tenantID != 0 {
		q, args = `SELECT id FROM audit_queue WHERE tenant_id = $1 LIMIT 1`, []any{tenantID}
	}
	var id int64
	err := t.tx.QueryRowContext(ctx, q, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, t.classify(err, "store.AuditQueued")
	}
	return true, nil
}

// ChainableTenant reports whether a tenant's queued entries may be chained:
// it exists and is not deleted. On PostgreSQL the tenant row is held
// (FOR SHARE) until the chaining commits, so marking the tenant deleted
// waits for it, and a purge that follows never sees entries chained after
// it cleared the trail.
func (t *Tx) ChainableTenant(ctx context.Context, tenantID int64) (bool, error) {
	q := `SELECT deleted_at FROM tenants WHERE id = $1`
	if t.engine == Postgres {
		q += ` FOR SHARE`
	}
	var deleted sql.NullInt64
	err := t.tx.QueryRowContext(ctx, q, tenantID).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, t.classify(err, "store.ChainableTenant")
	}
	return !deleted.Valid, nil
}

// Savepoint, RollbackTo and Release mark and undo part of a transaction:
// the chainer chains each tenant's entries under a savepoint, so that one
// tenant's failure leaves the others' chained.
func (t *Tx) Savepoint(ctx context.Context, name string) error {
	_, err := t.exec(ctx, "store.Savepoint", `SAVEPOINT `+name)
	return err
}

// RollbackTo undoes the transaction back to the savepoint.
func (t *Tx) RollbackTo(ctx context.Context, name string) error {
	_, err := t.exec(ctx, "store.RollbackTo", `ROLLBACK TO SAVEPOINT `+name)
	return err
}

// Release forgets the savepoint, keeping what was done since.
func (t *Tx) Release(ctx context.Context, name string) error {
	_, err := t.exec(ctx, "store.Release", `RELEASE SAVEPOINT `+name)
	return err
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
