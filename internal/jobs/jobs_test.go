package jobs

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"steward/internal/store"
	"steward/internal/store/storetest"
)

// node is one app node in a test: its own connections to the shared
// database and its own runner, whose tasks count their runs.
type node struct {
	db     *store.DB
	runner *Runner
	runs   atomic.Int64
}

// startNode opens dsn (migrated already) as node id with the tasks named
// in probes, each counting its runs; a probe with every > 0 is periodic.
func startNode(t *testing.T, dsn, id string, probes map[string]time.Duration) *node {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	n := &node{db: db}
	var ts []task
	for name, every := range probes {
		ts = append(ts, task{name: name, every: every, run: func(context.Context) (int64, error) {
			n.runs.Add(1)
			return 0, nil
		}})
	}
	log := slog.New(slog.DiscardHandler)
	if n.runner, err = newRunner(db, log, ts, options{id: id, poll: 20 * time.Millisecond, testOnly: true}); err != nil {
		t.Fatal(err)
	}
	if err := n.runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.stop(t) })
	return n
}

func (n *node) stop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.runner.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func runs(nodes ...*node) int64 {
	var sum int64
	for _, n := range nodes {
		sum += n.runs.Load()
	}
	return sum
}

// jobs lists the jobs of a kind, whatever their state.
func (n *node) jobs(t *testing.T, kind string) []*rivertype.JobRow {
	t.Helper()
	res, err := n.runner.client.JobList(context.Background(), river.NewJobListParams().Kinds(kind).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	return res.Jobs
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func migrated(t *testing.T, e store.Engine) string {
	t.Helper()
	dsn := storetest.DSN(t, e)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// TestJobSurvivesRestart: a job inserted while its node stopped before
// running it stays in the database, and the next node runs it.
func TestJobSurvivesRestart(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := migrated(t, e)
			a := startNode(t, dsn, "node-a", map[string]time.Duration{"probe": 0})
			a.stop(t)
			res, err := a.runner.client.Insert(ctx, taskArgs{Task: "probe"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			a.db.Close() // the node is gone

			b := startNode(t, dsn, "node-b", map[string]time.Duration{"probe": 0})
			var j *rivertype.JobRow
			eventually(t, "the new node to run the job", func() bool {
				j, err = b.runner.client.JobGet(ctx, res.Job.ID)
				return err == nil && j.State == rivertype.JobStateCompleted
			})
			if a.runs.Load() != 0 || b.runs.Load() != 1 || len(j.AttemptedBy) != 1 || j.AttemptedBy[0] != "node-b" {
				t.Fatalf("got %d runs on node-a, %d on node-b, attempted by %v; want one on node-b", a.runs.Load(), b.runs.Load(), j.AttemptedBy)
			}
		})
	}
}

// TestNodesRunEachJobOnce: two nodes on one database. A periodic task runs
// once in its period, whichever node leads, and offered again in the
// period by either node it is not inserted again; of many jobs inserted at
// once, each runs on exactly one node, once.
func TestNodesRunEachJobOnce(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			const every = time.Hour
			if left := time.Until(time.Now().Truncate(every).Add(every)); left < 15*time.Second {
				time.Sleep(left) // River's periods are UTC multiples of every; stay inside one
			}
			dsn := migrated(t, e)
			probes := map[string]time.Duration{"tick": every, "probe": 0}
			a := startNode(t, dsn, "node-a", probes)
			b := startNode(t, dsn, "node-b", probes)

			eventually(t, "the periodic task's first run", func() bool { return runs(a, b) >= 1 })
			for _, n := range []*node{a, b} { // what a second leader in the period would do
				args, opts := task{name: "tick", every: every}.offer()
				res, err := n.runner.client.Insert(ctx, args, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !res.UniqueSkippedAsDuplicate {
					t.Fatalf("the period's job was inserted again (job %d)", res.Job.ID)
				}
			}
			if n, listed := runs(a, b), len(a.jobs(t, "tick")); n != 1 || listed != 1 {
				t.Fatalf("periodic task: got %d runs and %d jobs, want 1 of each", n, listed)
			}

			const many = 40
			params := make([]river.InsertManyParams, many)
			for i := range params {
				params[i] = river.InsertManyParams{Args: taskArgs{Task: "probe"}}
			}
			if _, err := a.runner.client.InsertMany(ctx, params); err != nil {
				t.Fatal(err)
			}
			eventually(t, "every job to run", func() bool { return runs(a, b) >= many+1 })
			eventually(t, "every job to be marked completed", func() bool {
				for _, j := range a.jobs(t, "probe") {
					if j.State != rivertype.JobStateCompleted {
						return false
					}
				}
				return true
			})
			// Every job completed after one attempt, and the tasks ran as
			// often as there are jobs: each job ran once.
			probesRun := runs(a, b) - 1
			for _, j := range a.jobs(t, "probe") {
				if j.Attempt != 1 || len(j.AttemptedBy) != 1 {
					t.Errorf("job %d: attempt %d by %v, want one attempt", j.ID, j.Attempt, j.AttemptedBy)
				}
			}
			if probesRun != many {
				t.Fatalf("got %d runs of %d jobs, want one each", probesRun, many)
			}
		})
	}
}
