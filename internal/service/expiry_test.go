package service_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// expiryFixture is a tenant whose administrator gave a sales rep, until an
// hour from now, a role (auditor), a share of one customer and a place on
// another's team, besides grants that do not run out then.
type expiryFixture struct {
	svc          *service.Service
	now          *time.Time
	tenant       int64
	admin, rep   *service.Actor
	shared, team int64 // customers the rep reaches through the expiring share / team place
	kept         int64 // a customer shared with the rep for good
	later        int64 // a customer shared with the rep for a day
}

func newExpiryFixture(t *testing.T, db *store.DB) expiryFixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	f := expiryFixture{svc: newService(db, &now), now: &now}
	relaxed := service.DefaultSecurity() // auditor needs no second factor here
	relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
	tn, admin, err := f.svc.CreateTenant(ctx, service.NewTenant{Slug: "exp", Name: "Expiry Co", AdminEmail: "a@expiry.example",
		AdminPassword: "correct-horse-battery-staple", Security: &relaxed})
	if err != nil {
		t.Fatal(err)
	}
	f.tenant = tn.ID
	f.admin = must[*service.Actor](t)(f.svc.ActorFor(ctx, tn.ID, admin.ID))
	email, name, pw, roles := "rep@expiry.example", "Wang Fang", "another-long-pass-phrase", []string{"sales_rep"}
	u := must[org.User](t)(f.svc.CreateUser(ctx, f.admin, org.UserInput{Email: &email, Name: &name, Password: &pw, DepartmentID: &admin.DepartmentID, Roles: &roles}))
	customer := func(n string) int64 {
		return must[crm.Customer](t)(f.svc.CreateCustomer(ctx, f.admin, crm.CustomerInput{Name: &n})).ID
	}
	f.shared, f.team, f.kept, f.later = customer("Shared Ltd"), customer("Team Ltd"), customer("Kept Ltd"), customer("Later Ltd")
	hour, day := now.Add(time.Hour), now.Add(24*time.Hour)
	rep := access.Principal{Type: access.PrincipalUser, ID: u.ID}
	must[store.Grant](t)(f.svc.AddShare(ctx, f.admin, f.shared, service.ShareInput{Principal: rep, Level: access.Read, ExpiresAt: &hour, Reason: "cover"}))
	must[store.Grant](t)(f.svc.AddTeamMember(ctx, f.admin, f.team, service.TeamInput{UserID: u.ID, Level: access.Read, ExpiresAt: &hour}))
	must[store.Grant](t)(f.svc.AddShare(ctx, f.admin, f.kept, service.ShareInput{Principal: rep, Level: access.Read}))
	must[store.Grant](t)(f.svc.AddShare(ctx, f.admin, f.later, service.ShareInput{Principal: rep, Level: access.Read, ExpiresAt: &day}))
	if err := f.svc.GrantRole(ctx, f.admin, u.ID, service.RoleGrant{Role: "auditor", ExpiresAt: &hour, Reason: "quarterly review"}); err != nil {
		t.Fatal(err)
	}
	f.rep = must[*service.Actor](t)(f.svc.ActorFor(ctx, tn.ID, u.ID))
	return f
}

// sees reports whether the rep may open the customer now.
func (f expiryFixture) sees(t *testing.T, customerID int64) bool {
	t.Helper()
	rep := must[*service.Actor](t)(f.svc.ActorFor(context.Background(), f.tenant, f.rep.UserID))
	_, err := f.svc.Customer(context.Background(), rep, customerID)
	if err != nil && errs.KindOf(err) != errs.NotFound {
		t.Fatal(err)
	}
	return err == nil
}

