package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"steward/internal/errs"
)

//go:embed migrations
var migrations embed.FS

// Migration is one numbered schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists an engine's embedded migrations in order.
func Migrations(e Engine) ([]Migration, error) {
	dir := "migrations/" + string(e)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, errs.Wrap(err, "store.migrations")
	}
	var out []Migration
	for _, ent := range entries {
		name := ent.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, errs.Wrap(fmt.Errorf("bad migration file name %q", name), "store.migrations")
		}
		b, err := fs.ReadFile(migrations, dir+"/"+name)
		if err != nil {
			return nil, errs.Wrap(err, "store.migrations")
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// migrationSteps are the parts of migrations that SQL cannot do, run in
// the migration's transaction right after its SQL.
var migrationSteps = map[int]func(*Tx, context.Context) error{
	8:  (*Tx).rebuildAllRuleMatches, // evaluate existing sharing rules into sharing_rule_matches
	9:  (*Tx).presetFieldRules,      // give existing preset roles their field rules
	16: (*Tx).presetDutyRoles,       // give existing tenants the 三员分立 administrator roles
	26: (*Tx).nameTrigramIndex,      // PostgreSQL: the trigram index on customer names
}

// nameTrigramIndex gives customers on PostgreSQL a trigram index on name
// (migration 0026). pg_trgm is a trusted extension (PostgreSQL 13 on): the
// database's owner may create it. It is made in public, once per database,
// and the index names the schema it is found in, wherever an earlier
// install put it. Where the extension may not be created, names are
// searched without the index, as before.
func (t *Tx) nameTrigramIndex(ctx context.Context) error {
	if t.engine != Postgres {
		return nil
	}
	if _, err := t.tx.ExecContext(ctx, `SAVEPOINT trgm`); err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public`); err != nil {
		_, rerr := t.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT trgm`)
		return rerr
	}
	var schema string
	if err := t.tx.QueryRowContext(ctx, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname = 'pg_trgm'`).Scan(&schema); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `CREATE INDEX customers_name_trgm ON customers USING gin (name "`+strings.ReplaceAll(schema, `"`, `""`)+`".gin_trgm_ops)`)
	return err
}

// Migrate applies every migration not yet recorded, each in its own
// transaction, then the job queue's (jobqueue.go), and returns how many it
// applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	ms, err := Migrations(db.Engine)
	if err != nil {
		return 0, err
	}
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, errs.Wrap(err, "store.migrate")
	}
	applied := 0
	for _, m := range ms {
		err := db.Write(ctx, func(tx *Tx) error {
			if db.Engine == Postgres {
				// Several app nodes may start at once; one migrates, the others wait.
				if _, err := tx.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7361)`); err != nil {
					return errs.Wrap(err, "store.migrate")
				}
			}
			var n int
			if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
				return errs.Wrap(err, "store.migrate")
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.tx.ExecContext(ctx, m.SQL); err != nil {
				return errs.Wrap(fmt.Errorf("%s: %w", m.Name, err), "store.migrate")
			}
			if step := migrationSteps[m.Version]; step != nil {
				if err := step(tx, ctx); err != nil {
					return errs.Wrap(fmt.Errorf("%s: %w", m.Name, err), "store.migrate")
				}
			}
			applied++
			_, err := tx.tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, time.Now().UnixMicro())
			return errs.Wrap(err, "store.migrate")
		})
		if err != nil {
			return applied, err
		}
	}
	n, err := db.migrateJobQueue(ctx)
	return applied + n, err
}
