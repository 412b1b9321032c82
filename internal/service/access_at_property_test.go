package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestAccessAtAgreesWithLive makes random tenants, changes them at random
// through the service (roles granted, revoked and edited, users moved,
// suspended and offboarded, departments moved, groups, shares, team
// places, sharing and restriction rules, pools, claims and returns,
// customer fields, transfers, follow-ups, expiry, deletion), captures after every
// change what Explain says of every user's access to one customer, and
// then asks AccessAt for each captured moment: it must equal the live
// answer for every user at every moment, and be complete.
func TestAccessAtAgreesWithLive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(db, &now)
		n := 0
		rapid.Check(t, func(rt *rapid.T) {
			n++
			f := buildTenant(ctx, rt, svc, db, fmt.Sprintf("aa%d", n), now)
			if len(f.customers) == 0 {
				return
			}
			now = now.Add(5 * time.Minute) // past every customer's making
			w := &world{rt: rt, svc: svc, db: db, f: f, now: &now, cust: rapid.SampledFrom(f.customers).Draw(rt, "customer").ID}
			w.admin = mustActor(rt, svc, f.id, f.users[0])
			var snaps []accessSnap
			for i := 0; i < rapid.IntRange(1, 12).Draw(rt, "steps"); i++ {
				what := w.step(ctx)
				snaps = append(snaps, accessSnap{at: now, what: fmt.Sprintf("step %d: %s", i, what), want: w.live(ctx)})
				now = now.Add(time.Duration(rapid.IntRange(1, 40*60).Draw(rt, "minutes")) * time.Minute)
			}
			wantAccessAt(rt, svc, w.admin, w.cust, snaps, true)
		})
	})
}

// world is one random tenant being changed.
type world struct {
	rt    *rapid.T
	svc   *service.Service
	db    *store.DB
	f     tenantFixture
	now   *time.Time
	cust  int64
	admin *service.Actor
}

// live is the oracle: Explain, now, for every active user.
func (w *world) live(ctx context.Context) map[int64][]access.Decision {
	return liveAccess(w.rt, w.svc, w.admin, w.cust)
}

func (w *world) users(ctx context.Context) []org.User {
	us, err := w.svc.Users(ctx, w.admin, store.UserPage{Limit: 1000})
	if err != nil {
		w.rt.Fatal(err)
	}
	return us
}

func (w *world) depts(ctx context.Context) []org.Department {
	ds, err := w.svc.Departments(ctx, w.admin)
	if err != nil {
		w.rt.Fatal(err)
	}
	return ds
}

func (w *world) user(ctx context.Context, label string) org.User {
	return rapid.SampledFrom(w.users(ctx)).Draw(w.rt, label)
}

func (w *world) dept(ctx context.Context, label string) int64 {
	return rapid.SampledFrom(w.depts(ctx)).Draw(w.rt, label).ID
}

func (w *world) expiry() *time.Time {
	if rapid.Bool().Draw(w.rt, "expires") {
		return nil
	}
	t := w.now.Add(time.Duration(rapid.IntRange(1, 48).Draw(w.rt, "hoursLeft")) * time.Hour)
	return &t
}

func (w *world) principal(ctx context.Context) access.Principal {
	switch rapid.IntRange(0, 3).Draw(w.rt, "principalType") {
	case 0:
		return access.Principal{Type: access.PrincipalUser, ID: w.user(ctx, "principalUser").ID}
	case 1:
		return access.Principal{Type: access.PrincipalDepartment, ID: w.dept(ctx, "principalDept"), IncludeSubDept: rapid.Bool().Draw(w.rt, "sub")}
	case 2:
		roles, _ := w.svc.Roles(ctx, w.admin)
		return access.Principal{Type: access.PrincipalRole, ID: rapid.SampledFrom(roles).Draw(w.rt, "principalRole").ID}
	}
	groups, _ := w.svc.Groups(ctx, w.admin)
	if len(groups) == 0 {
		return access.Principal{Type: access.PrincipalUser, ID: w.f.users[0]}
	}
	return access.Principal{Type: access.PrincipalGroup, ID: rapid.SampledFrom(groups).Draw(w.rt, "principalGroup").ID}
}

func (w *world) criteria() access.Criteria {
	if rapid.Bool().Draw(w.rt, "byRegion") {
		return access.Criteria{Field: "region", Op: "equals", Value: rapid.SampledFrom([]string{"East", "West"}).Draw(w.rt, "ruleRegion")}
	}
	if rapid.Bool().Draw(w.rt, "byActivity") {
		return access.Criteria{Field: "last_activity_at", Op: "range", Min: w.now.Add(-2 * time.Hour).Format(time.RFC3339)}
	}
	return access.Criteria{Field: "level", Op: "in", Values: []string{rapid.SampledFrom(crm.Levels).Draw(w.rt, "ruleLevel")}}
}

func (w *world) level() access.Level {
	return rapid.SampledFrom([]access.Level{access.Read, access.EditLevel}).Draw(w.rt, "level")
}

