package store

import (
	"context"
	"database/sql"
	"strings"
)

// sqliteMaxParams is SQLite's bound on parameters per statement
// (SQLITE_MAX_VARIABLE_NUMBER, 32766 since 3.32).
const sqliteMaxParams = 32766

// sqliteBulkPragmas tune the load's connection. A larger page cache keeps
// the index rebuild's sorts in memory: measured with the reference tenant,
// 128 MiB builds the indexes in 9 s where 32 MiB takes 11 s, and 256 MiB
// gains nothing more. synchronous=OFF, temp_store=MEMORY and sorter threads
// were tried too and gained nothing (WAL already syncs only at checkpoints),
// so the file's durability settings stay as they are.
var sqliteBulkPragmas = []struct{ name, value string }{
	{"cache_size", "-131072"}, // KiB: 128 MiB
}

// tuneSQLite applies the bulk pragmas to the connection and remembers the
// values to restore, since the connection returns to the writer pool.
func (b *BulkLoad) tuneSQLite(ctx context.Context) error {
	for _, p := range sqliteBulkPragmas {
		var cur string
		if err := b.conn.QueryRowContext(ctx, `PRAGMA `+p.name).Scan(&cur); err != nil {
			return err
		}
		b.restore = append(b.restore, `PRAGMA `+p.name+` = `+cur)
		if _, err := b.conn.ExecContext(ctx, `PRAGMA `+p.name+` = `+p.value); err != nil {
			return err
		}
	}
	// Checkpoints keep the WAL near one batch's size but never shrink the
	// file; truncate it once the load is over.
	b.restore = append(b.restore, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return nil
}

// reserveSQLite returns the id after the table's largest. SQLite gives a
// new row the largest id plus one, so the block stays free as long as this
// load is the only writer (it holds the writer connection of this process).
func (b *BulkLoad) reserveSQLite(ctx context.Context, table string) (int64, error) {
	var first int64
	err := b.conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+table).Scan(&first)
	return first, err
}

// insertRows writes the rows in one transaction, as multi-row INSERTs of as
// many rows as the parameter bound allows, each statement prepared once.
func (b *BulkLoad) insertRows(ctx context.Context, t bulkTable, vals []any) error {
	tx, err := b.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := insertChunks(ctx, tx, t, vals, sqliteMaxParams/len(t.cols)); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func insertChunks(ctx context.Context, tx *sql.Tx, t bulkTable, vals []any, per int) error {
	width := len(t.cols)
	var stmt *sql.Stmt
	stmtRows := 0
	for len(vals) > 0 {
		n := min(per, len(vals)/width)
		if n != stmtRows {
			var err error
			if stmt, err = tx.PrepareContext(ctx, insertSQL(t, n)); err != nil {
				return err
			}
			defer stmt.Close()
			stmtRows = n
		}
		if _, err := stmt.ExecContext(ctx, vals[:n*width]...); err != nil {
			return err
		}
		vals = vals[n*width:]
	}
	return nil
}

// insertSQL is INSERT INTO t (cols) VALUES (?, ...), (...) for n rows.
// Unlike the rest of the store it uses anonymous ? parameters: SQLite finds
// the name of a numbered parameter ($7) by a linear search, and the driver
// asks for every parameter's name, which made binding 30,000 numbered
// parameters quadratic (a hundred times slower in all).
func insertSQL(t bulkTable, n int) string {
	row := "(" + strings.Repeat("?,", len(t.cols)-1) + "?)"
	var s strings.Builder
	s.WriteString(`INSERT INTO ` + t.name + ` (` + strings.Join(t.cols, ", ") + `) VALUES `)
	for r := range n {
		if r > 0 {
			s.WriteByte(',')
		}
		s.WriteString(row)
	}
	return s.String()
}
