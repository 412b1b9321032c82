package store

import (
	"context"
	"database/sql"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
)

// listStmts keeps the list queries of recently active users prepared on
// SQLite's read pool. A permission-filtered page is one statement of a
// dozen branches whose text is the same on every request of a user (ids
// are literals, the decision time a parameter), and modernc.org/sqlite
// parses and plans it anew on every call: more than half of a page (the
// reference team manager: 6.4 ms unprepared, 2.6 ms prepared). PostgreSQL
// needs none of this: pgx keeps its own statement cache per connection.
//
// As with stmtCache, a statement is never prepared from inside a
// transaction (the pool may have no free connection for it): a miss is
// noted and prepared after the transaction has ended. Evicted statements
// are closed; database/sql defers closing them on a connection in use, and
// a transaction that finds its statement closed runs the text unprepared.
type listStmts struct {
	pool    *sql.DB
	entries *lru.Cache[string, *sql.Stmt]
	mu      sync.Mutex
	wanted  map[string]bool
}

// listStmtsSize bounds the cache: a prepared page statement of a dozen
// branches holds some tens of kilobytes on each read connection.
const listStmtsSize = 128

func newListStmts(pool *sql.DB) *listStmts {
	c, err := lru.NewWithEvict[string, *sql.Stmt](listStmtsSize, func(_ string, st *sql.Stmt) { _ = st.Close() })
	if err != nil {
		panic(err) // only for a size below one
	}
	return &listStmts{pool: pool, entries: c, wanted: map[string]bool{}}
}

// query runs q prepared when it is cached, else unprepared, noting it.
func (c *listStmts) query(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	if st, ok := c.entries.Get(q); ok {
		rows, err := tx.StmtContext(ctx, st).QueryContext(ctx, args...)
		if err == nil || err.Error() != stmtClosed {
			return rows, err
		}
		// Evicted between the lookup and its use: run it as text.
	} else {
		c.mu.Lock()
		if len(c.wanted) < listStmtsSize {
			c.wanted[q] = true
		}
		c.mu.Unlock()
	}
	return tx.QueryContext(ctx, q, args...)
}

// stmtClosed is the error database/sql gives for a closed statement; it
// exports no value for it.
const stmtClosed = "sql: statement is closed"

// prepareWanted prepares the texts noted since the last call. It must be
// called holding no connection of the pool.
func (c *listStmts) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	qs := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		qs = append(qs, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range qs {
		if c.entries.Contains(q) {
			continue
		}
		st, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			continue // it runs unprepared, as it always may
		}
		if ok, _ := c.entries.ContainsOrAdd(q, st); ok {
			_ = st.Close()
		}
	}
}

func (c *listStmts) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.wanted) > 0
}

func (c *listStmts) close() { c.entries.Purge() }
