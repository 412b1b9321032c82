package service_test

import (
	"context"
	"encoding/json"
	"reflect"
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
)

// accessAtActions are the actions AccessAt decides.
var accessAtActions = []access.Action{access.View, access.Edit, access.Delete, access.Transfer, access.Share, access.Export}

// fatalT is what the helpers need of a *testing.T or a *rapid.T.
type fatalT interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// liveAccess is what Explain says now of every active user's access to the
// customer, by user, for the actions AccessAt decides: only users with a
// grant path to one of them (allowed or restricted), as AccessAt lists.
func liveAccess(t fatalT, svc *service.Service, admin *service.Actor, customerID int64) map[int64][]access.Decision {
	t.Helper()
	ctx := context.Background()
	out := map[int64][]access.Decision{}
	users, err := svc.Users(ctx, admin, store.UserPage{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Status != org.StatusActive {
			continue
		}
		ex, err := svc.Explain(ctx, admin, customerID, u.ID)
		if errs.KindOf(err) == errs.NotFound {
			return out // the customer is gone: nobody sees it
		}
		if err != nil {
			t.Fatal(err)
		}
		var ds []access.Decision
		granted := false
		for _, act := range accessAtActions {
			for _, d := range ex.Decisions {
				if d.Object == access.Customer && d.Action == act {
					ds = append(ds, d)
					granted = granted || len(d.Reasons) > 0
				}
			}
		}
		if granted {
			out[u.ID] = ds
		}
	}
	return out
}

// accessSnap is the live answer at one moment, the oracle AccessAt must equal.
type accessSnap struct {
	at   time.Time
	what string
	want map[int64][]access.Decision
}

// timeline captures the live answer about one customer after each step.
type timeline struct {
	f     *requestFixture
	cust  int64
	snaps []accessSnap
}

// capture notes the live answer now, then moves the clock on an hour.
func (tl *timeline) capture(t *testing.T, what string) {
	t.Helper()
	tl.snaps = append(tl.snaps, accessSnap{at: *tl.f.now, what: what, want: liveAccess(t, tl.f.svc, tl.f.admin, tl.cust)})
	tl.f.advance(time.Hour)
}

// wantAccessAt asks AccessAt for every snapshot's moment and compares it
// with what Explain said then, user by user. nameGaps lets an answer be
// incomplete for the one thing the trail never holds: a deleted
// customer's name (personal data), read by a rule on names.
func wantAccessAt(t fatalT, svc *service.Service, admin *service.Actor, customerID int64, snaps []accessSnap, nameGaps bool) {
	t.Helper()
	for _, s := range snaps {
		got, err := svc.AccessAt(context.Background(), admin, customerID, s.at)
		if err != nil {
			t.Fatalf("%s: %v", s.what, err)
		}
		if !got.Complete {
			if nameGaps && len(got.Gaps) == 1 && got.Gaps[0].Action == "customer.delete" && strings.Contains(got.Gaps[0].What, "name") {
				continue
			}
			t.Fatalf("%s: incomplete: %+v", s.what, got.Gaps)
		}
		have := map[int64][]access.Decision{}
		for _, u := range got.Users {
			have[u.UserID] = u.Decisions
		}
		if !reflect.DeepEqual(have, s.want) {
			g, _ := json.Marshal(have)
			w, _ := json.Marshal(s.want)
			t.Fatalf("%s (%s):\n got %s\nwant %s", s.what, s.at.Format(time.RFC3339Nano), g, w)
		}
	}
}

// A customer's timeline: created by rep A; shared with rep B until t3; A
// moved to Support; the sales manager role loses customer transfer; the
// region changes and a sharing rule for a group covers it; transferred to
// the outsider; a restriction rule takes it from Sales; B offboarded. At
// every step the live answer is captured, and AccessAt for that moment,
// asked at the end from the trail, must equal it for every user.
func TestAccessAtTimeline(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		tl := &timeline{f: f, cust: f.custA}
		capture := func(what string) { tl.capture(t, what) }
		capture("t0: created by rep A")
		t3 := f.now.Add(2 * time.Hour)
		must[store.Grant](t)(f.svc.AddShare(ctx, f.as(t, f.repA), f.custA, service.ShareInput{
			Principal: access.Principal{Type: access.PrincipalUser, ID: f.repB}, Level: access.Read, ExpiresAt: &t3}))
		must[store.Grant](t)(f.svc.AddTeamMember(ctx, f.as(t, f.repA), f.custA, service.TeamInput{UserID: f.hr, Level: access.Read}))
		capture("t1: shared with B until t3, HR on the team")
		must[service.LifecycleReport](t)(f.svc.MoveUser(ctx, f.admin, f.repA, service.MoveInput{DepartmentID: &f.support}, false))
		capture("t2: A moved to Support, the customer follows")
		perms := []access.Permission{{Object: access.Customer, Action: access.View, Scope: access.DepartmentTree},
			{Object: access.Customer, Action: access.Edit, Scope: access.Department}}
		must[access.Role](t)(f.svc.SaveRole(ctx, f.admin, "sales_manager", service.RoleInput{Permissions: &perms}))
		capture("t2.5: the sales manager role changes")
		if _, err := f.svc.ExpireGrants(ctx); err != nil {
			t.Fatal(err)
		}
		capture("t3: the share to B has expired and the job removed it")
		region, name := "East", "key accounts"
		must[crm.Customer](t)(f.svc.UpdateCustomer(ctx, f.as(t, f.repA), f.custA, crm.CustomerInput{Region: &region}))
		members := []int64{f.repB, f.mgr}
		g := must[org.Group](t)(f.svc.SaveGroup(ctx, f.admin, 0, org.GroupInput{Name: &name, Members: &members}))
		must[store.StoredSharingRule](t)(f.svc.SaveSharingRule(ctx, f.admin, 0, service.SharingRuleInput{Name: "east to key accounts",
			Criteria:  access.Criteria{Field: "region", Op: "equals", Value: "East"},
			Principal: access.Principal{Type: access.PrincipalGroup, ID: g.ID}, Level: access.EditLevel}))
		capture("t3.5: region East, shared by rule with a group")
		must[crm.Customer](t)(f.svc.TransferCustomer(ctx, f.admin, f.custA, f.outsider))
		capture("t4: transferred to the outsider")
		must[store.StoredRestriction](t)(f.svc.SaveRestriction(ctx, f.admin, 0, service.RestrictionInput{Name: "east away from sales",
			Criteria:   access.Criteria{Field: "region", Op: "equals", Value: "East"},
			Principals: []access.Principal{{Type: access.PrincipalDepartment, ID: f.sales}}}))
		capture("t5: a restriction takes East customers from Sales")
		must[service.LifecycleReport](t)(f.svc.Offboard(ctx, f.admin, f.repB, service.OffboardInput{SuccessorID: &f.mgr, Reason: "left"}, false))
		west := "West"
		must[crm.Customer](t)(f.svc.UpdateCustomer(ctx, f.as(t, f.outsider), f.custA, crm.CustomerInput{Region: &west}))
		capture("t6: B offboarded, the region is West again")

		wantAccessAt(t, f.svc, f.admin, f.custA, tl.snaps, false)
	})
}

