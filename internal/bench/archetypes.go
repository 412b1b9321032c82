package bench

import (
	"cmp"
	"context"
	"slices"
	"time"

	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// Person is an archetype's user, chosen from the tenant.
type Person struct {
	Archetype  string   `json:"archetype"`
	UserID     int64    `json:"user_id"`
	Roles      []string `json:"roles"`
	Department int64    `json:"department_id"`
	Depth      int      `json:"department_depth"`
	Owned      int      `json:"owned"`   // customers the user owns
	Subtree    int      `json:"subtree"` // owned customers in the department's subtree
}

// heading is an archetype that heads a department: its role and the depth
// of the departments it heads (2 divisions, 3 regions, 5 teams in the tree
// `steward seed` generates).
type heading struct {
	archetype, role string
	depth           int
}

var headings = []heading{
	{"team manager", "sales_manager", 5},
	{"regional director", "sales_director", 3},
	{"division head", "sales_director", 2},
}

// census is the tenant's shape as the choice of archetypes needs it.
type census struct {
	depts   map[int64]org.Department
	users   []org.User
	byID    map[int64]org.User
	roles   map[int64][]string
	owned   map[int64]int
	subtree map[int64]int // department → owned customers in its subtree
}

// Pick chooses the archetypes' users: the sales rep whose number of
// customers is the median of all reps'; for each heading archetype, the
// head of the department whose subtree holds the median number of
// customers among those of its depth; and the tenant's first
// administrator. Ties go to the lowest id, so the choice is repeatable.
func Pick(ctx context.Context, db *store.DB, tenantID int64, now time.Time) ([]Person, error) {
	c, err := readCensus(ctx, db, tenantID, now)
	if err != nil {
		return nil, err
	}
	var out []Person
	rep, ok := c.medianRep()
	if !ok {
		return nil, errs.E(errs.NotFound, "no_archetype", "the tenant has no sales rep who owns customers")
	}
	out = append(out, rep)
	for _, h := range headings {
		p, ok := c.medianHead(h)
		if !ok {
			return nil, errs.E(errs.NotFound, "no_archetype", "the tenant has no %s heading a department at depth %d", h.role, h.depth)
		}
		out = append(out, p)
	}
	admin, ok := c.firstAdmin()
	if !ok {
		return nil, errs.E(errs.NotFound, "no_archetype", "the tenant has no administrator")
	}
	return append(out, admin), nil
}

func readCensus(ctx context.Context, db *store.DB, tenantID int64, now time.Time) (*census, error) {
	c := &census{depts: map[int64]org.Department{}, byID: map[int64]org.User{}, subtree: map[int64]int{}}
	err := db.Read(ctx, func(tx *store.Tx) error {
		ds, err := tx.Departments(ctx, tenantID)
		if err != nil {
			return err
		}
		for _, d := range ds {
			c.depts[d.ID] = d
		}
		if c.users, err = tx.Users(ctx, tenantID, store.UserPage{Limit: 1 << 30}); err != nil {
			return err
		}
		if c.roles, err = tx.RoleKeysByUser(ctx, tenantID, now); err != nil {
			return err
		}
		c.owned, err = tx.OwnedCounts(ctx, tenantID)
		return err
	})
	for _, u := range c.users {
		c.byID[u.ID] = u
		for _, d := range c.depts[u.DepartmentID].Path {
			c.subtree[d] += c.owned[u.ID]
		}
	}
	return c, err
}

func (c *census) person(archetype string, u org.User) Person {
	d := c.depts[u.DepartmentID]
	return Person{Archetype: archetype, UserID: u.ID, Roles: c.roles[u.ID], Department: d.ID, Depth: d.Depth,
		Owned: c.owned[u.ID], Subtree: c.subtree[d.ID]}
}

func (c *census) medianRep() (Person, bool) {
	var reps []org.User
	for _, u := range c.users {
		if slices.Equal(c.roles[u.ID], []string{"sales_rep"}) && c.owned[u.ID] > 0 {
			reps = append(reps, u)
		}
	}
	return c.median("sales rep", reps, func(u org.User) int { return c.owned[u.ID] })
}

// medianHead finds the heads of departments at the depth holding the role:
// users of the department whose manager sits elsewhere (members report to
// their own department's head).
func (c *census) medianHead(h heading) (Person, bool) {
	var heads []org.User
	for _, u := range c.users {
		d := c.depts[u.DepartmentID]
		if d.Depth != h.depth || !slices.Contains(c.roles[u.ID], h.role) {
			continue
		}
		if u.ManagerID == nil || c.byID[*u.ManagerID].DepartmentID != u.DepartmentID {
			heads = append(heads, u)
		}
	}
	return c.median(h.archetype, heads, func(u org.User) int { return c.subtree[u.DepartmentID] })
}

func (c *census) firstAdmin() (Person, bool) {
	for _, u := range c.users { // by id
		if slices.Contains(c.roles[u.ID], "administrator") {
			return c.person("administrator", u), true
		}
	}
	return Person{}, false
}

// median returns the user at the median of the key (the lower median, then
// the lowest id).
func (c *census) median(archetype string, us []org.User, key func(org.User) int) (Person, bool) {
	if len(us) == 0 {
		return Person{}, false
	}
	slices.SortFunc(us, func(a, b org.User) int { return cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(a.ID, b.ID)) })
	return c.person(archetype, us[(len(us)-1)/2]), true
}
