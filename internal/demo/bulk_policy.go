package demo

import (
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"steward/internal/access"
	"steward/internal/org"
	"steward/internal/store"
)

// policy is what savePolicy created, for the bulk rows to refer to.
type policy struct {
	groups              []int64
	pools               []int64
	roles               map[string]int64
	rules, restrictions int
}

// bulkGroups are the cross-team groups of a bulk tenant; shares and rules
// name them.
var bulkGroups = []string{"Technology specialists", "Healthcare specialists", "Energy specialists", "Finance specialists",
	"Logistics specialists", "Partner desk", "Trade fair team", "Key account managers", "Pre-sales engineers", "Channel managers"}

// savePolicy creates the groups, pools, sharing rules and restriction
// rules, in one transaction, through the store's ordinary methods.
func (w *world) savePolicy(ctx context.Context, db *store.DB, rng *rand.Rand) (*policy, error) {
	pol := &policy{roles: map[string]int64{}}
	err := db.Write(ctx, func(tx *store.Tx) error {
		roles, err := tx.Roles(ctx, w.tenantID)
		if err != nil {
			return err
		}
		for _, r := range roles {
			pol.roles[r.Key] = r.ID
		}
		groups := map[string]int64{}
		for _, name := range bulkGroups {
			g := org.Group{Name: name, Members: w.sample(rng, 15+rng.IntN(46))}
			if err := tx.SaveGroup(ctx, w.tenantID, &g, w.now); err != nil {
				return err
			}
			groups[name] = g.ID
			pol.groups = append(pol.groups, g.ID)
		}
		if pol.pools, err = w.savePools(ctx, tx, rng); err != nil {
			return err
		}
		if pol.rules, err = w.saveRules(ctx, tx, w.sharingRules(rng, groups, pol.roles)); err != nil {
			return err
		}
		if pol.restrictions, err = w.saveRestrictions(ctx, tx, w.restrictionRules(pol.roles)); err != nil {
			return err
		}
		return tx.BumpPolicy(ctx, w.tenantID)
	})
	return pol, err
}

// savePools creates a company-wide pool (公海) and one shared by two
// divisions.
func (w *world) savePools(ctx context.Context, tx *store.Tx, rng *rand.Rand) ([]int64, error) {
	pools := []store.StoredPool{
		{Pool: access.Pool{Name: "Company pool", Departments: []int64{w.depts[0].ID}}},
		{Pool: access.Pool{Name: "Division pool", Departments: slices.Compact(slices.Sorted(slices.Values(
			[]int64{w.deptAt(rng, 2), w.deptAt(rng, 2)})))}},
	}
	var ids []int64
	for i := range pools {
		pools[i].HoldingCap, pools[i].CooldownDays, pools[i].AutoReturnDays = 200, 7, 30
		if err := tx.SavePool(ctx, w.tenantID, &pools[i], w.now); err != nil {
			return nil, err
		}
		ids = append(ids, pools[i].ID)
	}
	return ids, nil
}

func eq(field, v string) access.Criteria {
	return access.Criteria{Field: field, Op: "equals", Value: v}
}
func in(field string, vs ...string) access.Criteria {
	return access.Criteria{Field: field, Op: "in", Values: vs}
}
func prefix(field, v string) access.Criteria {
	return access.Criteria{Field: field, Op: "prefix", Value: v}
}
func since(field string, t time.Time) access.Criteria {
	return access.Criteria{Field: field, Op: "range", Min: t.Format(time.RFC3339)}
}
func both(cs ...access.Criteria) access.Criteria   { return access.Criteria{All: cs} }
func either(cs ...access.Criteria) access.Criteria { return access.Criteria{Any: cs} }

func deptPrincipal(id int64, sub bool) access.Principal {
	return access.Principal{Type: access.PrincipalDepartment, ID: id, IncludeSubDept: sub}
}
func groupPrincipal(id int64) access.Principal {
	return access.Principal{Type: access.PrincipalGroup, ID: id}
}
func rolePrincipal(id int64) access.Principal {
	return access.Principal{Type: access.PrincipalRole, ID: id}
}

