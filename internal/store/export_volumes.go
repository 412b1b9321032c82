package store

import (
	"context"
	"time"

	"steward/internal/errs"
)

// ExportDayCount is how many of a tenant's exports were asked for on one
// UTC day and are now in one state, with the rows written to their files.
type ExportDayCount struct {
	Day         time.Time // midnight UTC
	Status      string
	Exports     int
	RowsWritten int64
}

// microsPerDay turns a stored time into its UTC day by integer division,
// which SQLite and PostgreSQL both do on BIGINT: no date function of
// either engine is needed.
// The divisor is a literal, so that both engines see the same expression
// in SELECT and GROUP BY.
const (
	microsPerDay = int64(24 * time.Hour / time.Microsecond)
	dayDivisor   = "86400000000"
)

// ExportDayCounts counts the tenant's exports asked for at or after since,
// per UTC day and state, oldest day first. The sum is cast because
// PostgreSQL sums BIGINT into NUMERIC.
func (t *Tx) ExportDayCounts(ctx context.Context, tenantID int64, since time.Time) ([]ExportDayCount, error) {
	rows, err := t.query(ctx, "store.ExportDayCounts", `SELECT created_at / `+dayDivisor+` AS day, status, COUNT(*),
		CAST(COALESCE(SUM(rows_written), 0) AS BIGINT)
		FROM exports WHERE tenant_id = $1 AND created_at >= $2
		GROUP BY created_at / `+dayDivisor+`, status ORDER BY day, status`, tenantID, Micros(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ExportDayCount{}
	for rows.Next() {
		var c ExportDayCount
		var day int64
		if err := rows.Scan(&day, &c.Status, &c.Exports, &c.RowsWritten); err != nil {
			return nil, errs.Wrap(err, "store.ExportDayCounts")
		}
		c.Day = FromMicros(day * microsPerDay)
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "store.ExportDayCounts")
}
