package demo_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"steward/internal/access"
	"steward/internal/authn"
	"steward/internal/crm"
	"steward/internal/demo"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// smallBulk is a tenant small enough for a test and large enough to take
// several batches and every level of the tree.
var smallBulk = demo.BulkOptions{Tenant: "bulk", Users: 200, Departments: 40, Customers: 5000, Contacts: 2, Seed: 7, Batch: 1200}

// fastService is a service whose password hashes cost nothing, for tests.
func fastService(db *store.DB) *service.Service {
	svc := service.New(db, slog.New(slog.DiscardHandler))
	svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	return svc
}

// A bulk tenant has the shape the access benchmarks rely on: a tree at most
// six levels deep, manager chains that end, customers carrying their
// owner's department path, skewed ownership, and reps who sign in and see
// just their own customers.
func TestBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := fastService(db)
		rep, err := demo.Bulk(ctx, db, svc, smallBulk, io.Discard)
		if err != nil {
			t.Fatalf("bulk: %v", err)
		}
		w := readTenant(t, db, rep.TenantID)
		checkCounts(t, rep, w)
		checkTree(t, w)
		checkManagers(t, w)
		checkCustomers(t, w, svc.Now())
		checkSkew(t, w)
		checkVisibility(t, svc, w)
		if _, err := demo.Bulk(ctx, db, svc, smallBulk, io.Discard); errs.As(err).Code != "tenant_exists" {
			t.Errorf("second bulk of the same tenant: got %v, want tenant_exists", err)
		}
	})
}

// tenant is everything a bulk load wrote, read back through the store.
type tenant struct {
	depts     map[int64]org.Department
	users     map[int64]org.User
	roles     map[int64][]string
	customers []crm.Customer
	contacts  map[int64]int // per customer
}

