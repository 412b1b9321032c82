package store

import (
	"context"
	"database/sql"
	"log/slog"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"steward/internal/errs"
)

// JobDriver returns the River driver over this database, for the job queue
// (internal/jobs) and its migrations. River keeps its own tables (river_job,
// river_leader, ...) beside Steward's and writes them with its own SQL, so
// it gets a connection pool, not a Tx:
//
//   - on SQLite, the writer pool. It has one connection, which is what
//     River's SQLite driver asks for (its operations would otherwise meet
//     SQLITE_BUSY), and every River transaction then takes the write lock at
//     BEGIN like Steward's own. River's statements are short, and jobs call
//     the service, which borrows the same connection per transaction.
//   - on PostgreSQL, the one pool, through database/sql. Its DSN's
//     search_path decides the schema River's unqualified tables live in,
//     exactly as for Steward's (the tests give each test its own schema).
//     database/sql cannot LISTEN, so River runs polling only.
//
// Nothing else should reach the pool through the driver: Steward's own SQL
// goes through Write and Read.
func (db *DB) JobDriver() riverdriver.Driver[*sql.Tx] {
	if db.Engine == SQLite {
		return riversqlite.New(db.write)
	}
	return riverdatabasesql.New(db.write)
}

// migrateJobQueue applies River's own migrations, embedded in its driver,
// after Steward's: every path to a working database (serve, migrate, init,
// the tests' storetest.Open) goes through Migrate, so none can start a job
// queue on tables that are not there. It returns how many it applied.
func (db *DB) migrateJobQueue(ctx context.Context) (int, error) {
	m, err := rivermigrate.New(db.JobDriver(), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, errs.Wrap(err, "store.migrateJobQueue")
	}
	if db.Engine == Postgres {
		// River's migrator takes no lock of its own, and runs each step in
		// its own transaction on the pool. Several nodes starting at once
		// hold the same lock as Steward's migrations, in a transaction of
		// its own on another connection, until River's steps are done.
		lock, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return 0, errs.Wrap(err, "store.migrateJobQueue")
		}
		defer func() { _ = lock.Rollback() }()
		if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7361)`); err != nil {
			return 0, errs.Wrap(err, "store.migrateJobQueue")
		}
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return 0, errs.Wrap(err, "store.migrateJobQueue")
	}
	return len(res.Versions), nil
}
