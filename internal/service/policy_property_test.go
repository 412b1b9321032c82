package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/policy"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestPolicyDryRunEqualsResult exports the policy of random tenants,
// changes it at random (scopes, functions, field rules, rules, pools,
// separation-of-duties rules, sections left out) and holds the dry run to
// what applying it does: the applied report equals the dry run's; for
// every user of the tenant the customers their list shows, the contacts
// Check lets them view and the functions they hold change exactly as the
// report says (users the report leaves out see no change); and the export
// after the apply is the document applied. A refusal is a client error,
// the same in both, and changes nothing.
func TestPolicyDryRunEqualsResult(t *testing.T) {
	checkPolicyApply(t, "pc", mutatePolicy)
}

// TestPolicyDryRunViewScopes is TestPolicyDryRunEqualsResult for the
// documents the dry run's branch-by-branch comparison is for: the view
// scopes of every role change at once (to and from all), so that most
// users' filters change over the same rules, pools, teams, shares and
// restrictions, sometimes with a restriction added for a role.
func TestPolicyDryRunViewScopes(t *testing.T) {
	checkPolicyApply(t, "pv", mutateViews)
}

// checkPolicyApply holds the dry run of documents made by mutate to what
// applying them does, in random tenants.
func checkPolicyApply(t *testing.T, prefix string, mutate func(*rapid.T, policy.Document, facts) policy.Document) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(db, &now)
		n := 0
		rapid.Check(t, func(rt *rapid.T) {
			n++
			// Branches are read with IN lists or in one pass, tested through
			// bitmaps or lists; children are counted set by set or from
			// every customer's count: every way.
			defer service.SetPolicyDiffLimits(rapid.SampledFrom([]int{0, 1000}).Draw(rt, "onePass"),
				rapid.SampledFrom([]int{0, 1 << 30}).Draw(rt, "bitmap"), rapid.SampledFrom([]int{0, 3, 100_000}).Draw(rt, "childCounts"))()
			tenant := buildTenant(ctx, rt, svc, db, fmt.Sprintf("%s%d", prefix, n), now)
			contacts := addContacts(ctx, rt, db, tenant)
			admin := mustActor(rt, svc, tenant.id, tenant.users[0])
			cur, err := svc.ExportPolicy(ctx, admin)
			if err != nil {
				rt.Fatal(err)
			}
			want := mutate(rt, cur, policyFacts(ctx, rt, db, tenant))
			dry, err := svc.ApplyPolicy(ctx, admin, want, true)
			if err != nil {
				if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict && k != errs.Forbidden {
					rt.Fatalf("dry run: %v", err)
				}
				_, aerr := svc.ApplyPolicy(ctx, admin, want, false)
				if errs.As(aerr).Code != errs.As(err).Code || errs.As(aerr).Field != errs.As(err).Field {
					rt.Fatalf("dry run refused with %v, apply with %v", err, aerr)
				}
				if again, _ := svc.ExportPolicy(ctx, admin); string(again.YAML()) != string(cur.YAML()) {
					rt.Fatalf("a refused apply changed the policy:\n%s", again.YAML())
				}
				return
			}
			if again, _ := svc.ExportPolicy(ctx, admin); string(again.YAML()) != string(cur.YAML()) {
				rt.Fatalf("a dry run changed the policy:\n%s", again.YAML())
			}
			before := policyView(ctx, rt, svc, db, tenant, contacts)
			applied, err := svc.ApplyPolicy(ctx, admin, want, false)
			if err != nil {
				rt.Fatalf("apply after a clean dry run: %v", err)
			}
			after := policyView(ctx, rt, svc, db, tenant, contacts)
			if a, b := policyReportJSON(rt, dry), policyReportJSON(rt, applied); a != b {
				rt.Fatalf("dry run and result differ:\ndry run %s\napplied %s", a, b)
			}
			checkPolicyReport(rt, tenant, applied, before, after, contacts)
			exported, err := svc.ExportPolicy(ctx, admin)
			if err != nil {
				rt.Fatal(err)
			}
			if got, wantYAML := exported.YAML(), expectedPolicy(cur, want).YAML(); string(got) != string(wantYAML) {
				rt.Fatalf("the export after the apply is not the document applied:\ngot\n%s\nwant\n%s", got, wantYAML)
			}
		})
	})
}

