package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"steward/internal/service"
)

// task is one piece of background work: a service call that is safe to
// repeat, to run on any node and to overlap itself.
type task struct {
	name    string        // also the periodic job's id and the job kind
	every   time.Duration // 0: never inserted on a schedule, only on demand
	timeout time.Duration // 0: jobTimeout
	run     func(context.Context) (int64, error)
	done    string // logged with the count when a run did something; empty: not logged
}

// tasks are Steward's periodic tasks, each once a minute as before River:
// a minute is the delay a tenant may see before a checkpoint is signed, an
// orphaned export resumes, an expired file goes or an idle customer
// returns. Grant expiry tidies rows that checks already ignore, so its
// delay is invisible to access. Access review rounds and reminders are
// hourly. The audit fold keeps the insights' per-user uses a minute behind
// the trail at most.
func tasks(svc *service.Service) []task {
	return []task{
		{name: "audit_checkpoint", every: time.Minute, run: counted(svc.CheckpointAll)},
		// An export of a million rows takes about a minute; up to 20 run
		// one after another (RunPendingExports).
		{name: "export_resume", every: time.Minute, timeout: 30 * time.Minute, run: counted(svc.RunPendingExports)},
		{name: "export_expiry", every: time.Minute, run: svc.ExpireExports, done: "deleted expired export files"},
		{name: "pool_return", every: time.Minute, run: counted(svc.ReturnIdleCustomers), done: "returned idle customers to their pools"},
		{name: "grant_expiry", every: time.Minute, run: counted(svc.ExpireGrants), done: "removed expired grants"},
		// Access reviews: a deadline applies within a minute (revoking a large
		// campaign's undecided items may take minutes); rounds recur and
		// reminders go out on a scale of days, so hourly is soon enough.
		{name: "review_deadline", every: time.Minute, timeout: 30 * time.Minute, run: counted(svc.CloseDueReviews), done: "applied access review deadlines"},
		{name: "review_recurrence", every: time.Hour, timeout: 30 * time.Minute, run: counted(svc.RecurReviews), done: "started recurring access reviews"},
		{name: "review_reminders", every: time.Hour, run: counted(svc.RemindReviewers), done: "reminded access reviewers"},
		// Retention rules run once a day each; the job looks hourly for the
		// rules whose day has come (a run of a large tenant may take minutes).
		{name: "retention", every: time.Hour, timeout: 30 * time.Minute, run: counted(svc.RunDueRetention), done: "applied retention rules"},
		// The trail folded per user and action, which insights and reviews
		// read: a minute's entries fold in milliseconds; the first fold of a
		// long trail (after an upgrade) takes a minute or two.
		{name: "audit_fold", every: time.Minute, timeout: 30 * time.Minute, run: counted(svc.FoldTrails)},
	}
}

func counted[N int | int64](f func(context.Context) (N, error)) func(context.Context) (int64, error) {
	return func(ctx context.Context) (int64, error) {
		n, err := f(ctx)
		return int64(n), err
	}
}

// taskArgs names the task a job runs, and its kind is that name: each task
// is a job kind of its own, so uniqueness is per kind without looking at
// args, river_job rows read as what they are, and a node fetches only the
// kinds it knows (FetchOnlyKnownKinds), which leaves a task added by a
// newer version to the newer nodes during a rolling upgrade.
type taskArgs struct {
	Task string `json:"task"`
}

// Kind is River's name for the job kind: the task's.
func (a taskArgs) Kind() string { return a.Task }

// offer is the periodic job's constructor. Its insert options make the
// job unique per task and per period of the schedule, in every state but
// cancelled and discarded: however many nodes offer one period's job (a
// leader and its successor around an election), River inserts it once,
// and a job that already ran in the period is not run again. Periods are
// not tied to each other, so a job left running by a dead node does not
// hold up the next period's; the price is that a run outlasting its period
// may overlap the next one, which every task allows (each is idempotent,
// and exports are claimed one at a time).
func (t task) offer() (river.JobArgs, *river.InsertOpts) {
	return taskArgs{Task: t.name}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: t.every}}
}

// worker runs the task a job names.
type worker struct {
	river.WorkerDefaults[taskArgs]
	tasks map[string]task
	log   *slog.Logger
}

// Timeout is the task's own limit, or the client's.
func (w *worker) Timeout(job *river.Job[taskArgs]) time.Duration {
	return w.tasks[job.Args.Task].timeout
}

// Work runs the task. An error fails this job only (MaxAttempts is 1): the
// next period runs the task again.
func (w *worker) Work(ctx context.Context, job *river.Job[taskArgs]) error {
	t := w.tasks[job.Args.Task] // registered under its kind, so known
	n, err := t.run(ctx)
	if err != nil {
		w.log.Error("job failed", "task", t.name, "job_id", job.ID, "err", err)
		return err
	}
	if n > 0 && t.done != "" {
		w.log.Info("job: "+t.done, "task", t.name, "count", n)
	}
	return nil
}
