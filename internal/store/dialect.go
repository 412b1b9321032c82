package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"steward/internal/errs"
)

// The seam between SQLite and PostgreSQL: constraint errors and
// case-insensitive matching. Everything else is the same SQL.

// SQLite extended result codes and PostgreSQL SQLSTATEs for constraints.
const (
	sqliteUnique     = 2067
	sqlitePrimaryKey = 1555
	sqliteForeignKey = 787
	pgUnique         = "23505"
	pgForeignKey     = "23503"
)

// classify maps driver errors to Steward errors: unique violations become
// conflicts and foreign-key violations invalid references; anything else
// is internal and keeps its cause for the log.
func (t *Tx) classify(err error, op string) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqliteUnique, sqlitePrimaryKey:
			return &errs.Error{Kind: errs.Conflict, Code: "already_exists", Message: "a record with the same unique value already exists", Cause: err}
		case sqliteForeignKey:
			return &errs.Error{Kind: errs.Invalid, Code: "invalid_reference", Message: "a referenced record does not exist", Cause: err}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgUnique:
			return &errs.Error{Kind: errs.Conflict, Code: "already_exists", Message: "a record with the same unique value already exists", Cause: err}
		case pgForeignKey:
			return &errs.Error{Kind: errs.Invalid, Code: "invalid_reference", Message: "a referenced record does not exist", Cause: err}
		}
	}
	return errs.Wrap(err, op)
}

// like returns the case-insensitive LIKE operator of the engine (SQLite's
// LIKE already ignores ASCII case).
func (t *Tx) like() string {
	if t.engine == Postgres {
		return "ILIKE"
	}
	return "LIKE"
}

// likePattern escapes a user's search text for a LIKE ... ESCAPE '\' match.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// bytewise makes a text comparison compare bytes, as Go strings do:
// SQLite's default collation already does; PostgreSQL's follows the locale.
func (t *Tx) bytewise() string {
	if t.engine == Postgres {
		return ` COLLATE "C"`
	}
	return ""
}

// inIDs renders "col is one of the ids in param", the parameter being
// idsParam(ids): one statement and one round trip for any number of ids,
// where IN lists of literals made a new statement text per batch. On
// PostgreSQL an array, which the planner can scan in order or match in
// parallel; on SQLite the rows of a JSON array.
func (t *Tx) inIDs(col, param string) string {
	if t.engine == Postgres {
		return col + ` = ANY(` + param + `::bigint[])`
	}
	return col + ` IN (SELECT value FROM json_each(` + param + `))`
}

// idsParam renders ids as the parameter of inIDs: a PostgreSQL array
// literal or a JSON array.
func (t *Tx) idsParam(ids []int64) string {
	if t.engine == Postgres {
		return "{" + inList(ids) + "}"
	}
	return "[" + inList(ids) + "]"
}
