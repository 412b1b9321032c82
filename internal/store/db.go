// Package store is Steward's only SQL: one file per concept, plain queries
// that run unchanged on SQLite and PostgreSQL (both take $1 placeholders and
// RETURNING), and a narrow seam (dialect.go) for the few places they differ.
// The service layer is its only caller and owns every transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite" (pure Go, no cgo)

	"steward/internal/errs"
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open Steward database. SQLite gets two pools: one connection for
// writers (SQLite admits one writer at a time; taking the write lock at BEGIN
// avoids deadlocks between upgrading readers) and several for readers, whose
// deferred transactions never take the write lock.
type DB struct {
	Engine Engine
	write  *sql.DB
	read   *sql.DB
	stmts  *stmtCache // hot statements of write transactions
	lists  *listStmts // SQLite only: prepared list queries of read transactions
	sealer Sealer     // seals sensitive columns; nil: they are stored as given (sealing.go)
}

// Open connects to a database named by DSN: "sqlite:PATH" or
// "postgres://...". It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	}
	return nil, errs.Field("db", "invalid_dsn", "db must be sqlite:PATH or postgres://...")
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errs.Field("db", "invalid_dsn", "sqlite: needs a file path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, errs.Wrap(err, "store.open")
		}
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	base := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, errs.Wrap(err, "store.open")
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", base)
	if err != nil {
		return nil, errs.Wrap(err, "store.open")
	}
	r.SetMaxOpenConns(4)
	db := &DB{Engine: SQLite, write: w, read: r, stmts: newStmtCache(w), lists: newListStmts(r)}
	return db, db.ping(ctx)
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, errs.Wrap(err, "store.open")
	}
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(20)
	p.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{Engine: Postgres, write: p, read: p, stmts: newStmtCache(p)}
	return db, db.ping(ctx)
}

func (db *DB) ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return errs.Wrap(err, "store.ping")
	}
	return nil
}

// Close releases the database.
func (db *DB) Close() error {
	db.stmts.close()
	if db.lists != nil {
		db.lists.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Tx is one unit of work. All queries run through it.
type Tx struct {
	tx     *sql.Tx
	engine Engine
	stmts  *stmtCache // nil in read transactions
	lists  *listStmts // nil but in SQLite read transactions
	after  []func()   // run once the transaction has committed
	memo   map[any]any
	sealer Sealer
}

// AfterCommit runs f once the transaction has committed, and never if it
// rolls back: for what may only be remembered of committed data, such as a
// cache of keys this transaction made.
func (t *Tx) AfterCommit(f func()) { t.after = append(t.after, f) }

// Memo returns what SetMemo kept under key in this transaction.
func (t *Tx) Memo(key any) (any, bool) {
	v, ok := t.memo[key]
	return v, ok
}

// SetMemo keeps v under key for the rest of this transaction (and of any
// run of it again, which starts afresh).
func (t *Tx) SetMemo(key, v any) {
	if t.memo == nil {
		t.memo = map[any]any{}
	}
	t.memo[key] = v
}

// Write runs fn in a read-write transaction, committing if it returns nil.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	return db.writeTx(ctx, fn, false)
}

// WriteRestartable is Write for a fn that may run more than once: on
// PostgreSQL a transaction aborted by a deadlock or serialization conflict
// runs again (retry.go). fn must start afresh each time: no state captured
// from outside that it adds to, appends to or writes into.
func (db *DB) WriteRestartable(ctx context.Context, fn func(*Tx) error) error {
	return db.writeTx(ctx, fn, true)
}

func (db *DB) writeTx(ctx context.Context, fn func(*Tx) error, restartable bool) error {
	var err error
	if restartable {
		err = withRetry(ctx, func() error { return db.run(ctx, db.write, false, fn, sql.LevelDefault) })
	} else {
		err = db.run(ctx, db.write, false, fn, sql.LevelDefault)
	}
	if db.stmts.pending() {
		// Outside the transaction: preparing borrows a connection.
		db.stmts.prepareWanted(ctx)
	}
	return err
}

// Read runs fn in a read-only transaction.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.read1(ctx, sql.LevelDefault, fn)
}

// ReadSnapshot is Read where every statement sees the same snapshot, for
// a reader that puts rows of several tables and the audit trail together
// (PostgreSQL's REPEATABLE READ; a SQLite read transaction already is one).
func (db *DB) ReadSnapshot(ctx context.Context, fn func(*Tx) error) error {
	return db.read1(ctx, sql.LevelRepeatableRead, fn)
}

func (db *DB) read1(ctx context.Context, level sql.IsolationLevel, fn func(*Tx) error) error {
	err := db.run(ctx, db.read, true, fn, level)
	if db.lists != nil && db.lists.pending() {
		db.lists.prepareWanted(ctx) // outside the transaction, as in Write
	}
	return err
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*Tx) error, level sql.IsolationLevel) error {
	opts := &sql.TxOptions{ReadOnly: readOnly && db.Engine == Postgres}
	if db.Engine == Postgres {
		opts.Isolation = level
	}
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return errs.Wrap(err, "store.begin")
	}
	// The deferred rollback also covers a panic in fn, which would otherwise
	// keep SQLite's single writer connection forever. After a commit it is a no-op.
	defer func() { _ = tx.Rollback() }()
	t := &Tx{tx: tx, engine: db.Engine, sealer: db.sealer}
	if !readOnly {
		t.stmts = db.stmts
	} else {
		t.lists = db.lists
	}
	if err := fn(t); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return errs.Wrap(err, "store.commit")
	}
	for _, f := range t.after {
		f()
	}
	return nil
}

func (t *Tx) exec(ctx context.Context, op, q string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return nil, t.classify(err, op)
	}
	return res, nil
}

// queryList is query for a permission-filtered list, prepared from the
// second call on SQLite (listcache.go).
func (t *Tx) queryList(ctx context.Context, op, q string, args ...any) (*sql.Rows, error) {
	if t.lists == nil {
		return t.query(ctx, op, q, args...)
	}
	rows, err := t.lists.query(ctx, t.tx, q, args...)
	if err != nil {
		return nil, t.classify(err, op)
	}
	return rows, nil
}

func (t *Tx) query(ctx context.Context, op, q string, args ...any) (*sql.Rows, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, t.classify(err, op)
	}
	return rows, nil
}

// insert runs an INSERT ... RETURNING id and returns the id.
func (t *Tx) insert(ctx context.Context, op, q string, args ...any) (int64, error) {
	var id int64
	if err := t.tx.QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id); err != nil {
		return 0, t.classify(err, op)
	}
	return id, nil
}

// one scans a single row; no row becomes a not-found error naming what.
func (t *Tx) one(ctx context.Context, op, what, q string, args []any, dest ...any) error {
	err := t.tx.QueryRowContext(ctx, q, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotVisible(what)
	}
	if err != nil {
		return t.classify(err, op)
	}
	return nil
}

// notFound turns sql.ErrNoRows from a Scan into a not-found error naming what.
func (t *Tx) notFound(err error, op, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotVisible(what)
	}
	return t.classify(err, op)
}

// affected turns "no row changed" into a not-found error naming what.
func affected(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return errs.Wrap(err, "store.affected")
	}
	if n == 0 {
		return errs.NotVisible(what)
	}
	return nil
}

// Micros and FromMicros convert times to and from the stored form.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// FromMicros converts a stored time back to UTC.
func FromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := FromMicros(v.Int64)
	return &t
}

func int64Ptr(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func nullID(p *int64) any {
	if p == nil || *p == 0 {
		return nil
	}
	return *p
}
