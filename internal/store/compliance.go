package store

import (
	"context"
	"time"

	"steward/internal/errs"
)

// What a compliance report reads of the audit trail, aggregated in the
// database: one index range of the trail's (tenant_id, at) key for the
// period, grouped, rather than every entry carried to Go.

// DayCount is how many entries of one action a day of the period holds.
type DayCount struct {
	Day    time.Time
	Action string
	N      int
}

// AuditDayCounts counts the tenant's entries in [from, to) per UTC day
// and action.
func (t *Tx) AuditDayCounts(ctx context.Context, tenantID int64, from, to time.Time) ([]DayCount, error) {
	const day = int64(24 * time.Hour / time.Microsecond)
	rows, err := t.query(ctx, "store.AuditDayCounts", `SELECT at / `+itoa64(day)+` AS d, action, COUNT(*) FROM audit_events
		WHERE tenant_id = $1 AND at >= $2 AND at < $3 GROUP BY at / `+itoa64(day)+`, action ORDER BY d, action`,
		tenantID, Micros(from), Micros(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayCount
	for rows.Next() {
		var c DayCount
		var d int64
		if err := rows.Scan(&d, &c.Action, &c.N); err != nil {
			return nil, errs.Wrap(err, "store.AuditDayCounts")
		}
		c.Day = FromMicros(d * day)
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "store.AuditDayCounts")
}

// ActorCount is how many entries of one action one actor has in a period,
// with one of the details the entries carry (empty unless asked for).
type ActorCount struct {
	ActorID int64  `json:"actor_id"`
	Action  string `json:"action"`
	Outcome string `json:"outcome"`
	Details string `json:"details,omitempty"`
	N       int    `json:"count"`
}

// AuditActorCounts counts the tenant's entries of the actions in [from,
// to) per user, action and outcome: per actor, or with bySubject per the
// user the entry is about (a failed sign-in's account: its actor is the
// system). withDetails also splits them by their details (for entries
// whose details are a short fixed set, such as a failed sign-in's reason).
func (t *Tx) AuditActorCounts(ctx context.Context, tenantID int64, from, to time.Time, actions []string, bySubject, withDetails bool) ([]ActorCount, error) {
	if len(actions) == 0 {
		return nil, nil
	}
	args := []any{tenantID, Micros(from), Micros(to)}
	in := ""
	for i, a := range actions {
		if i > 0 {
			in += ", "
		}
		args = append(args, a)
		in += "$" + itoa(len(args))
	}
	details, group := `''`, ``
	if withDetails {
		details, group = `details`, `, details` // PostgreSQL groups by no constant
	}
	who := `actor_id`
	if bySubject {
		who = `COALESCE(subject_user, 0)`
	}
	rows, err := t.query(ctx, "store.AuditActorCounts", `SELECT `+who+`, action, outcome, `+details+`, COUNT(*) FROM audit_events
		WHERE tenant_id = $1 AND at >= $2 AND at < $3 AND action IN (`+in+`)
		GROUP BY `+who+`, action, outcome`+group+` ORDER BY 1, 2, 3`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ActorCount
	for rows.Next() {
		var c ActorCount
		if err := rows.Scan(&c.ActorID, &c.Action, &c.Outcome, &c.Details, &c.N); err != nil {
			return nil, errs.Wrap(err, "store.AuditActorCounts")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "store.AuditActorCounts")
}

// GrantCounts counts each user's unexpired record-team places and user
// shares.
func (t *Tx) GrantCounts(ctx context.Context, tenantID int64, now time.Time) (team, shares map[int64]int, err error) {
	team, shares = map[int64]int{}, map[int64]int{}
	for _, q := range []struct {
		sql string
		m   map[int64]int
	}{
		{`SELECT user_id, COUNT(*) FROM customer_team WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > $2) GROUP BY user_id`, team},
		{`SELECT principal_id, COUNT(*) FROM customer_shares WHERE tenant_id = $1 AND principal_type = 'user'
			AND (expires_at IS NULL OR expires_at > $2) GROUP BY principal_id`, shares},
	} {
		rows, err := t.query(ctx, "store.GrantCounts", q.sql, tenantID, Micros(now))
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, nil, errs.Wrap(err, "store.GrantCounts")
			}
			q.m[id] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, errs.Wrap(err, "store.GrantCounts")
		}
	}
	return team, shares, nil
}
