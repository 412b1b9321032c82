package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"steward/internal/audit"
	"steward/internal/errs"
)

// AuditLinks are the indexed subjects of an entry, for history queries.
type AuditLinks struct {
	User     int64
	Customer int64
}

// The statements of chaining (audit_queue.go), run for every batch; the
// store keeps them prepared (stmtcache.go). On PostgreSQL the head row is
// locked, so chainers on several app nodes form one chain without gaps;
// on SQLite the transaction already holds the database's write lock.
const (
	auditHeadSQL       = `SELECT seq, hash FROM audit_heads WHERE tenant_id = $1`
	auditHeadLockedSQL = auditHeadSQL + ` FOR UPDATE`
	auditInsertHead    = `INSERT INTO audit_events (tenant_id, seq, at, actor_type, actor_id, session_id,
		source_ip, action, target_type, target_id, outcome, details, request_id, prev_hash, hash, subject_user, subject_customer) VALUES `
	auditInsertSQL   = auditInsertHead + `($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`
	auditMoveHeadSQL = `UPDATE audit_heads SET seq = $2, hash = $3 WHERE tenant_id = $1`
)

// CreateAuditHead starts a tenant's chain.
func (t *Tx) CreateAuditHead(ctx context.Context, tenantID int64) error {
	_, err := t.exec(ctx, "store.CreateAuditHead", `INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, 0, '')`, tenantID)
	return err
}

// AuditHead returns the last position and hash of a tenant's chain.
func (t *Tx) AuditHead(ctx context.Context, tenantID int64) (int64, string, error) {
	var seq int64
	var hash string
	err := t.one(ctx, "store.AuditHead", "audit head", `SELECT seq, hash FROM audit_heads WHERE tenant_id = $1`, []any{tenantID}, &seq, &hash)
	return seq, hash, err
}

const auditCols = `id, tenant_id, seq, at, actor_type, actor_id, session_id, source_ip, action, target_type, target_id,
	outcome, details, request_id, prev_hash, hash`

func scanAudit(sc interface{ Scan(...any) error }, e *audit.Entry) error {
	var at int64
	var details string
	err := sc.Scan(&e.ID, &e.TenantID, &e.Seq, &at, &e.ActorType, &e.ActorID, &e.SessionID, &e.SourceIP, &e.Action,
		&e.TargetType, &e.TargetID, &e.Outcome, &details, &e.RequestID, &e.PrevHash, &e.Hash)
	e.At, e.Details = FromMicros(at), json.RawMessage(details)
	return err
}

// ScanAudit streams a tenant's entries from position from on, in order.
func (t *Tx) ScanAudit(ctx context.Context, tenantID, from int64, fn func(audit.Entry) error) error {
	return t.eachAudit(ctx, "store.ScanAudit", `SELECT `+auditCols+` FROM audit_events WHERE tenant_id = $1 AND seq >= $2 ORDER BY seq, id`,
		[]any{tenantID, from}, fn)
}