// mutateViews changes the view scope of each role on each object at
// random and may add a restriction naming a role.
func mutateViews(t *rapid.T, cur policy.Document, _ facts) policy.Document {
	d := cur.Canonical()
	d.Labels = nil
	roles := slices.Clone(*d.Roles)
	var keys []string
	for i, r := range roles {
		perms := map[access.Object]map[access.Action]access.Scope{}
		for o, cells := range r.Permissions {
			perms[o] = maps.Clone(cells)
		}
		for _, o := range access.Objects {
			if rapid.Bool().Draw(t, "changeView") {
				if perms[o] == nil {
					perms[o] = map[access.Action]access.Scope{}
				}
				perms[o][access.View] = rapid.SampledFrom(access.Scopes).Draw(t, "viewScope")
			}
		}
		roles[i].Permissions = perms
		keys = append(keys, r.Key)
	}
	d.Roles = &roles
	if rapid.Bool().Draw(t, "addRestriction") {
		rr := append(slices.Clone(*d.RestrictionRules), policy.RestrictionRule{Name: "view restriction",
			Criteria: genCriteria(t, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)), Principals: []policy.Principal{{Role: rapid.SampledFrom(keys).Draw(t, "restricted")}}})
		d.RestrictionRules = &rr
	}
	return d
}

// accessView is what one user may see and do.
type accessView struct {
	userView
	functions []access.Function
}

func policyView(ctx context.Context, t *rapid.T, svc *service.Service, db *store.DB, f tenantFixture, contacts map[int64]int64) map[int64]accessView {
	out := map[int64]accessView{}
	for uid, v := range lifecycleView(ctx, t, svc, db, f, contacts) {
		a := accessView{userView: v}
		if act, err := svc.ActorFor(ctx, f.id, uid); err == nil {
			a.functions = act.Subject.Functions()
		}
		out[uid] = a
	}
	return out
}

func checkPolicyReport(t *rapid.T, f tenantFixture, rep service.PolicyReport, before, after map[int64]accessView, contacts map[int64]int64) {
	byUser := map[int64]service.PolicyUserChange{}
	for _, c := range rep.Users {
		byUser[c.UserID] = c
	}
	for _, uid := range f.users {
		b, a, c := before[uid], after[uid], byUser[uid]
		gained, lost := diffIDs(a.customers, b.customers), diffIDs(b.customers, a.customers)
		if int64(len(gained)) != c.Gained.Customers || int64(len(lost)) != c.Lost.Customers {
			t.Fatalf("user %d: report says +%d -%d customers, lists show +%v -%v", uid, c.Gained.Customers, c.Lost.Customers, gained, lost)
		}
		for _, s := range c.GainedSample {
			if !slices.Contains(gained, s.ID) {
				t.Fatalf("user %d: sample gained %d, not gained", uid, s.ID)
			}
		}
		for _, s := range c.LostSample {
			if !slices.Contains(lost, s.ID) {
				t.Fatalf("user %d: sample lost %d, not lost", uid, s.ID)
			}
		}
		gc, lc := countOf(diffIDs(a.contacts, b.contacts), contacts), countOf(diffIDs(b.contacts, a.contacts), contacts)
		if gc != c.Gained.Contacts || lc != c.Lost.Contacts {
			t.Fatalf("user %d: report says +%d -%d contacts, checks say +%d -%d", uid, c.Gained.Contacts, c.Lost.Contacts, gc, lc)
		}
		fg, fl := diffFns(a.functions, b.functions), diffFns(b.functions, a.functions)
		if !slices.Equal(fg, c.FunctionsGained) || !slices.Equal(fl, c.FunctionsLost) {
			t.Fatalf("user %d: report says functions +%v -%v, subjects say +%v -%v", uid, c.FunctionsGained, c.FunctionsLost, fg, fl)
		}
	}
}

func diffFns(a, b []access.Function) []access.Function {
	out := []access.Function{}
	for _, f := range a {
		if !slices.Contains(b, f) {
			out = append(out, f)
		}
	}
	return out
}

