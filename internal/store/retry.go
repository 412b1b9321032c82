package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL aborts a transaction that lost a deadlock (40P01) or, under
// serializable isolation, a serialization conflict (40001); the change
// itself was fine and succeeds when run again. Paths that lock in
// different orders exist (a user's row and then the tenant's
// separation-of-duties lock in one, the lock and then users' rows in
// another), and many app nodes write one database, so WriteRestartable
// runs such a transaction again, a few times, rather than answer a valid
// request with a 500. Nothing of an aborted attempt was committed. It is
// opt-in: a closure that adds to state captured from outside would count
// twice. SQLite has a single writer and never deadlocks.
const (
	pgDeadlock      = "40P01"
	pgSerialization = "40001"
	maxAttempts     = 4
)

// retryable says whether err is PostgreSQL aborting a transaction that
// may succeed when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == pgDeadlock || pe.Code == pgSerialization)
}

// withRetry runs attempt until it succeeds, fails otherwise, or has lost
// maxAttempts times; between attempts it waits a short random while so
// the transactions that collided do not collide again.
func withRetry(ctx context.Context, attempt func() error) error {
	var err error
	for i := 1; ; i++ {
		if err = attempt(); err == nil || !retryable(err) || i == maxAttempts {
			return err
		}
		wait := time.Duration(rand.Int64N(int64(10*time.Millisecond) << i))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}
