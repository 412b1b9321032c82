package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// BulkOptions shapes a generated tenant. The defaults of `steward seed` are
// the reference tenant of the benchmarks: 10,000 users, 1,000 departments,
// 1,000,000 customers with two contacts each on average.
type BulkOptions struct {
	Tenant      string
	Users       int // including the first administrator
	Departments int // below the root, at most six levels deep in all
	Customers   int
	Contacts    int    // average per customer
	Seed        uint64 // the same seed generates the same tenant
	Batch       int    // customers per transaction; 0 means 50,000
	Grants      bool   // then add teams, shares, rules, restrictions and pools (Grants)
}

// BulkReport is what Bulk created and how long each phase took.
type BulkReport struct {
	TenantID    int64
	Departments int // including the root
	Users       int
	Customers   int
	Contacts    int
	Org         time.Duration // tenant, departments, users and roles
	Load        time.Duration // customers and contacts
	Indexes     time.Duration // rebuilding the customers and contacts indexes
	Analyze     time.Duration
	Grants      GrantReport // when BulkOptions.Grants
	Total       time.Duration
}

func (o *BulkOptions) check() error {
	if o.Batch == 0 {
		o.Batch = 50_000
	}
	switch {
	case o.Users < 1:
		return errs.Field("users", "invalid_argument", "users must be at least 1 (the administrator)")
	case o.Departments < 0 || o.Customers < 0 || o.Contacts < 0 || o.Batch < 0:
		return errs.E(errs.Invalid, "invalid_argument", "departments, customers, contacts and batch may not be negative")
	}
	return nil
}

// Bulk generates a large tenant for benchmarks: a department tree up to six
// levels deep with a head per department, users reporting up the tree with
// preset roles, and customers owned with a heavy skew (a few reps own many,
// most own few), with contacts. The tenant, its presets and administrator
// come from the service; everything else is written by a bulk load, which
// is what makes a million customers take a minute rather than hours. Every
// user's password is Password. Progress lines go to progress.
func Bulk(ctx context.Context, db *store.DB, svc *service.Service, opts BulkOptions, progress io.Writer) (BulkReport, error) {
	var rep BulkReport
	if err := opts.check(); err != nil {
		return rep, err
	}
	start := time.Now()
	t, admin, err := svc.CreateTenant(ctx, service.NewTenant{Slug: opts.Tenant, Name: "Bulk " + opts.Tenant,
		AdminEmail: "admin@" + opts.Tenant + ".example", AdminName: "Ada Admin", AdminPassword: Password,
		Security: Security()}) // benchmarks sign in with passwords alone, like the demo
	if err != nil {
		return rep, err
	}
	rep.TenantID = t.ID
	fmt.Fprintf(progress, "tenant %q (id %d) on %s: %d users, %d departments, %d customers, %d contacts each on average\n",
		t.Slug, t.ID, db.Engine, opts.Users, opts.Departments, opts.Customers, opts.Contacts)
	// Argon2id is slow on purpose; every seeded user shares one hash.
	hash, err := svc.Hasher.Hash(ctx, Password)
	if err != nil {
		return rep, err
	}
	roles, err := roleIDs(ctx, db, t.ID)
	if err != nil {
		return rep, err
	}
	keys, sealing, err := svc.BulkKeys(ctx, t.ID)
	if err != nil {
		return rep, err
	}
	load, err := db.BeginBulk(ctx, t.ID, store.BulkPlan{Customers: opts.Customers})
	if err != nil {
		return rep, err
	}
	if sealing {
		load.SealWith(keys)
	}
	g := &generator{opts: opts, now: svc.Now().UTC().Truncate(time.Microsecond), tenant: t.Slug,
		root: admin.DepartmentID, admin: admin.ID, roles: roles, hash: hash}
	err = g.run(ctx, load, &rep, progress, start)
	if cerr := load.Close(ctx); cerr != nil {
		err = errors.Join(err, cerr)
	}
	// Grants come after the base load: rules and pools go through the
	// store's ordinary transactions, which wait for the load's connection.
	if err == nil && opts.Grants {
		rep.Grants, err = Grants(ctx, db, t.ID, g.now, opts.Seed, progress)
	}
	rep.Total = time.Since(start)
	return rep, err
}

func roleIDs(ctx context.Context, db *store.DB, tenantID int64) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.Read(ctx, func(tx *store.Tx) error {
		rs, err := tx.Roles(ctx, tenantID)
		for _, r := range rs {
			out[r.Key] = r.ID
		}
		return err
	})
	return out, err
}

// run writes the org, then the customers, then rebuilds the indexes and
// refreshes the statistics, timing each phase.
func (g *generator) run(ctx context.Context, load *store.BulkLoad, rep *BulkReport, progress io.Writer, start time.Time) error {
	o, err := g.org(ctx, load)
	if err != nil {
		return err
	}
	rep.Departments, rep.Users, rep.Org = len(o.depts)+1, len(o.users)+1, time.Since(start)
	fmt.Fprintf(progress, "org: %d departments, %d users in %s\n", rep.Departments, rep.Users, rep.Org.Round(time.Millisecond))
	phase := time.Now()
	m := &meter{w: progress, total: g.opts.Customers, start: phase, last: phase}
	if rep.Customers, rep.Contacts, err = g.customers(ctx, load, o, m); err != nil {
		return err
	}
	rep.Load = time.Since(phase)
	phase = time.Now()
	if err := load.BuildIndexes(ctx); err != nil {
		return err
	}
	rep.Indexes = time.Since(phase)
	fmt.Fprintf(progress, "indexes built in %s\n", rep.Indexes.Round(time.Millisecond))
	phase = time.Now()
	if err := load.Analyze(ctx); err != nil {
		return err
	}
	rep.Analyze = time.Since(phase)
	fmt.Fprintf(progress, "statistics analysed in %s\n", rep.Analyze.Round(time.Millisecond))
	return nil
}

// meter prints a progress line at most once a second.
type meter struct {
	w                   io.Writer
	total               int
	start, last         time.Time
	customers, contacts int
	printed             int // customers at the last line
}

func (m *meter) add(customers, contacts int) {
	m.customers += customers
	m.contacts += contacts
	if time.Since(m.last) >= time.Second {
		m.print()
	}
}

// finish prints the final line unless the last one was it.
func (m *meter) finish() {
	if m.printed != m.customers || m.customers == 0 {
		m.print()
	}
}

func (m *meter) print() {
	m.last, m.printed = time.Now(), m.customers
	el := m.last.Sub(m.start)
	s := max(el.Seconds(), 1e-6)
	fmt.Fprintf(m.w, "customers %d/%d, contacts %d: %.0f rows/s (%.0f customers/s, %.0f contacts/s), elapsed %s\n",
		m.customers, m.total, m.contacts, float64(m.customers+m.contacts)/s, float64(m.customers)/s, float64(m.contacts)/s,
		el.Round(100*time.Millisecond))
}