// sharingRules are the tenant's 20 sharing rules: key accounts of a region
// for one region's sales organisation, industry accounts for specialist
// groups, strategic accounts for every sales manager, leads for marketing,
// customer service and desks, and one rule for a single director.
func (w *world) sharingRules(rng *rand.Rand, groups map[string]int64, roles map[string]int64) []access.SharingRule {
	var out []access.SharingRule
	add := func(name string, c access.Criteria, p access.Principal, l access.Level) {
		out = append(out, access.SharingRule{Name: name, Criteria: c, Principal: p, Level: l})
	}
	for _, r := range regions {
		add(r+" key accounts", both(eq("region", r), eq("level", "A")), deptPrincipal(w.deptAt(rng, 3), true), access.Read)
	}
	for _, ind := range []string{"Technology", "Healthcare", "Energy", "Finance", "Logistics"} {
		add(ind+" accounts for specialists", both(eq("industry", ind), in("level", "A", "B")),
			groupPrincipal(groups[ind+" specialists"]), access.Read)
	}
	for _, ind := range []string{"Energy", "Manufacturing", "Retail"} {
		a, b := regions[rng.IntN(len(regions))], regions[rng.IntN(len(regions))]
		add(ind+" strategic accounts", both(eq("industry", ind), eq("level", "A"), in("region", a, b)),
			rolePrincipal(roles["sales_manager"]), access.Read)
	}
	add("Partner leads to the partner desk", both(eq("source", "partner"), in("level", "C", "D")),
		groupPrincipal(groups["Partner desk"]), access.EditLevel)
	add("Recent partner leads for marketing", both(eq("source", "partner"), since("created_at", w.now.AddDate(0, 0, -90))),
		rolePrincipal(roles["marketing"]), access.Read)
	add("Trade fair follow-up", both(eq("source", "event"), since("last_activity_at", w.now.AddDate(0, 0, -180))),
		groupPrincipal(groups["Trade fair team"]), access.Read)
	add("Shanghai retail", both(prefix("name", "Shanghai"), eq("industry", "Retail")), deptPrincipal(w.deptAt(rng, 2), true), access.Read)
	add("West cold calls", both(eq("region", "West"), eq("source", "cold_call"), eq("level", "D")),
		rolePrincipal(roles["customer_service"]), access.Read)
	add("Beijing technology", both(prefix("name", "Beijing"), eq("industry", "Technology")),
		access.Principal{Type: access.PrincipalUser, ID: w.headOf(w.deptAt(rng, 2))}, access.EditLevel)
	add("Key accounts for key account managers", either(both(eq("level", "A"), eq("industry", "Finance")),
		both(eq("level", "A"), eq("source", "referral"))), groupPrincipal(groups["Key account managers"]), access.Read)
	return out
}

// restrictionRules are the tenant's three restriction rules.
func (w *world) restrictionRules(roles map[string]int64) []access.RestrictionRule {
	return []access.RestrictionRule{
		{Name: "Finance key accounts: not for reps or marketing", Criteria: both(eq("industry", "Finance"), eq("level", "A")),
			Principals: []access.Principal{rolePrincipal(roles["sales_rep"]), rolePrincipal(roles["marketing"])}},
		{Name: "Partner accounts: not for customer service", Criteria: eq("source", "partner"),
			Principals: []access.Principal{rolePrincipal(roles["customer_service"])}},
		{Name: "Krakow legal hold", Criteria: both(prefix("name", "Krakow"), eq("level", "D")),
			Principals: []access.Principal{rolePrincipal(roles["sales_rep"]), rolePrincipal(roles["sales_manager"]),
				rolePrincipal(roles["sales_director"])}},
	}
}

func (w *world) saveRules(ctx context.Context, tx *store.Tx, rs []access.SharingRule) (int, error) {
	for _, r := range rs {
		if err := r.Criteria.Validate("criteria"); err != nil {
			return 0, err
		}
		s := store.StoredSharingRule{SharingRule: r, RuleMeta: store.RuleMeta{Reason: bulkReason, CreatedBy: &w.admin}}
		if err := tx.SaveSharingRule(ctx, w.tenantID, &s, w.now); err != nil {
			return 0, err
		}
	}
	return len(rs), nil
}

func (w *world) saveRestrictions(ctx context.Context, tx *store.Tx, rs []access.RestrictionRule) (int, error) {
	for _, r := range rs {
		if err := r.Criteria.Validate("criteria"); err != nil {
			return 0, err
		}
		s := store.StoredRestriction{RestrictionRule: r, RuleMeta: store.RuleMeta{Reason: bulkReason, CreatedBy: &w.admin}}
		if err := tx.SaveRestriction(ctx, w.tenantID, &s, w.now); err != nil {
			return 0, err
		}
	}
	return len(rs), nil
}

// bulkReason is the reason every generated rule carries.
const bulkReason = "seed"

// deptAt returns a random department at the depth, or the root if there is
// none that deep.
func (w *world) deptAt(rng *rand.Rand, depth int) int64 {
	ds := w.byDepth[depth]
	if len(ds) == 0 {
		return w.depts[0].ID
	}
	return ds[rng.IntN(len(ds))]
}

// headOf returns the first user of a department: the generator hires its
// head first.
func (w *world) headOf(dept int64) int64 {
	if ms := w.members[dept]; len(ms) > 0 {
		return slices.Min(ms)
	}
	return w.admin
}

// sample returns up to n distinct users, sorted.
func (w *world) sample(rng *rand.Rand, n int) []int64 {
	seen := map[int64]bool{}
	for range n {
		seen[w.users[rng.IntN(len(w.users))]] = true
	}
	return slices.Sorted(maps.Keys(seen))
}