// Asking needs view_audit; a moment in the future is refused naming the
// field; an id the tenant never had is not found; a moment before the
// customer existed is answered as nobody; asking is recorded.
func TestAccessAtRules(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		_, err := f.svc.AccessAt(ctx, f.as(t, f.mgr), f.custA, *f.now)
		wantCode(t, err, errs.Forbidden, "forbidden")
		_, err = f.svc.AccessAt(ctx, f.admin, f.custA, f.now.Add(time.Second))
		wantCode(t, err, errs.Invalid, "time_in_future")
		if e := errs.As(err); e.Field != "at" {
			t.Errorf("future moment: field %q, want at", e.Field)
		}
		_, err = f.svc.AccessAt(ctx, f.admin, 999999, *f.now)
		wantCode(t, err, errs.NotFound, "not_found")
		before := must[service.AccessAt](t)(f.svc.AccessAt(ctx, f.admin, f.custA, f.now.Add(-time.Hour)))
		if before.Existed || len(before.Users) != 0 || !before.Complete {
			t.Errorf("before the customer existed: %+v", before)
		}
		now := must[service.AccessAt](t)(f.svc.AccessAt(ctx, f.admin, f.custA, *f.now))
		if !now.Existed || now.OwnerID == nil || *now.OwnerID != f.repA || len(now.Users) == 0 {
			t.Errorf("now: %+v", now)
		}
		read := must[[]audit.Entry](t)(f.svc.AuditEvents(ctx, f.admin, store.AuditQuery{Action: "audit.access_at", Limit: 10}))
		if len(read) != 2 || read[0].TargetID != strconv.FormatInt(f.custA, 10) || read[0].ActorID != f.admin.UserID {
			t.Errorf("audit.access_at entries: %+v", read)
		}
	})
}

