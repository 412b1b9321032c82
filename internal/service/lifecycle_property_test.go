package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
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

// TestLifecyclePreviewEqualsResult makes random moves and offboardings in
// random tenants and holds the preview to what happens: the applied report
// equals the preview, and for every user of the tenant the customers they
// list and the contacts they may view change exactly as the report says
// (users the report leaves out see no change at all).
func TestLifecyclePreviewEqualsResult(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(db, &now)
		n := 0
		rapid.Check(t, func(rt *rapid.T) {
			n++
			tenant := buildTenant(ctx, rt, svc, db, fmt.Sprintf("lc%d", n), now)
			if len(tenant.users) < 2 {
				return
			}
			contacts := addContacts(ctx, rt, db, tenant)
			admin := mustActor(rt, svc, tenant.id, tenant.users[0])
			who := rapid.SampledFrom(tenant.users[1:]).Draw(rt, "who")
			others := slices.DeleteFunc(slices.Clone(tenant.users), func(id int64) bool { return id == who })
			var run func(preview bool) (service.LifecycleReport, error)
			if rapid.Bool().Draw(rt, "offboard") {
				in := service.OffboardInput{ReturnToPool: rapid.Bool().Draw(rt, "returnToPool")}
				if rapid.IntRange(0, 4).Draw(rt, "hasSuccessor") > 0 {
					succ := rapid.SampledFrom(others).Draw(rt, "successor")
					in.SuccessorID = &succ
				}
				if rapid.Bool().Draw(rt, "reportsTo") {
					boss := rapid.SampledFrom(append([]int64{0}, others...)).Draw(rt, "reportsToID")
					in.ReportsTo = &boss
				}
				run = func(preview bool) (service.LifecycleReport, error) { return svc.Offboard(ctx, admin, who, in, preview) }
			} else {
				var in service.MoveInput
				var depts []org.Department
				if err := db.Read(ctx, func(tx *store.Tx) error {
					var err error
					depts, err = tx.Departments(ctx, tenant.id)
					return err
				}); err != nil {
					rt.Fatal(err)
				}
				if rapid.Bool().Draw(rt, "moveDept") {
					d := rapid.SampledFrom(depts).Draw(rt, "dept").ID
					in.DepartmentID = &d
				}
				if in.DepartmentID == nil || rapid.Bool().Draw(rt, "moveManager") {
					m := rapid.SampledFrom(append([]int64{0}, others...)).Draw(rt, "manager")
					in.ManagerID = &m
				}
				in.Records = rapid.SampledFrom([]string{"follow", "stay"}).Draw(rt, "records")
				if in.Records == "stay" {
					succ := rapid.SampledFrom(others).Draw(rt, "successor")
					in.SuccessorID = &succ
				}
				run = func(preview bool) (service.LifecycleReport, error) { return svc.MoveUser(ctx, admin, who, in, preview) }
			}
			preview, err := run(true)
			if err != nil {
				// Refusals are fine (a cycle, nothing to change, nowhere for
				// a customer to go), but they must be client errors that
				// changed nothing.
				if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
					rt.Fatalf("preview: %v", err)
				}
				if _, aerr := run(false); errs.As(aerr).Code != errs.As(err).Code {
					rt.Fatalf("preview refused with %v, apply with %v", err, aerr)
				}
				return
			}
			before := lifecycleView(ctx, rt, svc, db, tenant, contacts)
			applied, err := run(false)
			if err != nil {
				rt.Fatalf("apply after a clean preview: %v", err)
			}
			after := lifecycleView(ctx, rt, svc, db, tenant, contacts)
			if !applied.Preview && applied.ID == 0 {
				rt.Fatalf("the applied report was not stored")
			}
			if a, b := reportJSON(rt, preview), reportJSON(rt, applied); a != b {
				rt.Fatalf("preview and result differ:\npreview %s\napplied %s", a, b)
			}
			rt.Logf("report %s", reportJSON(rt, applied))
			byUser := map[int64]service.AccessChange{}
			for _, c := range applied.AccessChanges {
				byUser[c.UserID] = c
			}
			for _, uid := range tenant.users {
				b, a := before[uid], after[uid]
				gained, lost := diffIDs(a.customers, b.customers), diffIDs(b.customers, a.customers)
				c := byUser[uid]
				if int64(len(gained)) != c.Gained.Customers || int64(len(lost)) != c.Lost.Customers {
					rt.Fatalf("user %d: report says +%d -%d customers, lists show +%v -%v", uid, c.Gained.Customers, c.Lost.Customers, gained, lost)
				}
				for _, s := range c.GainedSample {
					if !slices.Contains(gained, s.ID) {
						rt.Fatalf("user %d: sample gained %d, not gained", uid, s.ID)
					}
				}
				for _, s := range c.LostSample {
					if !slices.Contains(lost, s.ID) {
						rt.Fatalf("user %d: sample lost %d, not lost", uid, s.ID)
					}
				}
				gc, lc := countOf(diffIDs(a.contacts, b.contacts), contacts), countOf(diffIDs(b.contacts, a.contacts), contacts)
				if gc != c.Gained.Contacts || lc != c.Lost.Contacts {
					rt.Fatalf("user %d: report says +%d -%d contacts, checks say +%d -%d", uid, c.Gained.Contacts, c.Lost.Contacts, gc, lc)
				}
			}
		})
	})
}

