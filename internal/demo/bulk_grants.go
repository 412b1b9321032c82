package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"steward/internal/access"
	"steward/internal/org"
	"steward/internal/store"
)

// Shares of a bulk tenant's owned customers that get each kind of grant:
// the reference tenant of the access benchmarks has about 10% with record
// teams, 5% shared, and 50,000 of its 1,000,000 customers in pools.
const (
	teamShare  = 0.10
	shareShare = 0.05
	poolShare  = 0.05
)

// GrantReport is what Grants added to a tenant.
type GrantReport struct {
	Groups, Rules, Restrictions, Pools int
	PoolCustomers                      int
	TeamCustomers, TeamMembers         int
	SharedCustomers, Shares            int
	ExpiredShares, ExpiringShares      int // expired before now; expiring after it
	Time                               time.Duration
}

// Grants adds to a bulk tenant everything besides role scope that gives
// access: groups, sharing rules, restriction rules and pools through the
// store's ordinary methods, then record teams, shares and the pools'
// customers through a bulk load. Teams mostly draw on the owner's own
// department; shares name users, departments, groups and roles, some
// expired, some expiring. The same seed adds the same grants to the same
// tenant.
func Grants(ctx context.Context, db *store.DB, tenantID int64, now time.Time, seed uint64, progress io.Writer) (GrantReport, error) {
	start := time.Now()
	var rep GrantReport
	w, err := readWorld(ctx, db, tenantID, now)
	if err != nil {
		return rep, err
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	pol, err := w.savePolicy(ctx, db, rng)
	if err != nil {
		return rep, err
	}
	rep.Groups, rep.Rules, rep.Restrictions, rep.Pools = len(pol.groups), pol.rules, pol.restrictions, len(pol.pools)
	rows := w.plan(rng, pol)
	load, err := db.BeginBulk(ctx, tenantID, store.BulkPlan{})
	if err != nil {
		return rep, err
	}
	err = rows.write(ctx, load, now)
	if err == nil {
		err = load.AnalyzeGrants(ctx)
	}
	if cerr := load.Close(ctx); cerr != nil {
		err = errors.Join(err, cerr)
	}
	rows.count(&rep, now)
	rep.Time = time.Since(start)
	fmt.Fprintf(progress, "grants: %d groups, %d sharing rules, %d restriction rules, %d pools holding %d customers, "+
		"%d team members on %d customers, %d shares of %d customers, in %s\n", rep.Groups, rep.Rules, rep.Restrictions,
		rep.Pools, rep.PoolCustomers, rep.TeamMembers, rep.TeamCustomers, rep.Shares, rep.SharedCustomers, rep.Time.Round(time.Millisecond))
	return rep, err
}

// world is what the grants are drawn from: the tenant's org and owned
// customers as the base load left them.
type world struct {
	tenantID int64
	now      time.Time
	admin    int64
	depts    []org.Department // by depth, then id
	byDepth  map[int][]int64
	users    []int64
	members  map[int64][]int64 // department → its users
	owned    []store.OwnedCustomer
}

func readWorld(ctx context.Context, db *store.DB, tenantID int64, now time.Time) (*world, error) {
	w := &world{tenantID: tenantID, now: now, byDepth: map[int][]int64{}, members: map[int64][]int64{}}
	err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if w.depts, err = tx.Departments(ctx, tenantID); err != nil {
			return err
		}
		us, err := tx.Users(ctx, tenantID, store.UserPage{Limit: 1 << 30})
		if err != nil {
			return err
		}
		roles, err := tx.RoleKeysByUser(ctx, tenantID, now)
		if err != nil {
			return err
		}
		for _, u := range us {
			w.users = append(w.users, u.ID)
			w.members[u.DepartmentID] = append(w.members[u.DepartmentID], u.ID)
			if w.admin == 0 && slices.Contains(roles[u.ID], "administrator") {
				w.admin = u.ID
			}
		}
		w.owned, err = tx.OwnedCustomers(ctx, tenantID)
		return err
	})
	for _, d := range w.depts {
		w.byDepth[d.Depth] = append(w.byDepth[d.Depth], d.ID)
	}
	if err == nil && (len(w.users) == 0 || len(w.depts) == 0) {
		err = fmt.Errorf("tenant %d has no users or departments to grant to", tenantID)
	}
	return w, err
}

// grantRows are the bulk rows of a grants load.
type grantRows struct {
	pools  map[int64][]int64 // pool → the customers it takes
	team   []store.BulkTeamMember
	shares []store.BulkShare
}

// plan draws the pools' customers, then teams and shares for the owned
// customers that remain.
func (w *world) plan(rng *rand.Rand, pol *policy) grantRows {
	rows := grantRows{pools: map[int64][]int64{}}
	inPool := map[int64]bool{}
	perm := rng.Perm(len(w.owned))
	n := int(float64(len(w.owned))*poolShare + 0.5)
	for i, idx := range perm[:n] {
		p := pol.pools[0]
		if len(pol.pools) > 1 && i >= n*3/5 { // three fifths in the company pool
			p = pol.pools[1]
		}
		id := w.owned[idx].ID
		rows.pools[p] = append(rows.pools[p], id)
		inPool[id] = true
	}
	for _, c := range w.owned {
		if inPool[c.ID] {
			continue
		}
		if rng.Float64() < teamShare {
			rows.team = append(rows.team, w.teamFor(rng, c)...)
		}
		if rng.Float64() < shareShare {
			rows.shares = append(rows.shares, w.shareFor(rng, c, pol))
			if rng.IntN(10) == 0 {
				rows.shares = append(rows.shares, w.shareFor(rng, c, pol))
			}
		}
	}
	return rows
}

