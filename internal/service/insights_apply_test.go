package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestProposalPreviewEqualsResult applies random role removals and
// narrowings in random tenants and holds the preview to what happens: the
// applied answer equals the preview, and for every user of the tenant the
// customers they list, the contacts they may view and the scopes their
// roles give change exactly as the answer says (users it leaves out see
// no change at all).
func TestProposalPreviewEqualsResult(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(db, &now)
		n, refused := 0, 0
		rapid.Check(t, func(rt *rapid.T) {
			n++
			tenant := buildTenant(ctx, rt, svc, db, fmt.Sprintf("ins%d", n), now)
			contacts := addContacts(ctx, rt, db, tenant)
			admin := mustActor(rt, svc, tenant.id, tenant.users[0])
			in := drawProposal(ctx, rt, db, tenant)
			run := func(preview bool) (service.ProposalResult, error) { return svc.ApplyProposal(ctx, admin, in, preview) }

			preview, err := run(true)
			if err != nil {
				if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict && k != errs.NotFound {
					rt.Fatalf("preview: %v", err)
				}
				if _, aerr := run(false); errs.As(aerr).Code != errs.As(err).Code {
					rt.Fatalf("preview refused with %v, apply with %v", err, aerr)
				}
				refused++
				return
			}
			before, cellsBefore := lifecycleView(ctx, rt, svc, db, tenant, contacts), cellsOf(ctx, rt, svc, tenant)
			applied, err := run(false)
			if err != nil {
				rt.Fatalf("apply after a clean preview: %v", err)
			}
			after, cellsAfter := lifecycleView(ctx, rt, svc, db, tenant, contacts), cellsOf(ctx, rt, svc, tenant)
			if a, b := resultJSON(rt, preview), resultJSON(rt, applied); a != b {
				rt.Fatalf("preview and result differ:\npreview %s\napplied %s", a, b)
			}
			seen := map[int64]service.AccessChange{}
			for _, c := range applied.AccessChanges {
				seen[c.UserID] = c
			}
			grants := map[int64]service.GrantChange{}
			for _, g := range applied.Grants {
				grants[g.UserID] = g
			}
			for _, uid := range tenant.users {
				b, a := before[uid], after[uid]
				gained, lost := diffIDs(a.customers, b.customers), diffIDs(b.customers, a.customers)
				c := seen[uid]
				if int64(len(gained)) != c.Gained.Customers || int64(len(lost)) != c.Lost.Customers {
					rt.Fatalf("user %d: answer says +%d -%d customers, lists show +%v -%v", uid, c.Gained.Customers, c.Lost.Customers, gained, lost)
				}
				gc, lc := countOf(diffIDs(a.contacts, b.contacts), contacts), countOf(diffIDs(b.contacts, a.contacts), contacts)
				if gc != c.Gained.Contacts || lc != c.Lost.Contacts {
					rt.Fatalf("user %d: answer says +%d -%d contacts, checks say +%d -%d", uid, c.Gained.Contacts, c.Lost.Contacts, gc, lc)
				}
				var want []service.CellChange
				for _, o := range access.Objects {
					for _, act := range access.Actions {
						k := string(o) + "." + string(act)
						if !slices.Equal(cellsBefore[uid][k], cellsAfter[uid][k]) {
							want = append(want, service.CellChange{Object: o, Action: act, Before: cellsBefore[uid][k], After: cellsAfter[uid][k]})
						}
					}
				}
				if got := grants[uid].Cells; fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
					rt.Fatalf("user %d: answer says cells %v, subjects show %v", uid, got, want)
				}
			}
		})
		t.Logf("%d proposals, %d refused", n, refused)
	})
}

// drawProposal draws a removal of a role a user was assigned, or a
// narrowing of some cells and functions of a role; either may be refused
// (the administrator removing their own administrator role, a function
// the actor lacks), which the test allows.
func drawProposal(ctx context.Context, t *rapid.T, db *store.DB, f tenantFixture) service.ProposalInput {
	var roles []access.Role
	held := map[int64][]store.Assignment{}
	if err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if roles, err = tx.Roles(ctx, f.id); err != nil {
			return err
		}
		for _, u := range f.users {
			if held[u], err = tx.Assignments(ctx, f.id, u); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	user := rapid.SampledFrom(f.users).Draw(t, "user")
	if rapid.Bool().Draw(t, "remove") && len(held[user]) > 0 {
		a := rapid.SampledFrom(held[user]).Draw(t, "assignment")
		return service.ProposalInput{Kind: service.ProposeRemoveRole, UserID: user, Role: a.RoleKey}
	}
	r := rapid.SampledFrom(roles).Draw(t, "role")
	in := service.ProposalInput{Kind: service.ProposeNarrowRole, Role: r.Key}
	for _, p := range r.Permissions {
		if !rapid.Bool().Draw(t, "narrowCell") {
			continue
		}
		var narrower []access.Scope
		for _, s := range access.Scopes {
			if s != p.Scope && access.ScopeCovers(p.Scope, s) {
				narrower = append(narrower, s)
			}
		}
		if len(narrower) > 0 { // a stored cell of scope none has nothing narrower
			in.Cells = append(in.Cells, access.Permission{Object: p.Object, Action: p.Action, Scope: rapid.SampledFrom(narrower).Draw(t, "scope")})
		}
	}
	for _, fn := range r.Functions {
		if rapid.IntRange(0, 3).Draw(t, "dropFunction") == 0 {
			in.Functions = append(in.Functions, fn)
		}
	}
	if len(in.Cells)+len(in.Functions) == 0 && len(r.Permissions) > 0 {
		p := r.Permissions[0]
		in.Cells = []access.Permission{{Object: p.Object, Action: p.Action, Scope: access.None}}
	}
	return in
}

// cellsOf is, per user, the scopes their roles give each cell, sorted
// narrowest first.
func cellsOf(ctx context.Context, t *rapid.T, svc *service.Service, f tenantFixture) map[int64]map[string][]access.Scope {
	out := map[int64]map[string][]access.Scope{}
	for _, uid := range f.users {
		a := mustActor(t, svc, f.id, uid)
		m := map[string][]access.Scope{}
		for _, o := range access.Objects {
			for _, act := range access.Actions {
				sc := slices.Clone(a.Subject.ScopesFor(o, act))
				slices.SortFunc(sc, func(x, y access.Scope) int { return slices.Index(access.Scopes, x) - slices.Index(access.Scopes, y) })
				if sc == nil {
					sc = []access.Scope{}
				}
				m[string(o)+"."+string(act)] = sc
			}
		}
		out[uid] = m
	}
	return out
}

// resultJSON renders an answer without the preview flag.
func resultJSON(t *rapid.T, r service.ProposalResult) string {
	r.Preview = false
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
