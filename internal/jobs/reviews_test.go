package jobs

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"steward/internal/authn"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestReviewDeadlineTask: the review_deadline task, run by a node's River
// client, closes an access review campaign whose deadline passed while no
// node was up, applying its policy to the undecided items.
func TestReviewDeadlineTask(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
		svc := service.New(db, slog.New(slog.DiscardHandler))
		svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
		svc.Now = func() time.Time { return now }
		tn, admin, err := svc.CreateTenant(ctx, service.NewTenant{Slug: "jobs", Name: "Jobs Co", AdminEmail: "a@jobs.example", AdminPassword: "correct-horse-battery-staple"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := svc.ActorFor(ctx, tn.ID, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := svc.CreateReview(ctx, a, service.ReviewInput{Name: "Q3", Scope: service.ReviewScope{All: true},
			Reviewers: service.ReviewerRule{Rule: service.RuleManager}, Deadline: now.Add(24 * time.Hour), Undecided: "keep"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.StartReview(ctx, a, r.ID); err != nil {
			t.Fatal(err)
		}
		now = now.Add(25 * time.Hour)

		var deadline task
		for _, tk := range tasks(svc) {
			if tk.name == "review_deadline" {
				deadline = tk
			}
		}
		if deadline.run == nil || deadline.every != time.Minute {
			t.Fatalf("no review_deadline task run every minute: %+v", deadline)
		}
		runner, err := newRunner(db, slog.New(slog.DiscardHandler), []task{deadline}, options{poll: 20 * time.Millisecond, testOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := runner.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := runner.Stop(ctx); err != nil {
				t.Fatal(err)
			}
		}()
		eventually(t, "the campaign to close", func() bool {
			got, err := svc.ReviewByID(ctx, a, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Status == "closed"
		})
		got, err := svc.ReviewByID(ctx, a, r.ID)
		if err != nil || got.Progress.ExpiredKept != 1 || got.Progress.Pending != 0 {
			t.Fatalf("closed campaign: %+v, %v; want its one item kept", got.Progress, err)
		}
	})
}