// eachAudit runs a query of entries (auditCols) and hands each to fn.
func (t *Tx) eachAudit(ctx context.Context, op, q string, args []any, fn func(audit.Entry) error) error {
	rows, err := t.query(ctx, op, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Entry
		if err := scanAudit(rows, &e); err != nil {
			return errs.Wrap(err, op)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return errs.Wrap(rows.Err(), op)
}

// AuditQuery filters the trail. Zero values do not filter.
type AuditQuery struct {
	ActorID     int64      `json:"actor_id,omitempty"`
	Action      string     `json:"action,omitempty"` // exact, or a prefix ending in "." such as "role."
	TargetType  string     `json:"target_type,omitempty"`
	TargetID    string     `json:"target_id,omitempty"`
	Outcome     string     `json:"outcome,omitempty"`
	From        *time.Time `json:"from,omitempty"`
	To          *time.Time `json:"to,omitempty"`
	SubjectUser int64      `json:"subject_user,omitempty"`
	UserRoles   []int64    `json:"-"` // with SubjectUser: also changes to these roles
	SubjectCust int64      `json:"subject_customer,omitempty"`
	Before      int64      `json:"before,omitempty"` // cursor: entries with a smaller position
	Limit       int        `json:"limit"`
}

// AuditEvents lists entries newest first.
func (t *Tx) AuditEvents(ctx context.Context, tenantID int64, q AuditQuery) ([]audit.Entry, error) {
	b := newQueryBuilder(tenantID)
	var w strings.Builder
	if q.ActorID != 0 {
		w.WriteString(" AND actor_id = " + b.arg(q.ActorID))
	}
	if strings.HasSuffix(q.Action, ".") {
		w.WriteString(" AND substr(action, 1, " + itoa(len(q.Action)) + ") = " + b.arg(q.Action))
	} else if q.Action != "" {
		w.WriteString(" AND action = " + b.arg(q.Action))
	}
	for _, f := range []struct{ col, v string }{{"target_type", q.TargetType}, {"target_id", q.TargetID}, {"outcome", q.Outcome}} {
		if f.v != "" {
			w.WriteString(" AND " + f.col + " = " + b.arg(f.v))
		}
	}
	if q.From != nil {
		w.WriteString(" AND at >= " + b.arg(Micros(*q.From)))
	}
	if q.To != nil {
		w.WriteString(" AND at < " + b.arg(Micros(*q.To)))
	}
	if q.SubjectUser != 0 {
		roles := ""
		if len(q.UserRoles) > 0 {
			roles = " OR (target_type = 'role' AND target_id IN ('" + strings.ReplaceAll(inList(q.UserRoles), ",", "','") + "'))"
		}
		w.WriteString(" AND (subject_user = " + b.arg(q.SubjectUser) + roles + ")")
	}
	if q.SubjectCust != 0 {
		w.WriteString(" AND subject_customer = " + b.arg(q.SubjectCust))
	}
	if q.Before != 0 {
		w.WriteString(" AND seq < " + b.arg(q.Before))
	}
	rows, err := t.query(ctx, "store.AuditEvents", `SELECT `+auditCols+` FROM audit_events WHERE tenant_id = $1`+w.String()+
		` ORDER BY seq DESC LIMIT `+itoa(q.Limit), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []audit.Entry{}
	for rows.Next() {
		var e audit.Entry
		if err := scanAudit(rows, &e); err != nil {
			return nil, errs.Wrap(err, "store.AuditEvents")
		}
		out = append(out, e)
	}
	return out, errs.Wrap(rows.Err(), "store.AuditEvents")
}

// SaveCheckpoint stores a signed checkpoint.
func (t *Tx) SaveCheckpoint(ctx context.Context, c audit.Checkpoint) error {
	_, err := t.exec(ctx, "store.SaveCheckpoint", `INSERT INTO audit_checkpoints (tenant_id, seq, hash, at, key_id, signature)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, seq) DO NOTHING`, c.TenantID, c.Seq, c.Hash, Micros(c.At), c.KeyID, c.Signature)
	return err
}

// Checkpoints lists a tenant's checkpoints in order.
func (t *Tx) Checkpoints(ctx context.Context, tenantID int64) ([]audit.Checkpoint, error) {
	rows, err := t.query(ctx, "store.Checkpoints", `SELECT tenant_id, seq, hash, at, key_id, signature FROM audit_checkpoints
		WHERE tenant_id = $1 ORDER BY seq`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Checkpoint
	for rows.Next() {
		var c audit.Checkpoint
		var at int64
		if err := rows.Scan(&c.TenantID, &c.Seq, &c.Hash, &at, &c.KeyID, &c.Signature); err != nil {
			return nil, errs.Wrap(err, "store.Checkpoints")
		}
		c.At = FromMicros(at)
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "store.Checkpoints")
}

// AuditRetention returns the checkpoint a pruned trail is verified from, if any.
func (t *Tx) AuditRetention(ctx context.Context, tenantID int64) (*audit.Checkpoint, error) {
	var c audit.Checkpoint
	var at int64
	err := t.tx.QueryRowContext(ctx, `SELECT tenant_id, pruned_seq, pruned_hash, pruned_at FROM audit_retention WHERE tenant_id = $1`, tenantID).
		Scan(&c.TenantID, &c.Seq, &c.Hash, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, t.classify(err, "store.AuditRetention")
	}
	c.At = FromMicros(at)
	return &c, nil
}

// PruneAudit removes a tenant's entries up to and including a checkpoint,
// recording where the retained trail now starts. Only whole segments up to
// a signed checkpoint go, so the rest stays verifiable.
func (t *Tx) PruneAudit(ctx context.Context, c audit.Checkpoint, now time.Time) (int64, error) {
	res, err := t.exec(ctx, "store.PruneAudit", `DELETE FROM audit_events WHERE tenant_id = $1 AND seq <= $2`, c.TenantID, c.Seq)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	_, err = t.exec(ctx, "store.PruneAudit", `INSERT INTO audit_retention (tenant_id, pruned_seq, pruned_hash, pruned_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id) DO UPDATE SET pruned_seq = excluded.pruned_seq, pruned_hash = excluded.pruned_hash, pruned_at = excluded.pruned_at`,
		c.TenantID, c.Seq, c.Hash, Micros(now))
	return n, err
}