func readTenant(t *testing.T, db *store.DB, tenantID int64) tenant {
	t.Helper()
	ctx := context.Background()
	w := tenant{depts: map[int64]org.Department{}, users: map[int64]org.User{}, roles: map[int64][]string{}, contacts: map[int64]int{}}
	err := db.Read(ctx, func(tx *store.Tx) error {
		ds, err := tx.Departments(ctx, tenantID)
		for _, d := range ds {
			w.depts[d.ID] = d
		}
		if err != nil {
			return err
		}
		if err := readUsers(ctx, tx, tenantID, &w); err != nil {
			return err
		}
		w.customers, err = tx.Customers(ctx, tenantID, access.Filter{All: true}, store.CustomerQuery{Sort: "last_activity_at", Limit: 1 << 20})
		if err != nil {
			return err
		}
		for _, c := range w.customers {
			cs, err := tx.Contacts(ctx, tenantID, c.ID, store.ChildPage{Limit: 100})
			if err != nil {
				return err
			}
			w.contacts[c.ID] = len(cs)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read the tenant back: %v", err)
	}
	return w
}

func readUsers(ctx context.Context, tx *store.Tx, tenantID int64, w *tenant) error {
	us, err := tx.Users(ctx, tenantID, store.UserPage{Limit: 1 << 20})
	if err != nil {
		return err
	}
	for _, u := range us {
		w.users[u.ID] = u
		rs, err := tx.UserRoles(ctx, tenantID, u.ID, time.Now())
		if err != nil {
			return err
		}
		for _, r := range rs {
			w.roles[u.ID] = append(w.roles[u.ID], r.Key)
		}
	}
	return nil
}

func checkCounts(t *testing.T, rep demo.BulkReport, w tenant) {
	t.Helper()
	contacts := 0
	for _, n := range w.contacts {
		contacts += n
	}
	got := []int{rep.Departments, len(w.depts), rep.Users, len(w.users), rep.Customers, len(w.customers), rep.Contacts}
	want := []int{41, 41, 200, 200, 5000, 5000, contacts}
	if !slices.Equal(got, want) {
		t.Errorf("departments, users, customers, contacts (reported and stored): got %v, want %v", got, want)
	}
	for id, n := range w.contacts {
		if n < 1 || n > 3 {
			t.Fatalf("customer %d has %d contacts, want 1 to 3", id, n)
		}
	}
	if avg := float64(contacts) / float64(len(w.customers)); avg < 1.9 || avg > 2.1 {
		t.Errorf("contacts per customer: got %.2f on average, want about 2", avg)
	}
	for id, rs := range w.roles {
		if len(rs) != 1 {
			t.Errorf("user %d has roles %v, want one", id, rs)
		}
	}
}

// checkTree: paths run from the root through each parent, at most six deep,
// and the tree uses all six levels.
func checkTree(t *testing.T, w tenant) {
	t.Helper()
	deepest := 0
	for _, d := range w.depts {
		deepest = max(deepest, d.Depth)
		if d.Depth != len(d.Path) || d.Path[len(d.Path)-1] != d.ID {
			t.Fatalf("department %d: depth %d, path %v", d.ID, d.Depth, d.Path)
		}
		if d.ParentID == nil {
			continue
		}
		p, ok := w.depts[*d.ParentID]
		if !ok || !slices.Equal(p.Path, d.Path[:len(d.Path)-1]) {
			t.Fatalf("department %d: path %v does not extend its parent's %v", d.ID, d.Path, p.Path)
		}
	}
	if deepest != 6 {
		t.Errorf("deepest department: got depth %d, want 6", deepest)
	}
}

// checkManagers: every manager is a user of the tenant, in the user's own
// department or one above it, and following managers always ends.
func checkManagers(t *testing.T, w tenant) {
	t.Helper()
	tops := 0
	for _, u := range w.users {
		if u.ManagerID == nil {
			tops++
			continue
		}
		m, ok := w.users[*u.ManagerID]
		if !ok {
			t.Fatalf("user %d: manager %d is not a user of the tenant", u.ID, *u.ManagerID)
		}
		if !slices.Contains(w.depts[u.DepartmentID].Path, m.DepartmentID) {
			t.Errorf("user %d in department %d reports to user %d outside its path, in %d", u.ID, u.DepartmentID, m.ID, m.DepartmentID)
		}
		seen := map[int64]bool{}
		for id := u.ID; ; id = *w.users[id].ManagerID {
			if seen[id] {
				t.Fatalf("user %d: the manager chain loops at %d", u.ID, id)
			}
			seen[id] = true
			if w.users[id].ManagerID == nil {
				break
			}
		}
	}
	if tops != 2 {
		t.Errorf("users without a manager: got %d, want 2 (the administrator and the chief)", tops)
	}
}

// checkCustomers: owner department and ancestor columns follow the owner,
// and activity spreads over the last two years.
func checkCustomers(t *testing.T, w tenant, now time.Time) {
	t.Helper()
	oldest := now
	for _, c := range w.customers {
		if c.OwnerID == nil || c.OwnerDeptID == nil {
			t.Fatalf("customer %d has no owner or owner department", c.ID)
		}
		owner := w.users[*c.OwnerID]
		if *c.OwnerDeptID != owner.DepartmentID || !slices.Equal(c.DeptPath, w.depts[owner.DepartmentID].Path) {
			t.Fatalf("customer %d: department %d, path %v; owner %d is in %d, path %v",
				c.ID, *c.OwnerDeptID, c.DeptPath, owner.ID, owner.DepartmentID, w.depts[owner.DepartmentID].Path)
		}
		if c.CreatedAt.After(c.LastActivityAt) || c.LastActivityAt.After(now) {
			t.Fatalf("customer %d: created %v, last activity %v, now %v", c.ID, c.CreatedAt, c.LastActivityAt, now)
		}
		if c.LastActivityAt.Before(oldest) {
			oldest = c.LastActivityAt
		}
	}
	if span := now.Sub(oldest); span < 700*24*time.Hour || span > 731*24*time.Hour {
		t.Errorf("last activity spans %v, want about two years", span)
	}
}

// checkSkew: the tenth of owners with most customers owns over 40% of them.
func checkSkew(t *testing.T, w tenant) {
	t.Helper()
	counts := owned(w)
	var ns []int
	for id, n := range counts {
		if !slices.Contains(w.roles[id], "sales_rep") {
			t.Errorf("user %d owns customers with roles %v, want sales_rep", id, w.roles[id])
		}
		ns = append(ns, n)
	}
	slices.Sort(ns)
	slices.Reverse(ns)
	top := 0
	for _, n := range ns[:max(1, len(ns)/10)] {
		top += n
	}
	if share := float64(top) / float64(len(w.customers)); share <= 0.4 {
		t.Errorf("the top tenth of %d owners owns %.0f%% of the customers, want over 40%%", len(ns), 100*share)
	}
}

func owned(w tenant) map[int64]int {
	out := map[int64]int{}
	for _, c := range w.customers {
		out[*c.OwnerID]++
	}
	return out
}

// checkVisibility signs in as the reps with most and fewest customers and a
// team manager: each counts what its role's scope promises.
func checkVisibility(t *testing.T, svc *service.Service, w tenant) {
	t.Helper()
	counts := owned(w)
	var reps, managers []org.User
	for id, rs := range w.roles {
		switch rs[0] {
		case "sales_rep":
			reps = append(reps, w.users[id])
		case "sales_manager":
			managers = append(managers, w.users[id])
		}
	}
	slices.SortFunc(reps, func(a, b org.User) int { return counts[b.ID] - counts[a.ID] })
	for _, u := range []org.User{reps[0], reps[len(reps)-1]} {
		if got := countAs(t, svc, u.Email); got != int64(counts[u.ID]) {
			t.Errorf("rep %d sees %d customers, want their own %d", u.ID, got, counts[u.ID])
		}
	}
	m := managers[0]
	var want int64
	for _, c := range w.customers {
		if slices.Contains(c.DeptPath, m.DepartmentID) || *c.OwnerID == m.ID {
			want++
		}
	}
	if got := countAs(t, svc, m.Email); got != want || want == 0 {
		t.Errorf("manager %d sees %d customers, want the %d of department %d's tree", m.ID, got, want, m.DepartmentID)
	}
}

func countAs(t *testing.T, svc *service.Service, email string) int64 {
	t.Helper()
	ctx := context.Background()
	res, err := svc.Login(ctx, smallBulk.Tenant, email, demo.Password)
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	a, err := svc.Authenticate(ctx, res.Token)
	if err != nil {
		t.Fatal(err)
	}
	n, err := svc.CountCustomers(ctx, a, store.CustomerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// BenchmarkBulkLoad times a small bulk tenant on SQLite, database included.
func BenchmarkBulkLoad(b *testing.B) {
	b.ReportAllocs()
	opts := smallBulk
	opts.Users, opts.Departments, opts.Customers = 500, 50, 20_000
	rows := 0
	for b.Loop() {
		b.StopTimer()
		db := storetest.Open(b, store.SQLite)
		svc := fastService(db)
		b.StartTimer()
		rep, err := demo.Bulk(context.Background(), db, svc, opts, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		rows += rep.Customers + rep.Contacts
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