// step makes one random change (or only runs the expiry job) and says what
// it tried. A change the service refuses (a validation, a conflict, a
// record the admin cannot see) changes nothing, which is fine.
func (w *world) step(ctx context.Context) string {
	ops := []struct {
		name string
		do   func(context.Context) error
	}{
		{"grant role", w.grantRole}, {"revoke role", w.revokeRole}, {"edit role", w.editRole},
		{"share", w.share}, {"unshare", w.unshare}, {"team", w.team}, {"off team", w.offTeam},
		{"update user", w.updateUser}, {"move user", w.moveUser}, {"offboard", w.offboard}, {"move department", w.moveDept},
		{"group", w.group}, {"sharing rule", w.sharingRule}, {"restriction", w.restriction},
		{"customer fields", w.customerFields}, {"transfer", w.transfer}, {"follow-up", w.followUp},
		{"pool", w.pool}, {"return", w.returnToPool}, {"claim", w.claim},
		{"expire", func(ctx context.Context) error { _, err := w.svc.ExpireGrants(ctx); return err }},
		{"delete", func(ctx context.Context) error { return w.svc.DeleteCustomer(ctx, w.admin, w.cust) }},
	}
	op := rapid.SampledFrom(ops).Draw(w.rt, "op")
	err := op.do(ctx)
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Conflict, errs.Forbidden, errs.NotFound:
	default:
		if err != nil {
			w.rt.Fatalf("%s: %v", op.name, err)
		}
	}
	w.admin = mustActor(w.rt, w.svc, w.f.id, w.f.users[0])
	return op.name
}

func (w *world) roleKey(ctx context.Context) string {
	return rapid.SampledFrom([]string{"custom", "sales_rep", "sales_manager", "read_only", "marketing"}).Draw(w.rt, "roleKey")
}

func (w *world) grantRole(ctx context.Context) error {
	return w.svc.GrantRole(ctx, w.admin, w.user(ctx, "grantee").ID, service.RoleGrant{Role: w.roleKey(ctx), ExpiresAt: w.expiry()})
}

func (w *world) revokeRole(ctx context.Context) error {
	u := w.user(ctx, "revokee").ID
	held, err := w.svc.Assignments(ctx, w.admin, u)
	if err != nil || len(held) == 0 {
		return err
	}
	return w.svc.RevokeRole(ctx, w.admin, u, rapid.SampledFrom(held).Draw(w.rt, "revoked").RoleKey)
}

func (w *world) editRole(ctx context.Context) error {
	perms := []access.Permission{{Object: access.Customer, Action: access.View, Scope: rapid.SampledFrom(access.Scopes).Draw(w.rt, "viewScope")},
		{Object: access.Customer, Action: access.Edit, Scope: rapid.SampledFrom(access.Scopes).Draw(w.rt, "editScope")},
		{Object: access.Customer, Action: access.Share, Scope: rapid.SampledFrom(access.Scopes).Draw(w.rt, "shareScope")}}
	_, err := w.svc.SaveRole(ctx, w.admin, w.roleKey(ctx), service.RoleInput{Permissions: &perms})
	return err
}

func (w *world) share(ctx context.Context) error {
	_, err := w.svc.AddShare(ctx, w.admin, w.cust, service.ShareInput{Principal: w.principal(ctx), Level: w.level(), ExpiresAt: w.expiry()})
	return err
}

func (w *world) unshare(ctx context.Context) error {
	shares, err := w.svc.Shares(ctx, w.admin, w.cust)
	if err != nil || len(shares) == 0 {
		return err
	}
	return w.svc.RemoveShare(ctx, w.admin, w.cust, rapid.SampledFrom(shares).Draw(w.rt, "unshared").ID)
}

func (w *world) team(ctx context.Context) error {
	_, err := w.svc.AddTeamMember(ctx, w.admin, w.cust, service.TeamInput{UserID: w.user(ctx, "member").ID, Level: w.level(), ExpiresAt: w.expiry()})
	return err
}

func (w *world) offTeam(ctx context.Context) error {
	return w.svc.RemoveTeamMember(ctx, w.admin, w.cust, w.user(ctx, "offTeam").ID)
}

func (w *world) updateUser(ctx context.Context) error {
	in := org.UserInput{}
	switch rapid.IntRange(0, 2).Draw(w.rt, "userChange") {
	case 0:
		d := w.dept(ctx, "newDept")
		in.DepartmentID = &d
	case 1:
		m := w.user(ctx, "newManager").ID
		in.ManagerID = &m
	default:
		st := rapid.SampledFrom([]string{org.StatusActive, org.StatusSuspended}).Draw(w.rt, "status")
		in.Status = &st
	}
	_, err := w.svc.UpdateUser(ctx, w.admin, w.user(ctx, "updated").ID, in)
	return err
}

func (w *world) moveUser(ctx context.Context) error {
	d := w.dept(ctx, "moveTo")
	in := service.MoveInput{DepartmentID: &d}
	if rapid.Bool().Draw(w.rt, "stay") {
		s := w.user(ctx, "successor").ID
		in.Records, in.SuccessorID = "stay", &s
	}
	_, err := w.svc.MoveUser(ctx, w.admin, w.user(ctx, "moved").ID, in, false)
	return err
}

