package service_test

import (
	"context"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// subjectFixture is one tenant served by two nodes (two services, each with
// its own connections and subject cache) over the same database.
type subjectFixture struct {
	a, b   *service.Service
	now    *time.Time
	tenant int64
	admin  int64
	user   int64
	dsn    string
}

func newSubjectFixture(t *testing.T, e store.Engine) subjectFixture {
	t.Helper()
	ctx := context.Background()
	dsn := storetest.DSN(t, e)
	open := func() *store.DB {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA := open()
	if _, err := dbA.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	f := subjectFixture{a: newService(dbA, &now), b: newService(open(), &now), now: &now, dsn: dsn}
	// No second factor required: the test grants auditor to a user who has none.
	relaxed := service.DefaultSecurity()
	relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
	tn, admin, err := f.a.CreateTenant(ctx, service.NewTenant{Slug: "acme", Name: "Acme", AdminEmail: "a@acme.example", AdminPassword: "correct-horse-battery-staple",
		Security: &relaxed})
	if err != nil {
		t.Fatal(err)
	}
	f.tenant, f.admin = tn.ID, admin.ID
	adm := f.actor(t, f.a, admin.ID)
	email, name, pw, roles := "rep@acme.example", "Rep", "another-long-pass-phrase", []string{"sales_rep"}
	u, err := f.a.CreateUser(ctx, adm, org.UserInput{Email: &email, Name: &name, Password: &pw, DepartmentID: &admin.DepartmentID, Roles: &roles})
	if err != nil {
		t.Fatal(err)
	}
	f.user = u.ID
	return f
}

func (f subjectFixture) actor(t *testing.T, svc *service.Service, userID int64) *service.Actor {
	t.Helper()
	a, err := svc.ActorFor(context.Background(), f.tenant, userID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSubjectCacheFollowsChanges: a subject cached on one node is not used
// once another node changes what it was built from, nor once a role
// assignment in it has run out, though nothing was written then.
func TestSubjectCacheFollowsChanges(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newSubjectFixture(t, e)
			if f.actor(t, f.a, f.user).Subject.Can(access.ViewAudit) {
				t.Fatal("a sales rep holds view_audit before any grant")
			}
			// Node B grants a role that node A has cached the user without.
			exp := f.now.Add(time.Hour)
			if err := f.b.GrantRole(ctx, f.actor(t, f.b, f.admin), f.user, service.RoleGrant{Role: "auditor", ExpiresAt: &exp, Reason: "quarterly review"}); err != nil {
				t.Fatal(err)
			}
			if !f.actor(t, f.a, f.user).Subject.Can(access.ViewAudit) {
				t.Fatal("node A still serves the subject from before node B's grant")
			}
			// The grant runs out with no write at all.
			*f.now = f.now.Add(time.Hour + time.Second)
			if f.actor(t, f.a, f.user).Subject.Can(access.ViewAudit) {
				t.Fatal("an expired role assignment still counts from the cache")
			}
			// Each request decides at its own time, also from the cache.
			a1 := f.actor(t, f.a, f.user)
			*f.now = f.now.Add(time.Minute)
			if a2 := f.actor(t, f.a, f.user); !a2.Subject.Now.After(a1.Subject.Now) {
				t.Fatalf("a cached subject kept its old decision time %v", a2.Subject.Now)
			}
		})
	}
}

// TestSubjectCacheVerifyCatchesMissedBump: a change written without bumping
// the policy version is what the cache cannot see. In test binaries every
// hit is checked against a fresh build, so such a change fails loudly.
func TestSubjectCacheVerifyCatchesMissedBump(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newSubjectFixture(t, e)
			f.actor(t, f.a, f.user) // cached on node A
			// A write that bypasses the service: the user's role assignments vanish.
			db, err := store.Open(ctx, f.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			roleID := f.actor(t, f.a, f.user).Subject.RoleIDs[0]
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.Unassign(ctx, f.tenant, f.user, roleID) }); err != nil {
				t.Fatal(err)
			}
			_, err = f.a.ActorFor(ctx, f.tenant, f.user)
			if e := errs.As(err); e == nil || e.Code != "stale_subject" {
				t.Fatalf("a stale cached subject was served: error %v", err)
			}
			f.a.SetSubjectCacheVerify(false)
			if len(f.actor(t, f.a, f.user).Subject.RoleKeys) != 1 {
				t.Fatal("without verification the cache should still serve the old subject: the test did not exercise the cache")
			}
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.BumpPolicy(ctx, f.tenant) }); err != nil {
				t.Fatal(err)
			}
			if keys := f.actor(t, f.a, f.user).Subject.RoleKeys; len(keys) != 0 {
				t.Fatalf("after the bump the subject still has roles %v", keys)
			}
		})
	}
}
