package store

import (
	"context"

	"steward/internal/errs"
)

// The audit trail folded per (user, action): audit_action_uses holds the
// time of each user's latest entry of each action, up to the position in
// audit_action_marks (migration 0018). Folding is a GROUP BY actor_id,
// action with MAX(at) over the entries after that position, a range of the
// trail's (tenant_id, seq) key, so the audit append pays nothing for it and
// a report pays for the entries written since the last one. Positions are
// committed in order (an append holds the chain head until it commits), so
// an entry below the mark is never committed after the fold passed it.

// RefreshActionUses folds up to limit entries after the tenant's mark into
// audit_action_uses and moves the mark past them. It reports whether the
// fold reached the chain head. Run it in a write transaction of its own; on
// PostgreSQL the mark row is locked, so two folds of a tenant take turns.
func (t *Tx) RefreshActionUses(ctx context.Context, tenantID, limit int64) (bool, error) {
	const op = "store.RefreshActionUses"
	if _, err := t.exec(ctx, op, `INSERT INTO audit_action_marks (tenant_id, through_seq) VALUES ($1, 0)
		ON CONFLICT (tenant_id) DO NOTHING`, tenantID); err != nil {
		return false, err
	}
	lock := ""
	if t.engine == Postgres {
		lock = ` FOR UPDATE`
	}
	var from int64
	if err := t.tx.QueryRowContext(ctx, `SELECT through_seq FROM audit_action_marks WHERE tenant_id = $1`+lock, tenantID).Scan(&from); err != nil {
		return false, errs.Wrap(t.classify(err, op), op)
	}
	head, _, err := t.AuditHead(ctx, tenantID)
	if err != nil || head <= from {
		return true, err
	}
	to := min(head, from+limit)
	// System entries (actor 0) are nobody's use.
	if _, err := t.exec(ctx, op, `INSERT INTO audit_action_uses (tenant_id, actor_id, action, last_at)
		SELECT tenant_id, actor_id, action, MAX(at) FROM audit_events
		WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 AND actor_id <> 0
		GROUP BY tenant_id, actor_id, action
		ON CONFLICT (tenant_id, actor_id, action) DO UPDATE SET last_at =
			CASE WHEN excluded.last_at > audit_action_uses.last_at THEN excluded.last_at ELSE audit_action_uses.last_at END`,
		tenantID, from, to); err != nil {
		return false, err
	}
	if _, err := t.exec(ctx, op, `UPDATE audit_action_marks SET through_seq = $2 WHERE tenant_id = $1`, tenantID, to); err != nil {
		return false, err
	}
	return to == head, nil
}

// TenantsToFold lists the tenants whose trail has entries past their fold
// mark, in one read: the fold job visits only those.
func (t *Tx) TenantsToFold(ctx context.Context) ([]int64, error) {
	rows, err := t.query(ctx, "store.TenantsToFold", `SELECT h.tenant_id FROM audit_heads h
		LEFT JOIN audit_action_marks m ON m.tenant_id = h.tenant_id
		WHERE h.seq > COALESCE(m.through_seq, 0) ORDER BY h.tenant_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, errs.Wrap(err, "store.TenantsToFold")
		}
		out = append(out, id)
	}
	return out, errs.Wrap(rows.Err(), "store.TenantsToFold")
}
