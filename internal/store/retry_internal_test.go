package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Two transactions that lock the same two rows in opposite orders
// deadlock; PostgreSQL aborts one, and Write runs it again, so both
// changes land exactly once and neither caller sees an error. A failure
// that running again cannot mend (a unique violation) is not retried.
func TestWriteRetriesDeadlock(t *testing.T) {
	base := os.Getenv("STEWARD_TEST_POSTGRES")
	if base == "" {
		t.Skip("STEWARD_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`) }()
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	db, err := Open(ctx, base+sep+"search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "test", `CREATE TABLE dl (id INT PRIMARY KEY, n INT NOT NULL); INSERT INTO dl VALUES (1, 0), (2, 0)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	var attempts atomic.Int32
	both := make(chan struct{})
	var once sync.Once
	var arrived atomic.Int32
	bump := func(first, second int) error {
		return db.WriteRestartable(ctx, func(tx *Tx) error {
			n := attempts.Add(1)
			if _, err := tx.exec(ctx, "test", `UPDATE dl SET n = n + 1 WHERE id = $1`, first); err != nil {
				return err
			}
			if n <= 2 { // the first attempts wait until both hold their first row
				if arrived.Add(1) == 2 {
					once.Do(func() { close(both) })
				}
				<-both
			}
			_, err := tx.exec(ctx, "test", `UPDATE dl SET n = n + 1 WHERE id = $1`, second)
			return err
		})
	}
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	for _, order := range [][2]int{{1, 2}, {2, 1}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- bump(order[0], order[1])
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Errorf("a deadlocked write failed: %v", err)
		}
	}
	if got := attempts.Load(); got != 3 {
		t.Errorf("attempts: %d, want 3 (one transaction run again)", got)
	}
	var n1, n2 int
	if err := db.Read(ctx, func(tx *Tx) error {
		return tx.tx.QueryRowContext(ctx, `SELECT (SELECT n FROM dl WHERE id = 1), (SELECT n FROM dl WHERE id = 2)`).Scan(&n1, &n2)
	}); err != nil {
		t.Fatal(err)
	}
	if n1 != 2 || n2 != 2 {
		t.Errorf("rows after both writes: %d and %d, want 2 and 2 (each change once)", n1, n2)
	}

	attempts.Store(0)
	err = db.WriteRestartable(ctx, func(tx *Tx) error {
		attempts.Add(1)
		_, err := tx.exec(ctx, "test", `INSERT INTO dl VALUES (1, 0)`)
		return err
	})
	if err == nil || attempts.Load() != 1 {
		t.Errorf("a unique violation: err %v after %d attempts, want an error after 1", err, attempts.Load())
	}
	if retryable(errors.New("40P01")) {
		t.Error("a plain error is taken for PostgreSQL's deadlock")
	}
}
