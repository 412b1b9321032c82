package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"pgregory.net/rapid"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/keyring"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// newService returns a service over db with a cheap password hash (tests
// only) and a clock the test controls.
func newService(db *store.DB, now *time.Time) *service.Service {
	svc := service.New(db, slog.New(slog.DiscardHandler))
	svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	svc.Now = func() time.Time { return *now }
	svc.Signer = audit.GenerateSigner()
	svc.Master = testMaster // customer and contact fields are sealed, as under serve
	return svc
}

// testMaster is the master key of the services the tests build.
var testMaster = func() *keyring.LocalMaster {
	m, _, err := keyring.GenerateMaster()
	if err != nil {
		panic(err)
	}
	return m
}()

// TestListAgreesWithCheck builds random tenants on a real database and
// checks, for every user, that the permission-filtered list (paged with
// cursors, sorted, filtered) holds exactly the customers the engine's Check
// allows, that the count matches, and that nothing of another tenant shows.
func TestListAgreesWithCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(db, &now)
		n := 0
		rapid.Check(t, func(rt *rapid.T) {
			n++
			tenant := buildTenant(ctx, rt, svc, db, fmt.Sprintf("t%d", n), now)
			if err := db.Read(ctx, func(tx *store.Tx) error {
				drift, err := tx.GrantSortKeyDrift(ctx, tenant.id)
				if err == nil && drift != 0 {
					rt.Fatalf("%d grants carry a sort key that is not their customer's last activity", drift)
				}
				if err != nil {
					return err
				}
				drift, err = tx.RuleMatchDrift(ctx, tenant.id)
				if err == nil && drift != 0 {
					rt.Fatalf("sharing_rule_matches differs from the rules evaluated afresh in %d rows", drift)
				}
				return err
			}); err != nil {
				rt.Fatal(err)
			}
			q := genQuery(rt)
			for _, uid := range tenant.users {
				a, err := svc.ActorFor(ctx, tenant.id, uid)
				if err != nil {
					rt.Fatalf("actor %d: %v", uid, err)
				}
				if q.Has("level") && !a.Subject.Field(access.Customer, "level").Access.Readable() {
					// Filtering on a field one may not read is refused, not answered.
					sq, _ := service.CustomerList(q)
					if _, err := svc.Customers(ctx, a, sq); errs.As(err).Code != "field_not_readable" {
						rt.Fatalf("user %d filters on level they cannot read: got %v, want field_not_readable", uid, err)
					}
					q.Del("level")
				}
				got := listAll(ctx, rt, svc, a, q)
				want := tenant.visible(a, q)
				if !slices.Equal(got, want) {
					rt.Fatalf("user %d (roles %v), query %v: list %v, check allows %v", uid, a.Subject.RoleKeys, q, got, want)
				}
				sq, _ := service.CustomerList(q)
				cnt, err := svc.CountCustomers(ctx, a, sq)
				if err != nil || cnt != int64(len(want)) {
					rt.Fatalf("user %d: count %d (%v), want %d", uid, cnt, err, len(want))
				}
				// Other actions and child objects compile to SQL the same way.
				for _, oa := range []struct {
					o   access.Object
					act access.Action
				}{{access.Customer, access.Edit}, {access.Contact, access.View}, {access.Deal, access.Create}, {access.Customer, access.Export}} {
					var got []int64
					sortBy := rapid.SampledFrom([]string{"name", "last_activity_at"}).Draw(rt, "actionSort")
					err := db.Read(ctx, func(tx *store.Tx) error {
						cs, err := tx.Customers(ctx, tenant.id, a.Subject.Filter(oa.o, oa.act), store.CustomerQuery{Sort: sortBy, Desc: true, Limit: 1000})
						for _, c := range cs {
							got = append(got, c.ID)
						}
						return err
					})
					slices.Sort(got)
					if err != nil {
						rt.Fatal(err)
					}
					want := tenant.allowed(a, oa.o, oa.act)
					if !slices.Equal(got, want) {
						rt.Fatalf("user %d %s.%s: filter %v, check %v", uid, oa.o, oa.act, got, want)
					}
				}
			}
		})
	})
}

type tenantFixture struct {
	id        int64
	users     []int64
	customers []crm.Customer
	team      map[int64][]access.TeamMember
	shares    map[int64][]access.ShareGrant
}