// expectedPolicy is what the tenant's policy should be after applying want
// to cur: want's sections replace cur's, and preset roles want leaves out
// stay as they were.
func expectedPolicy(cur, want policy.Document) policy.Document {
	out := cur
	preset := map[string]bool{}
	for _, r := range *cur.Roles {
		preset[r.Key] = r.Preset
	}
	if want.Roles != nil {
		roles := []policy.Role{}
		for _, r := range *want.Roles {
			r.Preset = preset[r.Key]
			roles = append(roles, r)
		}
		for _, r := range *cur.Roles {
			if r.Preset && !slices.ContainsFunc(roles, func(x policy.Role) bool { return x.Key == r.Key }) {
				roles = append(roles, r)
			}
		}
		out.Roles = &roles
	}
	if want.SharingRules != nil {
		out.SharingRules = want.SharingRules
	}
	if want.RestrictionRules != nil {
		out.RestrictionRules = want.RestrictionRules
	}
	if want.Pools != nil {
		out.Pools = want.Pools
	}
	if want.SoDRules != nil {
		out.SoDRules = want.SoDRules
	}
	return out
}

// policyReportJSON renders a report without the dry-run flag.
func policyReportJSON(t *rapid.T, r service.PolicyReport) string {
	r.DryRun = false
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// facts are the tenant's ids a random document may name.
type facts struct {
	users, depts, groups []int64
}

func policyFacts(ctx context.Context, t *rapid.T, db *store.DB, f tenantFixture) facts {
	out := facts{users: f.users}
	if err := db.Read(ctx, func(tx *store.Tx) error {
		depts, err := tx.Departments(ctx, f.id)
		for _, d := range depts {
			out.depts = append(out.depts, d.ID)
		}
		if err != nil {
			return err
		}
		groups, err := tx.Groups(ctx, f.id)
		for _, g := range groups {
			out.groups = append(out.groups, g.ID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// mutatePolicy changes a copy of an exported policy at random.
func mutatePolicy(t *rapid.T, cur policy.Document, fx facts) policy.Document {
	d := cur.Canonical()
	d.Labels = nil
	roles := slices.Clone(*d.Roles)
	var keys []string
	for i := range roles {
		roles[i] = mutateRole(t, roles[i], i)
		keys = append(keys, roles[i].Key)
	}
	if rapid.IntRange(0, 3).Draw(t, "dropRole") == 0 {
		i := rapid.IntRange(0, len(roles)-1).Draw(t, "droppedRole")
		roles = slices.Delete(roles, i, i+1) // a preset is kept; another may be held (refused)
	}
	if rapid.Bool().Draw(t, "newRole") {
		r := mutateRole(t, policy.Role{Key: "fresh", Name: "Fresh"}, -1)
		roles = append(roles, r)
		keys = append(keys, r.Key)
	}
	d.Roles = &roles
	principal := func() policy.Principal {
		switch rapid.IntRange(0, 3).Draw(t, "ptype") {
		case 0:
			return policy.Principal{User: rapid.SampledFrom(fx.users).Draw(t, "puser")}
		case 1:
			return policy.Principal{Department: rapid.SampledFrom(fx.depts).Draw(t, "pdept"), IncludeSubdepartments: rapid.Bool().Draw(t, "psub")}
		case 2:
			return policy.Principal{Group: rapid.SampledFrom(fx.groups).Draw(t, "pgroup")}
		}
		return policy.Principal{Role: rapid.SampledFrom(keys).Draw(t, "prole")}
	}
	level := func() access.Level {
		return rapid.SampledFrom([]access.Level{access.Read, access.EditLevel}).Draw(t, "level")
	}
	sr := slices.Clone(*d.SharingRules)
	for i := range sr {
		if rapid.Bool().Draw(t, "changeRule") {
			sr[i].Criteria, sr[i].Principal, sr[i].Level = genCriteria(t, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)), principal(), level()
		}
	}
	if len(sr) > 0 && rapid.IntRange(0, 3).Draw(t, "dropRule") == 0 {
		sr = sr[1:]
	}
	if rapid.Bool().Draw(t, "addRule") {
		sr = append(sr, policy.SharingRule{Name: "new rule", Criteria: genCriteria(t, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)), Principal: principal(), Level: level()})
	}
	d.SharingRules = &sr
	rr := slices.Clone(*d.RestrictionRules)
	if len(rr) > 0 && rapid.IntRange(0, 2).Draw(t, "dropRestriction") == 0 {
		rr = rr[1:]
	}
	if rapid.IntRange(0, 2).Draw(t, "addRestriction") == 0 {
		rr = append(rr, policy.RestrictionRule{Name: "new restriction", Criteria: genCriteria(t, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)),
			Principals: []policy.Principal{principal()}})
	}
	d.RestrictionRules = &rr
	ps := slices.Clone(*d.Pools)
	for i := range ps {
		if rapid.Bool().Draw(t, "changePool") {
			ps[i].Departments = []int64{rapid.SampledFrom(fx.depts).Draw(t, "poolDept")}
			ps[i].HoldingCap = rapid.IntRange(0, 20).Draw(t, "cap")
		}
	}
	if len(ps) > 0 && rapid.IntRange(0, 3).Draw(t, "dropPool") == 0 {
		ps = ps[1:] // refused while it holds customers
	}
	if rapid.IntRange(0, 2).Draw(t, "addPool") == 0 {
		ps = append(ps, policy.Pool{Name: "new pool", Departments: []int64{rapid.SampledFrom(fx.depts).Draw(t, "newPoolDept")}, HoldingCap: 3})
	}
	d.Pools = &ps
	if rapid.IntRange(0, 3).Draw(t, "sod") == 0 {
		d.SoDRules = &[]policy.SoDRule{{Name: "no exporter approves", Mode: "refuse",
			Holdings: []string{"customer.export", "function:" + string(rapid.SampledFrom(access.Functions).Draw(t, "sodFn"))}}}
	}
	// Sections left out are left alone.
	if rapid.IntRange(0, 4).Draw(t, "leaveOutRules") == 0 {
		d.SharingRules = nil
	}
	if rapid.IntRange(0, 4).Draw(t, "leaveOutRestrictions") == 0 {
		d.RestrictionRules = nil
	}
	if rapid.IntRange(0, 4).Draw(t, "leaveOutPools") == 0 {
		d.Pools = nil
	}
	if rapid.IntRange(0, 4).Draw(t, "leaveOutRoles") == 0 {
		d.Roles = nil
	}
	return d
}

// mutateRole changes some of a role's cells, functions and field rules.
func mutateRole(t *rapid.T, r policy.Role, i int) policy.Role {
	if i >= 0 && !rapid.Bool().Draw(t, fmt.Sprintf("changeRole%d", i)) {
		return r
	}
	perms := map[access.Object]map[access.Action]access.Scope{}
	for o, cells := range r.Permissions {
		perms[o] = map[access.Action]access.Scope{}
		for a, sc := range cells {
			perms[o][a] = sc
		}
	}
	for range rapid.IntRange(0, 3).Draw(t, "cells") {
		o := rapid.SampledFrom(access.Objects).Draw(t, "object")
		if perms[o] == nil {
			perms[o] = map[access.Action]access.Scope{}
		}
		perms[o][rapid.SampledFrom([]access.Action{access.View, access.View, access.Edit, access.Export}).Draw(t, "action")] =
			rapid.SampledFrom(access.Scopes).Draw(t, "scope")
	}
	r.Permissions = perms
	fns := slices.Clone(r.Functions)
	if rapid.IntRange(0, 2).Draw(t, "toggleFunction") == 0 {
		f := rapid.SampledFrom([]access.Function{access.ViewAudit, access.ManagePools, access.ApproveExports, access.RunReviews}).Draw(t, "function")
		if k := slices.Index(fns, f); k >= 0 {
			fns = slices.Delete(fns, k, k+1)
		} else {
			fns = append(fns, f)
		}
	}
	r.Functions = fns
	if rapid.IntRange(0, 2).Draw(t, "fieldRule") == 0 {
		fields := map[access.Object]map[string]access.FieldAccess{}
		for o, fs := range r.Fields {
			fields[o] = map[string]access.FieldAccess{}
			for k, v := range fs {
				fields[o][k] = v
			}
		}
		ref := rapid.SampledFrom([][2]string{{"customer", "phone"}, {"customer", "name"}, {"contact", "email"}, {"deal", "amount"}, {"contact", "*"}}).Draw(t, "field")
		o := access.Object(ref[0])
		if fields[o] == nil {
			fields[o] = map[string]access.FieldAccess{}
		}
		fields[o][ref[1]] = rapid.SampledFrom(access.FieldAccesses).Draw(t, "fieldAccess")
		r.Fields = fields
		reveal := map[access.Object][]string{} // reveal goes with masked access only
		for obj, fs := range r.Reveal {
			reveal[obj] = slices.DeleteFunc(slices.Clone(fs), func(f string) bool { return fields[obj][f] != access.FieldMasked })
		}
		r.Reveal = reveal
	}
	return r
}
