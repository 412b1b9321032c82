package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// tunePostgres gives the session's index builds more memory than the
// server's default, so that each sorts in memory in one pass.
func (b *BulkLoad) tunePostgres(ctx context.Context) error {
	if _, err := b.conn.ExecContext(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
		return err
	}
	b.restore = append(b.restore, `RESET maintenance_work_mem`)
	return nil
}

// reservePostgres moves the table's identity sequence past n ids and
// returns the first of them. The table lock makes other inserts (which take
// their ids from the sequence) wait for the moment of the reservation, so
// no other writer can draw an id from the block; after it, the sequence is
// already past every id this load will write.
func (b *BulkLoad) reservePostgres(ctx context.Context, table string, n int) (int64, error) {
	tx, err := b.conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `LOCK TABLE `+table+` IN EXCLUSIVE MODE`); err != nil {
		return 0, err
	}
	seq := `pg_get_serial_sequence('` + table + `', 'id')`
	var first int64
	if err := tx.QueryRowContext(ctx, `SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM `+table+`),
		COALESCE(pg_sequence_last_value(`+seq+`::regclass), 0)) + 1`).Scan(&first); err != nil {
		return 0, err
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `SELECT setval(`+seq+`, $1)`, first+int64(n)-1); err != nil {
			return 0, err
		}
	}
	return first, tx.Commit()
}

// copyRows writes the rows with one COPY, through pgx's connection under
// database/sql.
func (b *BulkLoad) copyRows(ctx context.Context, t bulkTable, vals []any) error {
	width := len(t.cols)
	rows := pgx.CopyFromSlice(len(vals)/width, func(i int) ([]any, error) {
		return vals[i*width : (i+1)*width], nil
	})
	return b.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres driver connection is %T, not pgx", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, rows)
		return err
	})
}
