// Package jobs runs Steward's background work on River, a job queue kept in
// the same database (SQLite or PostgreSQL) as everything else: audit
// checkpoints, exports left behind by a stopped node, expired export files,
// pool auto-return and grant expiry, each a periodic task that calls the
// service layer like any other edge.
//
// Jobs are rows (river_job), so a job inserted and not yet run survives a
// restart and runs on whichever node fetches it next; a fetch takes a job
// for one node only. Periodic tasks are inserted by one node at a time:
// River (v0.51.2) runs its periodic job enqueuer among the maintenance
// services that only the elected leader starts (river's client.go and
// internal/maintenance/queue_maintainer_leader.go; PeriodicJob's doc says
// so too; leadership is a row in river_leader with a time to live). Around a change of leader, when an
// old and a new leader could both insert, each task's insert options make
// it unique per task and period, so one period's run is one job however
// many nodes offered it.
package jobs

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

const (
	// jobTimeout bounds a task's run unless the task says otherwise; every
	// task but exports takes seconds.
	jobTimeout = 5 * time.Minute
	// rescueAfter is when River takes a job still marked running (its node
	// died mid-run) as stuck. It must exceed jobTimeout; River also waits
	// for a task's own longer timeout. Rescue only tidies the row: the next
	// period's job runs regardless, since uniqueness is per period.
	rescueAfter = 10 * time.Minute
	// softStop is how long a stopping node lets running tasks finish before
	// cancelling them. A cancelled export is taken over by another node
	// once its heartbeat goes stale (service.RunExport).
	softStop = 20 * time.Second
)

// Runner is this node's River client: it works jobs, and while this node
// is the leader, inserts the periodic ones.
type Runner struct {
	client *river.Client[*sql.Tx]
}

// options are what tests change; the zero value is production's.
type options struct {
	id       string        // River's client id; empty for River's own (host and start time)
	poll     time.Duration // how often a node looks for jobs, and at most; 0 for River's defaults (1s, 100ms)
	testOnly bool          // River's TestOnly: no staggered start of its services
}

// New returns a runner of Steward's periodic tasks over the service's
// database. Start it with Start.
func New(svc *service.Service, log *slog.Logger) (*Runner, error) {
	return newRunner(svc.DB, log, tasks(svc), options{})
}

func newRunner(db *store.DB, log *slog.Logger, ts []task, o options) (*Runner, error) {
	w := &worker{tasks: make(map[string]task, len(ts)), log: log}
	var periodic []*river.PeriodicJob
	for _, t := range ts {
		w.tasks[t.name] = t
		if t.every > 0 {
			periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(t.every), t.offer,
				&river.PeriodicJobOpts{ID: t.name, RunOnStart: true}))
		}
	}
	workers := river.NewWorkers()
	for _, t := range ts {
		river.AddWorkerArgs(workers, taskArgs{Task: t.name}, w)
	}
	c, err := river.NewClient(db.JobDriver(), &river.Config{
		ID:                   o.id,
		Logger:               log,
		PollOnly:             true, // database/sql on PostgreSQL cannot LISTEN; SQLite would poll a table every 50 ms
		FetchOnlyKnownKinds:  true,
		FetchPollInterval:    o.poll,
		FetchCooldown:        o.poll,
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: rescueAfter,
		SoftStopTimeout:      softStop,
		MaxAttempts:          1, // a failed run is retried by the next period's
		PeriodicJobs:         periodic,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(len(ts), 1)}},
		Workers:              workers,
		TestOnly:             o.testOnly,
	})
	if err != nil {
		return nil, errs.Wrap(err, "jobs.new")
	}
	return &Runner{client: c}, nil
}

// Start starts working jobs and standing for leader. It returns once the
// database answered; the work goes on in the background until Stop. The
// context only starts it: shutdown is Stop's, so that the caller decides
// its order (after the HTTP server, before the database closes).
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(context.WithoutCancel(ctx)); err != nil {
		return errs.Wrap(err, "jobs.start")
	}
	return nil
}

// Stop stops fetching jobs, lets running ones finish for a while (softStop)
// and then cancels them, and resigns leadership: the lease row goes, so
// another node is elected at its next attempt (within seconds) rather than
// when the lease would have run out. If ctx ends first it cancels what is
// left and returns ctx's error. Jobs not yet fetched stay in the database
// for the next node.
func (r *Runner) Stop(ctx context.Context) error {
	err := r.client.Stop(ctx)
	if err == nil {
		return nil
	}
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = r.client.StopAndCancel(hard)
	return errs.Wrap(err, "jobs.stop")
}
