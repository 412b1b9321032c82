package jobs

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/crm"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestRunnerRunsStewardTasks: a node started on a database runs every
// periodic task at once (RunOnStart) on the real service, and grant expiry
// among them removes a share that ran out while no node was up.
func TestRunnerRunsStewardTasks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
		svc := service.New(db, slog.New(slog.DiscardHandler))
		svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
		svc.Now = func() time.Time { return now }
		svc.Signer = audit.GenerateSigner()
		tn, admin, err := svc.CreateTenant(ctx, service.NewTenant{Slug: "jobs", Name: "Jobs Co", AdminEmail: "a@jobs.example", AdminPassword: "correct-horse-battery-staple"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := svc.ActorFor(ctx, tn.ID, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		name := "Acme Ltd"
		c, err := svc.CreateCustomer(ctx, a, crm.CustomerInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		until := now.Add(time.Hour)
		dept := access.Principal{Type: access.PrincipalDepartment, ID: admin.DepartmentID}
		if _, err := svc.AddShare(ctx, a, c.ID, service.ShareInput{Principal: dept, Level: access.Read, ExpiresAt: &until}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * time.Hour)

		ts := tasks(svc)
		r, err := newRunner(db, slog.New(slog.DiscardHandler), ts, options{poll: 20 * time.Millisecond, testOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := r.Stop(ctx); err != nil {
				t.Fatal(err)
			}
		}()
		eventually(t, "every task to run once", func() bool {
			for _, tk := range ts {
				res, err := r.client.JobList(ctx, river.NewJobListParams().Kinds(tk.name))
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Jobs) == 1 && res.Jobs[0].State == rivertype.JobStateDiscarded {
					t.Fatalf("task %s failed: %+v", tk.name, res.Jobs[0].Errors)
				}
				if len(res.Jobs) != 1 || res.Jobs[0].State != rivertype.JobStateCompleted {
					return false
				}
			}
			return true
		})
		shares, err := svc.Shares(ctx, a, c.ID)
		if err != nil || len(shares) != 0 {
			t.Fatalf("shares after the job: got %+v, %v; want none", shares, err)
		}
		es, err := svc.AuditEvents(ctx, a, store.AuditQuery{Action: "share.expire", Limit: 10})
		if err != nil || len(es) != 1 {
			t.Fatalf("share.expire entries: got %d, %v; want 1", len(es), err)
		}
		// Nothing but the audit_fold job folds the trail here.
		var uses map[int64]map[string]time.Time
		if err := db.Read(ctx, func(tx *store.Tx) error {
			uses, err = tx.ActionUses(ctx, tn.ID, []int64{admin.ID}, []string{"customer.create"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, ok := uses[admin.ID]["customer.create"]; !ok {
			t.Errorf("after the fold job the administrator's uses are %v, want customer.create", uses[admin.ID])
		}
	})
}