// allowed lists, by id, the customers on which Check allows the action.
func (f tenantFixture) allowed(a *service.Actor, o access.Object, act access.Action) []int64 {
	var rows []crm.Customer
	for _, c := range f.customers {
		if a.Subject.Check(o, act, f.record(c)).Allowed {
			rows = append(rows, c)
		}
	}
	var ids []int64
	for _, c := range rows {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

// visible computes with Check alone which customers a query should return,
// in the query's order.
func (f tenantFixture) visible(a *service.Actor, q url.Values) []int64 {
	var rows []crm.Customer
	for _, c := range f.customers {
		r := f.record(c)
		if lv := q.Get("level"); lv != "" && c.Level != lv {
			continue
		}
		if a.Subject.Check(access.Customer, access.View, r).Allowed {
			rows = append(rows, c)
		}
	}
	sortCustomers(rows, q.Get("sort"))
	ids := []int64{}
	for _, c := range rows {
		ids = append(ids, c.ID)
	}
	return ids
}

func (f tenantFixture) record(c crm.Customer) access.Record {
	r := access.Record{ID: c.ID, DeptPath: c.DeptPath, Team: f.team[c.ID], Shares: f.shares[c.ID],
		Facts: access.Facts{Name: c.Name, Level: c.Level, Region: c.Region, CreatedAt: c.CreatedAt, LastActivityAt: c.LastActivityAt}}
	if c.OwnerID != nil {
		r.OwnerID, r.OwnerDeptID = *c.OwnerID, *c.OwnerDeptID
	}
	if c.PoolID != nil {
		r.PoolID = *c.PoolID
	}
	return r
}

func sortCustomers(rows []crm.Customer, sort string) {
	desc := len(sort) > 0 && sort[0] == '-'
	key := func(c crm.Customer) string {
		switch sort {
		case "name", "-name":
			return c.Name
		case "created_at", "-created_at":
			return fmt.Sprintf("%020d", c.CreatedAt.UnixMicro())
		}
		return fmt.Sprintf("%020d", c.LastActivityAt.UnixMicro())
	}
	if sort == "" {
		desc = true
	}
	slices.SortFunc(rows, func(x, y crm.Customer) int {
		kx, ky := key(x), key(y)
		c := 0
		switch {
		case kx < ky:
			c = -1
		case kx > ky:
			c = 1
		case x.ID < y.ID:
			c = -1
		case x.ID > y.ID:
			c = 1
		}
		if desc {
			return -c
		}
		return c
	})
}

func genQuery(t *rapid.T) url.Values {
	q := url.Values{}
	q.Set("limit", fmt.Sprint(rapid.IntRange(1, 7).Draw(t, "limit")))
	if s := rapid.SampledFrom([]string{"", "name", "-name", "created_at", "-created_at", "last_activity_at"}).Draw(t, "sort"); s != "" {
		q.Set("sort", s)
	}
	if rapid.IntRange(0, 3).Draw(t, "filter") == 0 {
		q.Set("level", rapid.SampledFrom(crm.Levels).Draw(t, "level"))
	}
	return q
}

// listAll pages through the whole list with cursors.
func listAll(ctx context.Context, t *rapid.T, svc *service.Service, a *service.Actor, q url.Values) []int64 {
	ids := []int64{}
	qq := url.Values{}
	for k, v := range q {
		qq[k] = v
	}
	for pages := 0; ; pages++ {
		sq, err := service.CustomerList(qq)
		if err != nil {
			t.Fatalf("query %v: %v", qq, err)
		}
		p, err := svc.Customers(ctx, a, sq)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		for _, c := range p.Items {
			ids = append(ids, c.ID)
		}
		if p.NextCursor == nil || pages > 200 {
			return ids
		}
		qq.Set("cursor", *p.NextCursor)
	}
}

// buildTenant creates a random tenant: a department tree, users with
// managers and random (sometimes expired) roles, and customers with random
// owners, some without an owner.
func buildTenant(ctx context.Context, t *rapid.T, svc *service.Service, db *store.DB, slug string, now time.Time) tenantFixture {
	tn, admin, err := svc.CreateTenant(ctx, service.NewTenant{Slug: slug, Name: "Tenant " + slug, AdminEmail: "admin@" + slug + ".example", AdminPassword: "correct-horse-battery-staple"})
	if err != nil {
		t.Fatalf("tenant: %v", err)
	}
	f := tenantFixture{id: tn.ID, users: []int64{admin.ID}, team: map[int64][]access.TeamMember{}, shares: map[int64][]access.ShareGrant{}}
	err = db.Write(ctx, func(tx *store.Tx) error {
		depts := []org.Department{}
		root, err := tx.Departments(ctx, tn.ID)
		if err != nil {
			return err
		}
		depts = append(depts, root[0])
		for i := 0; i < rapid.IntRange(0, 6).Draw(t, "departments"); i++ {
			p := rapid.SampledFrom(depts).Draw(t, "parent")
			if p.Depth >= org.MaxDepth {
				p = depts[0]
			}
			d, err := tx.CreateDepartment(ctx, tn.ID, &p, fmt.Sprintf("D%d", i), now)
			if err != nil {
				return err
			}
			depts = append(depts, d)
		}
		roles, err := tx.Roles(ctx, tn.ID)
		if err != nil {
			return err
		}
		custom := access.Role{Key: "custom", Name: "Custom", Permissions: []access.Permission{
			{Object: access.Customer, Action: access.View, Scope: rapid.SampledFrom(access.Scopes).Draw(t, "customScope")}}}
		if err := tx.SaveRole(ctx, tn.ID, &custom, now); err != nil {
			return err
		}
		roles = append(roles, custom)
		deptOf := map[int64]org.Department{}
		for i := 0; i < rapid.IntRange(1, 6).Draw(t, "users"); i++ {
			d := rapid.SampledFrom(depts).Draw(t, "userDept")
			u := org.User{Email: fmt.Sprintf("u%d@%s.example", i, slug), Name: fmt.Sprintf("User %d", i), DepartmentID: d.ID, Status: org.StatusActive}
			if rapid.Bool().Draw(t, "hasManager") {
				m := rapid.SampledFrom(f.users).Draw(t, "manager")
				u.ManagerID = &m
			}
			if err := tx.CreateUser(ctx, tn.ID, &u, "", now); err != nil {
				return err
			}
			deptOf[u.ID] = d
			f.users = append(f.users, u.ID)
			for j := 0; j < rapid.IntRange(0, 2).Draw(t, "nroles"); j++ {
				r := rapid.SampledFrom(roles).Draw(t, "role")
				a := &store.Assignment{UserID: u.ID, RoleID: r.ID}
				if rapid.IntRange(0, 3).Draw(t, "expiring") == 0 {
					exp := now.Add(time.Duration(rapid.IntRange(-48, 48).Draw(t, "expiresIn")) * time.Hour)
					a.ExpiresAt = &exp
				}
				if err := tx.Assign(ctx, tn.ID, a, now); err != nil {
					return err
				}
			}
		}
		deptOf[admin.ID] = depts[0]
		principal := func() access.Principal {
			switch rapid.IntRange(0, 3).Draw(t, "ptype") {
			case 0:
				return access.Principal{Type: access.PrincipalUser, ID: rapid.SampledFrom(f.users).Draw(t, "puser")}
			case 1:
				return access.Principal{Type: access.PrincipalDepartment, ID: rapid.SampledFrom(depts).Draw(t, "pdept").ID, IncludeSubDept: rapid.Bool().Draw(t, "psub")}
			case 2:
				return access.Principal{Type: access.PrincipalRole, ID: rapid.SampledFrom(roles).Draw(t, "prole").ID}
			}
			return access.Principal{Type: access.PrincipalGroup, ID: 0}
		}
		g := org.Group{Name: "G", Members: []int64{rapid.SampledFrom(f.users).Draw(t, "member")}}
		if err := tx.SaveGroup(ctx, tn.ID, &g, now); err != nil {
			return err
		}
		level := func() access.Level {
			return rapid.SampledFrom([]access.Level{access.Read, access.EditLevel}).Draw(t, "level")
		}
		for i := 0; i < rapid.IntRange(0, 2).Draw(t, "rules"); i++ {
			p := principal()
			if p.Type == access.PrincipalGroup {
				p.ID = g.ID
			}
			r := store.StoredSharingRule{SharingRule: access.SharingRule{Name: fmt.Sprintf("rule%d", i), Criteria: genCriteria(t, now), Principal: p, Level: level()}}
			if err := tx.SaveSharingRule(ctx, tn.ID, &r, now); err != nil {
				return err
			}
		}
		for i := 0; i < rapid.IntRange(0, 1).Draw(t, "restrictions"); i++ {
			p := principal()
			if p.Type == access.PrincipalGroup {
				p.ID = g.ID
			}
			r := store.StoredRestriction{RestrictionRule: access.RestrictionRule{Name: fmt.Sprintf("deny%d", i), Criteria: genCriteria(t, now), Principals: []access.Principal{p}}}
			if err := tx.SaveRestriction(ctx, tn.ID, &r, now); err != nil {
				return err
			}
		}
		var pools []int64
		for i := 0; i < rapid.IntRange(0, 2).Draw(t, "pools"); i++ {
			pl := store.StoredPool{Pool: access.Pool{Name: fmt.Sprintf("pool%d", i), Departments: []int64{rapid.SampledFrom(depts).Draw(t, "poolDept").ID}},
				PoolSettings: store.PoolSettings{HoldingCap: 10}}
			if err := tx.SavePool(ctx, tn.ID, &pl, now); err != nil {
				return err
			}
			pools = append(pools, pl.ID)
		}
		for i := 0; i < rapid.IntRange(0, 25).Draw(t, "customers"); i++ {
			c := crm.Customer{Name: rapid.SampledFrom([]string{"Acme", "Blue", "Acme East", "Zeta", "Kilo"}).Draw(t, "name"),
				Level:          rapid.SampledFrom(crm.Levels).Draw(t, "clevel"),
				Region:         rapid.SampledFrom([]string{"East", "West", "east"}).Draw(t, "region"),
				LastActivityAt: now.Add(-time.Duration(rapid.IntRange(0, 5).Draw(t, "age")) * time.Hour)}
			if rapid.IntRange(0, 6).Draw(t, "owned") > 0 {
				owner := rapid.SampledFrom(f.users).Draw(t, "owner")
				d := deptOf[owner]
				c.OwnerID, c.OwnerDeptID, c.DeptPath = &owner, &d.ID, d.Path
			}
			if len(pools) > 0 && rapid.Bool().Draw(t, "inPool") {
				pid := rapid.SampledFrom(pools).Draw(t, "pool")
				c.PoolID = &pid
			}
			at := now.Add(time.Duration(rapid.IntRange(0, 3).Draw(t, "created")) * time.Minute)
			if err := tx.CreateCustomer(ctx, tn.ID, &c, at); err != nil {
				return err
			}
			f.customers = append(f.customers, c)
			for j := 0; j < rapid.IntRange(0, 1).Draw(t, "team"); j++ {
				gr := store.Grant{CustomerID: c.ID, Principal: access.Principal{Type: access.PrincipalUser, ID: rapid.SampledFrom(f.users).Draw(t, "tuser")}, Level: level(), ExpiresAt: expiry(t, now)}
				if err := tx.AddTeamMember(ctx, tn.ID, &gr, now); err != nil {
					return err
				}
				f.team[c.ID] = []access.TeamMember{{UserID: gr.Principal.ID, Level: gr.Level, ExpiresAt: gr.ExpiresAt}}
			}
			for j := 0; j < rapid.IntRange(0, 2).Draw(t, "shares"); j++ {
				p := principal()
				if p.Type == access.PrincipalGroup {
					p.ID = g.ID
				}
				gr := store.Grant{CustomerID: c.ID, Principal: p, Level: level(), ExpiresAt: expiry(t, now)}
				if err := tx.AddShare(ctx, tn.ID, &gr, now); err != nil {
					return err
				}
				f.shares[c.ID] = append(f.shares[c.ID], access.ShareGrant{ID: gr.ID, Principal: p, Level: gr.Level, ExpiresAt: gr.ExpiresAt})
			}
		}
		// New activity after the grants: their copies of the sort key follow.
		for i := range f.customers {
			if rapid.IntRange(0, 3).Draw(t, "touch") == 0 {
				at := now.Add(time.Duration(rapid.IntRange(-3, 3).Draw(t, "touchAt")) * time.Hour)
				if err := tx.TouchCustomerActivity(ctx, tn.ID, f.customers[i].ID, at); err != nil {
					return err
				}
				if at.After(f.customers[i].LastActivityAt) {
					f.customers[i].LastActivityAt = at
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("build tenant: %v", err)
	}
	return f
}

func expiry(t *rapid.T, now time.Time) *time.Time {
	if !rapid.Bool().Draw(t, "expires") {
		return nil
	}
	e := now.Add(time.Duration(rapid.IntRange(-2, 2).Draw(t, "expiresIn")) * time.Hour)
	return &e
}

func genCriteria(t *rapid.T, now time.Time) access.Criteria {
	leaf := func() access.Criteria {
		switch rapid.IntRange(0, 4).Draw(t, "leaf") {
		case 0:
			return access.Criteria{Field: "region", Op: "equals", Value: rapid.SampledFrom([]string{"East", "west", "east"}).Draw(t, "v")}
		case 1:
			return access.Criteria{Field: "level", Op: "in", Values: []string{rapid.SampledFrom(crm.Levels).Draw(t, "v1"), "C"}}
		case 2:
			return access.Criteria{Field: "name", Op: "prefix", Value: rapid.SampledFrom([]string{"Acme", "acme", "Acme E", "Z"}).Draw(t, "v")}
		case 3:
			return access.Criteria{Field: "level", Op: "range", Min: rapid.SampledFrom([]string{"", "B"}).Draw(t, "min"), Max: rapid.SampledFrom([]string{"B", "C", "a"}).Draw(t, "max")}
		}
		return access.Criteria{Field: "last_activity_at", Op: "range", Min: now.Add(-time.Duration(rapid.IntRange(0, 6).Draw(t, "h")) * time.Hour).Format(time.RFC3339)}
	}
	switch rapid.IntRange(0, 3).Draw(t, "combine") {
	case 0:
		return access.Criteria{All: []access.Criteria{leaf(), leaf()}}
	case 1:
		return access.Criteria{Any: []access.Criteria{leaf(), leaf()}}
	}
	return leaf()
}
