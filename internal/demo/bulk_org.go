package demo

import (
	"context"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"steward/internal/store"
)

// generator builds a bulk tenant from a seed. Its random streams are
// separate per phase, so the org stays the same whatever the customer count.
type generator struct {
	opts   BulkOptions
	now    time.Time
	tenant string
	root   int64 // the root department, created with the tenant
	admin  int64 // the first administrator, created with the tenant
	roles  map[string]int64
	hash   string
}

// orgChart is the generated organisation the customers are spread over.
type orgChart struct {
	depts  []store.BulkDepartment
	users  []store.BulkUser
	owners []owner // the users who own customers
}

type owner struct {
	id   int64
	path []int64 // the owner's department path
}

// treeLevels spreads the departments over the five levels below the root:
// a few divisions, more regions and districts, most at team level and the
// rest as squads under some teams, so that depths vary as in a real sales
// organisation (root + 5 = six levels).
var treeLevels = []struct {
	name  string
	share float64
}{{"Division", 0.01}, {"Region", 0.05}, {"District", 0.20}, {"Team", 0.50}, {"Squad", 0.24}}

var (
	firstNames = []string{"Wei", "Min", "Jing", "Yang", "Jie", "Lei", "Fang", "Ming", "Anna", "Tom", "Sara", "Olga",
		"Raj", "Lena", "Omar", "Yuki"}
	lastNames = []string{"Li", "Zhang", "Wang", "Liu", "Chen", "Zhao", "Huang", "Zhou", "Schmidt", "Baker", "Kim",
		"Garcia", "Novak", "Okafor", "Silva", "Tanaka"}
)

// org reserves ids and writes the departments, the users and their roles.
func (g *generator) org(ctx context.Context, load *store.BulkLoad) (*orgChart, error) {
	rng := rand.New(rand.NewPCG(g.opts.Seed, 1))
	firstDept, err := load.ReserveIDs(ctx, "departments", g.opts.Departments)
	if err != nil {
		return nil, err
	}
	o := &orgChart{depts: tree(rng, g.root, firstDept, g.opts.Departments)}
	firstUser, err := load.ReserveIDs(ctx, "users", g.opts.Users-1)
	if err != nil {
		return nil, err
	}
	assigns := g.staff(rng, o, firstUser)
	if err := load.Departments(ctx, o.depts, g.now); err != nil {
		return nil, err
	}
	if err := load.Users(ctx, o.users, g.hash, g.now); err != nil {
		return nil, err
	}
	return o, load.Assignments(ctx, assigns, g.now)
}

// tree generates n departments under the root, level by level, so that
// parents come first. Every department of a level gets a child before any
// gets a second one, while the level below has enough.
func tree(rng *rand.Rand, root, firstID int64, n int) []store.BulkDepartment {
	parents := [][]int64{{root}}
	out := make([]store.BulkDepartment, 0, n)
	id := firstID
	for li, l := range treeLevels {
		count := n - len(out)
		if li < len(treeLevels)-1 {
			count = min(count, max(1, int(float64(n)*l.share+0.5)))
		}
		var level [][]int64
		perm := rng.Perm(len(parents))
		for i := range count {
			p := parents[rng.IntN(len(parents))]
			if i < len(perm) {
				p = parents[perm[i]]
			}
			path := append(append(make([]int64, 0, len(p)+1), p...), id)
			out = append(out, store.BulkDepartment{ID: id, ParentID: p[len(p)-1], Name: l.name + " " + strconv.Itoa(i+1), Path: path})
			level = append(level, path)
			id++
		}
		if len(level) == 0 {
			break
		}
		parents = level
	}
	return out
}

// staff generates the users after the administrator: a chief at the root,
// a head for every department (directors for divisions and regions,
// managers below), each reporting to the nearest head above, then members
// in the departments (mostly in teams and squads), reporting to their
// department's head. It returns the role assignments.
func (g *generator) staff(rng *rand.Rand, o *orgChart, firstID int64) []store.BulkAssignment {
	s := &staffer{g: g, rng: rng, o: o, next: firstID, left: g.opts.Users - 1, heads: map[int64]int64{}}
	s.hire([]int64{g.root}, 0, "sales_director", true)
	for _, d := range o.depts {
		role := "sales_manager"
		if len(d.Path) <= 3 {
			role = "sales_director"
		}
		s.hire(d.Path, s.headAbove(d.Path[:len(d.Path)-1]), role, true)
	}
	pick := deptPicker(o.depts, g.root)
	for s.left > 0 {
		path := pick(rng)
		s.hire(path, s.headAbove(path), memberRole(rng), false)
	}
	if len(o.owners) == 0 {
		// Too few users for reps: the administrator owns the customers.
		o.owners = []owner{{id: g.admin, path: []int64{g.root}}}
	}
	return s.assigns
}

// staffer hands out user ids while users are left to create.
type staffer struct {
	g       *generator
	rng     *rand.Rand
	o       *orgChart
	next    int64
	left    int
	heads   map[int64]int64 // department → its head
	assigns []store.BulkAssignment
}

func (s *staffer) hire(path []int64, manager int64, role string, head bool) {
	if s.left == 0 {
		return
	}
	id := s.next
	s.next, s.left = s.next+1, s.left-1
	first, last := firstNames[s.rng.IntN(len(firstNames))], lastNames[s.rng.IntN(len(lastNames))]
	s.o.users = append(s.o.users, store.BulkUser{ID: id, Name: first + " " + last,
		Email: strings.ToLower(first+"."+last) + "." + strconv.FormatInt(id, 10) + "@" + s.g.tenant + ".example",
		Phone: "+86 139 " + digits(s.rng, 8), DepartmentID: path[len(path)-1], ManagerID: manager})
	s.assigns = append(s.assigns, store.BulkAssignment{UserID: id, RoleID: s.g.roles[role], Reason: "seed"})
	if head {
		s.heads[path[len(path)-1]] = id
	}
	if role == "sales_rep" {
		s.o.owners = append(s.o.owners, owner{id: id, path: path})
	}
}

// headAbove returns the head of the deepest department on the path that
// has one (0 when none has).
func (s *staffer) headAbove(path []int64) int64 {
	for i := len(path) - 1; i >= 0; i-- {
		if h, ok := s.heads[path[i]]; ok {
			return h
		}
	}
	return 0
}

// deptPicker draws a department for a member: leaves (teams without
// squads, squads) eight times as often as departments with children.
func deptPicker(depts []store.BulkDepartment, root int64) func(*rand.Rand) []int64 {
	if len(depts) == 0 {
		return func(*rand.Rand) []int64 { return []int64{root} }
	}
	inner := map[int64]bool{}
	for _, d := range depts {
		inner[d.ParentID] = true
	}
	cum := make([]float64, len(depts))
	total := 0.0
	for i, d := range depts {
		w := 8.0
		if inner[d.ID] {
			w = 1
		}
		total += w
		cum[i] = total
	}
	return func(rng *rand.Rand) []int64 {
		i := sort.SearchFloat64s(cum, rng.Float64()*total)
		return depts[min(i, len(depts)-1)].Path
	}
}

// memberRole is mostly sales_rep, with a few administrators, auditors and
// back-office roles.
func memberRole(rng *rand.Rand) string {
	switch r := rng.Float64(); {
	case r < 0.002:
		return "administrator"
	case r < 0.004:
		return "auditor"
	case r < 0.012:
		return "customer_service"
	case r < 0.02:
		return "marketing"
	}
	return "sales_rep"
}

// digits returns n random decimal digits.
func digits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}