func (f expiryFixture) events(t *testing.T, action string) []audit.Entry {
	t.Helper()
	es, err := f.svc.AuditEvents(context.Background(), f.admin, store.AuditQuery{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func (f expiryFixture) policyVersion(t *testing.T) int64 {
	t.Helper()
	var v int64
	if err := f.svc.DB.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		v, err = tx.PolicyVersion(context.Background(), f.tenant)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestExpireGrants: once a role assignment, share or team place has run
// out, checks deny it before any job ran; ExpireGrants then removes exactly
// the expired rows, one audit entry each (identifiers, no personal data),
// bumps the policy version, and a second run finds nothing.
func TestExpireGrants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newExpiryFixture(t, db)
		if !f.rep.Subject.Can(access.ViewAudit) || !f.sees(t, f.shared) || !f.sees(t, f.team) {
			t.Fatal("the rep lacks the grants before they expire")
		}
		*f.now = f.now.Add(time.Hour) // expires_at <= now: run out
		if f.sees(t, f.shared) || f.sees(t, f.team) {
			t.Fatal("an expired share or team place still gives access before the job ran")
		}
		if must[*service.Actor](t)(f.svc.ActorFor(ctx, f.tenant, f.rep.UserID)).Subject.Can(access.ViewAudit) {
			t.Fatal("an expired role still counts before the job ran")
		}
		before := f.policyVersion(t)

		n, err := f.svc.ExpireGrants(ctx)
		if err != nil || n != 3 {
			t.Fatalf("ExpireGrants: got %d, %v; want 3 removed", n, err)
		}
		if got := must[[]store.Grant](t)(f.svc.Shares(ctx, f.admin, f.shared)); len(got) != 0 {
			t.Errorf("expired share still stored: %+v", got)
		}
		if got := must[[]store.Grant](t)(f.svc.TeamMembers(ctx, f.admin, f.team)); len(got) != 0 {
			t.Errorf("expired team place still stored: %+v", got)
		}
		as := must[[]store.Assignment](t)(f.svc.Assignments(ctx, f.admin, f.rep.UserID))
		if len(as) != 1 || as[0].RoleKey != "sales_rep" {
			t.Errorf("assignments after expiry: got %+v, want sales_rep only", as)
		}
		for _, c := range []int64{f.kept, f.later} {
			if got := must[[]store.Grant](t)(f.svc.Shares(ctx, f.admin, c)); len(got) != 1 || !f.sees(t, c) {
				t.Errorf("customer %d: a share that has not run out was touched: %+v", c, got)
			}
		}
		if after := f.policyVersion(t); after <= before {
			t.Errorf("policy version: got %d after expiry, want more than %d", after, before)
		}

		f.checkEvent(t, "role.expire", "user", f.rep.UserID, map[string]any{"role": "auditor"})
		f.checkEvent(t, "share.expire", "customer", f.shared, map[string]any{"level": "read"})
		f.checkEvent(t, "team.expire", "customer", f.team, map[string]any{"level": "read"})
		if rep, err := f.svc.VerifyAudit(ctx, f.tenant, f.svc.Signer.Public()); err != nil || !rep.OK {
			t.Fatalf("audit trail after expiry: %+v, %v", rep, err)
		}

		if n, err := f.svc.ExpireGrants(ctx); err != nil || n != 0 {
			t.Fatalf("second run: got %d, %v; want 0", n, err)
		}
		if es := f.events(t, "share.expire"); len(es) != 1 {
			t.Fatalf("second run recorded again: %d share.expire entries", len(es))
		}
	})
}

// checkEvent finds the one entry of action and checks its target, that it
// was the system's, and that its details name the grant by identifiers
// (with the values in want) and hold nothing personal.
func (f expiryFixture) checkEvent(t *testing.T, action, targetType string, targetID int64, want map[string]any) {
	t.Helper()
	es := f.events(t, action)
	if len(es) != 1 {
		t.Fatalf("%s: got %d entries, want 1", action, len(es))
	}
	e := es[0]
	if e.ActorType != "system" || e.TargetType != targetType || e.TargetID != strconv.FormatInt(targetID, 10) {
		t.Errorf("%s: got actor %s, target %s %s; want system, %s %d", action, e.ActorType, e.TargetType, e.TargetID, targetType, targetID)
	}
	var d map[string]any
	if err := json.Unmarshal(e.Details, &d); err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s: details[%s] = %v, want %v", action, k, d[k], v)
		}
	}
	if d["expires_at"] == nil || d["granted_by"] != float64(f.admin.UserID) {
		t.Errorf("%s: details %s lack expires_at or granted_by %d", action, e.Details, f.admin.UserID)
	}
	for _, personal := range []string{"@", "Wang", "Ltd", "review", "cover"} {
		if strings.Contains(string(e.Details), personal) {
			t.Errorf("%s: details %s hold %q", action, e.Details, personal)
		}
	}
}

// TestExpireGrantsBacklog: a backlog larger than one transaction's batch
// is removed whole, each row audited once.
func TestExpireGrantsBacklog(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db, dsn := storetest.OpenAt(t, e)
			f := newExpiryFixture(t, db)
			// 1,200 more shares of one customer, all run out: written
			// directly, as an import of old data could leave them.
			const backlog = 1200
			raw := rawDB(t, e, dsn)
			tx, err := raw.Begin()
			if err != nil {
				t.Fatal(err)
			}
			past := store.Micros(f.now.Add(-time.Minute))
			for i := 0; i < backlog; i++ {
				if _, err := tx.Exec(`INSERT INTO customer_shares (tenant_id, customer_id, principal_type, principal_id, include_sub, level, reason, expires_at, created_at, sort_at)
					VALUES ($1, $2, 'user', $3, FALSE, 'read', '', $4, $4, 0)`, f.tenant, f.kept, f.rep.UserID, past); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if n, err := f.svc.ExpireGrants(ctx); err != nil || n != backlog {
				t.Fatalf("ExpireGrants: got %d, %v; want %d", n, err, backlog)
			}
			if got := must[[]store.Grant](t)(f.svc.Shares(ctx, f.admin, f.kept)); len(got) != 1 || got[0].ExpiresAt != nil {
				t.Fatalf("after the backlog: got %d shares, want only the one without expiry", len(got))
			}
			es, err := f.svc.AuditEvents(ctx, f.admin, store.AuditQuery{Action: "share.expire", Limit: 2 * backlog})
			if err != nil || len(es) != backlog {
				t.Fatalf("share.expire entries: got %d, %v; want %d", len(es), err, backlog)
			}
		})
	}
}

// rawDB opens the test database as a DBA would, bypassing the store.
func rawDB(t *testing.T, e store.Engine, dsn string) *sql.DB {
	t.Helper()
	driver, conn := "sqlite", strings.TrimPrefix(dsn, "sqlite:")
	if e == store.Postgres {
		driver, conn = "pgx", dsn
	}
	raw, err := sql.Open(driver, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