// A grant recorded the way it was before grants said what they replaced
// is settled by the last entry about that role before the moment: none
// (never held), or an earlier grant and its expiry.
func TestAccessAtLegacyGrant(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		tl := &timeline{f: f, cust: f.custA}
		capture := func(what string) { tl.capture(t, what) }
		capture("before any auditor role")
		legacyGrant(t, f, f.repB, "auditor", nil)
		capture("repB made auditor by an old entry")
		exp := f.now.Add(90 * time.Minute)
		if err := f.svc.GrantRole(ctx, f.admin, f.outsider, service.RoleGrant{Role: "auditor", ExpiresAt: &exp}); err != nil {
			t.Fatal(err)
		}
		capture("the outsider audits until 90 minutes from now")
		capture("an hour later, still")
		capture("two hours later, no more")
		legacyGrant(t, f, f.outsider, "auditor", nil)
		capture("an old entry gave it again without an expiry")
		if _, ok := tl.snaps[3].want[f.outsider]; !ok {
			t.Fatal("the outsider did not audit an hour later")
		}
		if _, ok := tl.snaps[4].want[f.outsider]; ok {
			t.Fatal("the outsider still audited after the expiry")
		}
		wantAccessAt(t, f.svc, f.admin, f.custA, tl.snaps, false)
	})
}

// legacyGrant assigns a role and records it as grants were recorded before
// they said what they replaced.
func legacyGrant(t *testing.T, f *requestFixture, userID int64, key string, exp *time.Time) {
	t.Helper()
	ctx := context.Background()
	err := f.svc.DB.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.Role(ctx, f.tenant, key)
		if err != nil {
			return err
		}
		if err := tx.Assign(ctx, f.tenant, &store.Assignment{UserID: userID, RoleID: r.ID, ExpiresAt: exp}, *f.now); err != nil {
			return err
		}
		details, _ := json.Marshal(map[string]any{"role": key, "expires_at": exp, "reason": ""})
		e := audit.Entry{TenantID: f.tenant, At: *f.now, ActorType: "user", ActorID: f.admin.UserID, Action: "role.grant", TargetType: "user",
			TargetID: strconv.FormatInt(userID, 10), Outcome: audit.Success, Details: details}
		if err := tx.QueueAudit(ctx, &e, store.AuditLinks{User: userID}); err != nil {
			return err
		}
		return tx.BumpPolicy(ctx, f.tenant)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A moment before the oldest entry retention kept is answered, and said
// to be incomplete, naming the pruning; a moment after it is complete.
func TestAccessAtPrunedTrail(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		early := *f.now
		f.advance(time.Hour)
		if _, err := f.svc.CheckpointAll(ctx); err != nil {
			t.Fatal(err)
		}
		f.advance(200 * 24 * time.Hour)
		if err := f.svc.GrantRole(ctx, f.admin, f.repB, service.RoleGrant{Role: "auditor"}); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.PruneAudit(ctx, service.MinAuditRetention); err != nil || n == 0 {
			t.Fatalf("prune: %d, %v", n, err)
		}
		f.advance(time.Hour)
		old := must[service.AccessAt](t)(f.svc.AccessAt(ctx, f.admin, f.custA, early))
		if old.Complete || len(old.Gaps) != 1 || old.Gaps[0].Action != "audit.prune" || old.TrailStart == nil {
			t.Errorf("before the retained trail: complete %v, gaps %+v, trail start %v", old.Complete, old.Gaps, old.TrailStart)
		}
		recent := must[service.AccessAt](t)(f.svc.AccessAt(ctx, f.admin, f.custA, f.now.Add(-time.Minute)))
		if !recent.Complete {
			t.Errorf("after the retained trail's start: gaps %+v", recent.Gaps)
		}
	})
}

// A change that commits between AccessAt chaining the queue and reading
// its snapshot is still undone, from the queue: the answer for the moment
// before it is as it was then.
func TestAccessAtUndoesQueuedEntries(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		if _, err := f.svc.ChainAudit(ctx); err != nil {
			t.Fatal(err)
		}
		at := *f.now
		want := liveAccess(t, f.svc, f.admin, f.custA)
		if _, ok := want[f.outsider]; ok {
			t.Fatal("the outsider can see customer A before the share")
		}
		*f.now = f.now.Add(time.Minute)
		if _, err := f.svc.AddShare(ctx, f.admin, f.custA, service.ShareInput{Principal: access.Principal{Type: access.PrincipalUser, ID: f.outsider},
			Level: access.Read, Reason: "queued"}); err != nil {
			t.Fatal(err)
		}
		got, err := service.AccessAtUnsettled(ctx, f.svc, f.tenant, f.custA, at)
		if err != nil {
			t.Fatal(err)
		}
		have := map[int64][]access.Decision{}
		for _, u := range got.Users {
			have[u.UserID] = u.Decisions
		}
		if _, ok := have[f.outsider]; ok || !got.Complete || !reflect.DeepEqual(have, want) {
			g, _ := json.Marshal(have)
			w, _ := json.Marshal(want)
			t.Errorf("before a share still queued (complete %v):\n got %s\nwant %s", got.Complete, g, w)
		}
	})
}