// userView is what one user may see: customers by the list, and the
// customers whose contacts Check lets them view.
type userView struct{ customers, contacts []int64 }

func lifecycleView(ctx context.Context, t *rapid.T, svc *service.Service, db *store.DB, f tenantFixture, contacts map[int64]int64) map[int64]userView {
	out := map[int64]userView{}
	var current []crm.Customer
	team, shares := map[int64][]access.TeamMember{}, map[int64][]access.ShareGrant{}
	if err := db.Read(ctx, func(tx *store.Tx) error {
		for _, c := range f.customers {
			cur, err := tx.Customer(ctx, f.id, c.ID)
			if err != nil {
				return err
			}
			current = append(current, cur)
			if team[c.ID], shares[c.ID], err = tx.RecordGrants(ctx, f.id, c.ID); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	g := f
	g.customers, g.team, g.shares = current, team, shares
	for _, uid := range f.users {
		a, err := svc.ActorFor(ctx, f.id, uid)
		if errs.As(err).Code == "user_inactive" {
			out[uid] = userView{}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		v := userView{customers: listAll(ctx, t, svc, a, url.Values{})}
		slices.Sort(v.customers)
		v.contacts = g.allowed(a, access.Contact, access.View)
		out[uid] = v
	}
	return out
}

// addContacts gives some customers contacts and returns how many each has.
func addContacts(ctx context.Context, t *rapid.T, db *store.DB, f tenantFixture) map[int64]int64 {
	out := map[int64]int64{}
	if err := db.Write(ctx, func(tx *store.Tx) error {
		for _, c := range f.customers {
			for i := 0; i < rapid.IntRange(0, 2).Draw(t, "contacts"); i++ {
				k := crm.Contact{CustomerID: c.ID, Name: fmt.Sprintf("Contact %d", i)}
				if err := tx.SaveContact(ctx, f.id, &k, time.Now()); err != nil {
					return err
				}
				out[c.ID]++
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func countOf(ids []int64, n map[int64]int64) int64 {
	var total int64
	for _, id := range ids {
		total += n[id]
	}
	return total
}

func diffIDs(a, b []int64) []int64 {
	var out []int64
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// reportJSON renders a report without what differs by design between a
// preview and its application: the preview flag and the stored id.
func reportJSON(t *rapid.T, r service.LifecycleReport) string {
	r.Preview, r.ID = false, 0
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