func (w *world) offboard(ctx context.Context) error {
	s := w.user(ctx, "heir").ID
	_, err := w.svc.Offboard(ctx, w.admin, w.user(ctx, "leaver").ID, service.OffboardInput{SuccessorID: &s, Reason: "random"}, false)
	return err
}

func (w *world) moveDept(ctx context.Context) error {
	p := w.dept(ctx, "newParent")
	_, err := w.svc.UpdateDepartment(ctx, w.admin, w.dept(ctx, "movedDept"), org.DepartmentInput{ParentID: &p})
	return err
}

func (w *world) group(ctx context.Context) error {
	groups, err := w.svc.Groups(ctx, w.admin)
	if err != nil {
		return err
	}
	members := []int64{w.user(ctx, "groupMember").ID}
	if len(groups) == 0 || rapid.Bool().Draw(w.rt, "newGroup") {
		name := fmt.Sprintf("group %d", len(groups))
		_, err = w.svc.SaveGroup(ctx, w.admin, 0, org.GroupInput{Name: &name, Members: &members})
		return err
	}
	_, err = w.svc.SaveGroup(ctx, w.admin, rapid.SampledFrom(groups).Draw(w.rt, "group").ID, org.GroupInput{Members: &members})
	return err
}

func (w *world) sharingRule(ctx context.Context) error {
	rules, err := w.svc.SharingRules(ctx, w.admin)
	if err != nil {
		return err
	}
	if len(rules) > 0 && rapid.Bool().Draw(w.rt, "dropRule") {
		return w.svc.DeleteSharingRule(ctx, w.admin, rapid.SampledFrom(rules).Draw(w.rt, "droppedRule").ID)
	}
	var id int64
	if len(rules) > 0 && rapid.Bool().Draw(w.rt, "replaceRule") {
		id = rapid.SampledFrom(rules).Draw(w.rt, "replacedRule").ID
	}
	_, err = w.svc.SaveSharingRule(ctx, w.admin, id, service.SharingRuleInput{Name: fmt.Sprintf("rule %d", len(rules)), Criteria: w.criteria(),
		Principal: w.principal(ctx), Level: w.level()})
	return err
}

func (w *world) restriction(ctx context.Context) error {
	rs, err := w.svc.RestrictionRules(ctx, w.admin)
	if err != nil {
		return err
	}
	if len(rs) > 0 && rapid.Bool().Draw(w.rt, "dropRestriction") {
		return w.svc.DeleteRestriction(ctx, w.admin, rapid.SampledFrom(rs).Draw(w.rt, "droppedRestriction").ID)
	}
	_, err = w.svc.SaveRestriction(ctx, w.admin, 0, service.RestrictionInput{Name: fmt.Sprintf("deny %d", len(rs)), Criteria: w.criteria(),
		Principals: []access.Principal{w.principal(ctx)}})
	return err
}

func (w *world) customerFields(ctx context.Context) error {
	region := rapid.SampledFrom([]string{"East", "West"}).Draw(w.rt, "newRegion")
	level := rapid.SampledFrom(crm.Levels).Draw(w.rt, "newLevel")
	_, err := w.svc.UpdateCustomer(ctx, w.admin, w.cust, crm.CustomerInput{Region: &region, Level: &level})
	return err
}

func (w *world) transfer(ctx context.Context) error {
	_, err := w.svc.TransferCustomer(ctx, w.admin, w.cust, w.user(ctx, "newOwner").ID)
	return err
}

func (w *world) followUp(ctx context.Context) error {
	at := w.now.Add(time.Duration(rapid.IntRange(-5, 1).Draw(w.rt, "followUpHours")) * time.Hour)
	kind := "call"
	_, err := w.svc.SaveActivity(ctx, w.admin, w.cust, 0, crm.ActivityInput{Type: &kind, OccurredAt: &at})
	return err
}

func (w *world) pool(ctx context.Context) error {
	_, err := w.svc.SavePool(ctx, w.admin, 0, service.PoolInput{Name: fmt.Sprintf("pool at %d", w.now.Unix()),
		Departments: []int64{w.dept(ctx, "poolDept")}, HoldingCap: 10})
	return err
}

func (w *world) returnToPool(ctx context.Context) error {
	pools, err := w.svc.Pools(ctx, w.admin)
	if err != nil || len(pools) == 0 {
		return err
	}
	pid := rapid.SampledFrom(pools).Draw(w.rt, "returnPool").ID
	_, err = w.svc.Return(ctx, w.admin, w.cust, service.ReturnRequest{Reason: "random", PoolID: &pid})
	return err
}

func (w *world) claim(ctx context.Context) error {
	pools, err := w.svc.Pools(ctx, w.admin)
	if err != nil || len(pools) == 0 {
		return err
	}
	u := w.user(ctx, "claimer")
	if u.Status != org.StatusActive {
		return nil
	}
	_, err = w.svc.Claim(ctx, mustActor(w.rt, w.svc, w.f.id, u.ID), rapid.SampledFrom(pools).Draw(w.rt, "claimPool").ID,
		service.ClaimRequest{CustomerID: w.cust})
	return err
}
