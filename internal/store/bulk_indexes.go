package store

import (
	"context"
	"regexp"
	"strings"

	"steward/internal/errs"
)

// indexDef is one secondary index, as its migration creates it.
type indexDef struct {
	name, table, sql string
}

var (
	createIndexRE = regexp.MustCompile(`(?is)^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+ON\s+(\w+)`)
	dropIndexRE   = regexp.MustCompile(`(?is)^DROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?(\w+)`)
)

// bulkIndexes returns the indexes on customers and contacts that the
// engine's migrations leave, with the very statements that created them:
// the migrations stay the one place that defines an index, and a rebuilt
// index is the same as a migrated one.
func bulkIndexes(e Engine) ([]indexDef, error) {
	ms, err := Migrations(e)
	if err != nil {
		return nil, err
	}
	var defs []indexDef
	for _, m := range ms {
		for _, stmt := range strings.Split(stripComments(m.SQL), ";") {
			stmt = strings.TrimSpace(stmt)
			if c := createIndexRE.FindStringSubmatch(stmt); c != nil && (c[2] == "customers" || c[2] == "contacts") {
				defs = append(defs, indexDef{name: c[1], table: c[2], sql: stmt})
			} else if d := dropIndexRE.FindStringSubmatch(stmt); d != nil {
				defs = removeIndex(defs, d[1])
			}
		}
	}
	return defs, nil
}

func removeIndex(defs []indexDef, name string) []indexDef {
	out := defs[:0]
	for _, d := range defs {
		if d.name != name {
			out = append(out, d)
		}
	}
	return out
}

// stripComments drops "--" comments, which the migrations use only outside
// string literals.
func stripComments(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if j := strings.Index(l, "--"); j >= 0 {
			lines[i] = l[:j]
		}
	}
	return strings.Join(lines, "\n")
}

// dropIndexes drops the customers and contacts indexes when the load will
// at least double the customers: building an index once, by sorting, costs
// a third of updating it row by row (docs/benchmarks.md), but not when the
// table already holds more than the load adds. Either way it notes every
// index that is absent, so that BuildIndexes also restores those a killed
// earlier load left dropped.
func (b *BulkLoad) dropIndexes(ctx context.Context, plan BulkPlan) error {
	defs, err := bulkIndexes(b.db.Engine)
	if err != nil {
		return err
	}
	drop, err := b.worthDropping(ctx, plan)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if !drop {
			ok, err := b.indexExists(ctx, d.name)
			if err != nil {
				return errs.Wrap(err, "store.bulk.dropIndexes")
			}
			if !ok {
				b.dropped = append(b.dropped, d)
			}
			continue
		}
		if _, err := b.conn.ExecContext(ctx, `DROP INDEX IF EXISTS `+d.name); err != nil {
			return errs.Wrap(err, "store.bulk.dropIndexes")
		}
		b.dropped = append(b.dropped, d)
	}
	return nil
}

// worthDropping reports whether the table holds fewer customers than the
// plan adds (counting no further than that).
func (b *BulkLoad) worthDropping(ctx context.Context, plan BulkPlan) (bool, error) {
	if plan.Customers == 0 {
		return false, nil
	}
	var n int
	err := b.conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM customers LIMIT $1) AS c`, plan.Customers).Scan(&n)
	return n < plan.Customers, errs.Wrap(err, "store.bulk.worthDropping")
}

func (b *BulkLoad) indexExists(ctx context.Context, name string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1`
	if b.db.Engine == Postgres {
		q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`
	}
	var n int
	err := b.conn.QueryRowContext(ctx, q, name).Scan(&n)
	return n > 0, err
}

// BuildIndexes creates the indexes BeginBulk dropped or found absent.
func (b *BulkLoad) BuildIndexes(ctx context.Context) error {
	for len(b.dropped) > 0 {
		if _, err := b.conn.ExecContext(ctx, b.dropped[0].sql); err != nil {
			return errs.Wrap(err, "store.bulk.BuildIndexes")
		}
		b.dropped = b.dropped[1:]
	}
	return nil
}

// Analyze refreshes the planner's statistics of the loaded tables, which
// the load has changed beyond recognition.
func (b *BulkLoad) Analyze(ctx context.Context) error {
	for _, t := range []string{"departments", "users", "role_assignments", "customers", "contacts"} {
		if _, err := b.conn.ExecContext(ctx, `ANALYZE `+t); err != nil {
			return errs.Wrap(err, "store.bulk.Analyze")
		}
	}
	return nil
}