// teamFor puts one or two users on a customer's team: mostly colleagues of
// the owner's department, otherwise anyone.
func (w *world) teamFor(rng *rand.Rand, c store.OwnedCustomer) []store.BulkTeamMember {
	var out []store.BulkTeamMember
	taken := []int64{c.OwnerID}
	for range 1 + rng.IntN(2) {
		pool := w.members[c.DeptID]
		if rng.Float64() >= 0.7 || len(pool) < 2 {
			pool = w.users
		}
		u := pool[rng.IntN(len(pool))]
		if slices.Contains(taken, u) {
			continue
		}
		taken = append(taken, u)
		lvl := access.Read
		if rng.Float64() < 0.4 {
			lvl = access.EditLevel
		}
		out = append(out, store.BulkTeamMember{CustomerID: c.ID, UserID: u, Level: lvl,
			ExpiresAt: w.expiry(rng, 0.05, 0.10), GrantedBy: c.OwnerID})
	}
	return out
}

// shareRoles are the roles customers are shared with.
var shareRoles = []string{"marketing", "customer_service", "sales_manager", "sales_director"}

// shareFor shares a customer with a user (60%), a department (20%, half of
// them with sub-departments), a group (10%) or a role (10%).
func (w *world) shareFor(rng *rand.Rand, c store.OwnedCustomer, pol *policy) store.BulkShare {
	s := store.BulkShare{CustomerID: c.ID, Level: access.Read, GrantedBy: c.OwnerID, ExpiresAt: w.expiry(rng, 0.15, 0.15)}
	if rng.Float64() < 0.3 {
		s.Level = access.EditLevel
	}
	switch r := rng.Float64(); {
	case r < 0.6:
		s.Principal = access.Principal{Type: access.PrincipalUser, ID: w.users[rng.IntN(len(w.users))]}
	case r < 0.8:
		d := w.depts[1+rng.IntN(len(w.depts)-1)] // never the root: that would be everyone
		if len(w.depts) == 1 {
			d = w.depts[0]
		}
		s.Principal = access.Principal{Type: access.PrincipalDepartment, ID: d.ID, IncludeSubDept: rng.IntN(2) == 0}
	case r < 0.9:
		s.Principal = access.Principal{Type: access.PrincipalGroup, ID: pol.groups[rng.IntN(len(pol.groups))]}
	default:
		s.Principal = access.Principal{Type: access.PrincipalRole, ID: pol.roles[shareRoles[rng.IntN(len(shareRoles))]]}
	}
	return s
}

// expiry returns a time up to 90 days past with probability past, up to
// 180 days ahead with probability future, and otherwise none.
func (w *world) expiry(rng *rand.Rand, past, future float64) *time.Time {
	day := 24 * time.Hour
	var t time.Time
	switch r := rng.Float64(); {
	case r < past:
		t = w.now.Add(-time.Duration(1+rng.IntN(90)) * day)
	case r < past+future:
		t = w.now.Add(time.Duration(1+rng.IntN(180)) * day)
	default:
		return nil
	}
	return &t
}

// grantBatch is how many team or share rows go in one transaction.
const grantBatch = 50_000

func (r grantRows) write(ctx context.Context, load *store.BulkLoad, now time.Time) error {
	for _, p := range slices.Sorted(maps.Keys(r.pools)) {
		if err := load.PlaceInPool(ctx, p, r.pools[p], now); err != nil {
			return err
		}
	}
	for i := 0; i < len(r.team); i += grantBatch {
		if err := load.TeamMembers(ctx, r.team[i:min(i+grantBatch, len(r.team))], now); err != nil {
			return err
		}
	}
	for i := 0; i < len(r.shares); i += grantBatch {
		if err := load.Shares(ctx, r.shares[i:min(i+grantBatch, len(r.shares))], now); err != nil {
			return err
		}
	}
	return nil
}

func (r grantRows) count(rep *GrantReport, now time.Time) {
	for _, ids := range r.pools {
		rep.PoolCustomers += len(ids)
	}
	rep.TeamMembers, rep.Shares = len(r.team), len(r.shares)
	teamed, shared := map[int64]bool{}, map[int64]bool{}
	for _, m := range r.team {
		teamed[m.CustomerID] = true
	}
	for _, s := range r.shares {
		shared[s.CustomerID] = true
		switch {
		case s.ExpiresAt == nil:
		case s.ExpiresAt.After(now):
			rep.ExpiringShares++
		default:
			rep.ExpiredShares++
		}
	}
	rep.TeamCustomers, rep.SharedCustomers = len(teamed), len(shared)
}
