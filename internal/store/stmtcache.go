package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements for a few hot queries on a pool, so
// that they are parsed once per connection instead of on every call (with
// modernc.org/sqlite, parsing is about a quarter of a short write's CPU).
//
// A statement is prepared on the *sql.DB, which borrows a connection. On
// SQLite the writer pool has exactly one, held by any open transaction, so
// preparing from inside a transaction would wait for itself forever. Hence
// a query is only noted when a transaction first asks for it, and prepared
// after that transaction has ended (DB.Write, holding no connection);
// transactions use it through tx.StmtContext, which reuses the statement
// already prepared on their connection or prepares it there.
type stmtCache struct {
	pool      *sql.DB
	mu        sync.Mutex
	ready     map[string]*sql.Stmt
	wanted    map[string]bool
	preparing bool // one prepareWanted at a time
	failures  int
}

// maxCachedStmts bounds the cache; only fixed query texts belong in it.
const maxCachedStmts = 64

// maxPrepareFailures stops retrying a prepare that keeps failing.
const maxPrepareFailures = 8

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, ready: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// lookup returns the prepared statement for q, or nil after noting that q
// is wanted.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.ready[q]; st != nil {
		return st
	}
	if len(c.ready)+len(c.wanted) < maxCachedStmts {
		c.wanted[q] = true
	}
	return nil
}

// prepareWanted prepares the queries noted since the last call. It must be
// called holding no connection of the pool, and it holds no lock while it
// waits for one: a transaction holding the connection may be in lookup.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	if c.preparing || c.failures >= maxPrepareFailures {
		c.mu.Unlock()
		return
	}
	c.preparing = true
	qs := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		qs = append(qs, q)
	}
	clear(c.wanted)
	c.mu.Unlock()

	ready := map[string]*sql.Stmt{}
	failed := 0
	for _, q := range qs {
		st, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			// Not fatal: the query runs unprepared, as it always may, and
			// is noted again the next time it runs.
			if ctx.Err() == nil {
				failed++
			}
			continue
		}
		ready[q] = st
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.preparing = false
	c.failures += failed
	for q, st := range ready {
		if c.ready[q] != nil {
			_ = st.Close()
			continue
		}
		c.ready[q] = st
		delete(c.wanted, q)
	}
}

// pending reports whether prepareWanted has work to do.
func (c *stmtCache) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.wanted) > 0 && !c.preparing && c.failures < maxPrepareFailures
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.ready {
		_ = st.Close()
	}
	clear(c.ready)
}

// stmt returns q as a statement of this transaction if it has been
// prepared, else nil (the caller runs q unprepared, and the cache prepares
// it after the transaction).
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	st := t.stmts.lookup(q)
	if st == nil {
		return nil
	}
	return t.tx.StmtContext(ctx, st)
}

// execCached is exec for a fixed, hot query.
func (t *Tx) execCached(ctx context.Context, op, q string, args ...any) (sql.Result, error) {
	st := t.stmt(ctx, q)
	if st == nil {
		return t.exec(ctx, op, q, args...)
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return nil, t.classify(err, op)
	}
	return res, nil
}

// rowCached is QueryRow for a fixed, hot query.
func (t *Tx) rowCached(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}
