package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"steward/internal/demo"
	"steward/internal/service"
)

// seed generates a large tenant for benchmarks (docs/benchmarks.md). The
// defaults are the reference tenant the access benchmarks run against.
func seed(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	dsn := fs.String("db", defaultDB, "database: sqlite:PATH or postgres://...")
	masterKey := masterKeyFlag(fs)
	var o demo.BulkOptions
	fs.StringVar(&o.Tenant, "tenant", "bench", "slug of the new tenant (refused if it exists)")
	fs.IntVar(&o.Users, "users", 10_000, "users, the administrator included")
	fs.IntVar(&o.Departments, "departments", 1_000, "departments below the root (up to six levels deep)")
	fs.IntVar(&o.Customers, "customers", 1_000_000, "customers")
	fs.IntVar(&o.Contacts, "contacts", 2, "contacts per customer, on average")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed; the same seed generates the same tenant")
	fs.BoolVar(&o.Grants, "grants", true, "add record teams (10% of customers), shares (5%), 20 sharing rules, 3 restriction rules and 2 pools (5% of customers)")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, true)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := service.New(db, logger(env.Stderr, "warn"))
	if err := useMasterKey(ctx, env, svc, *masterKey, *dsn); err != nil {
		return err
	}
	rep, err := demo.Bulk(ctx, db, svc, o, env.Stdout)
	if err != nil {
		return err
	}
	summary(env.Stdout, o.Tenant, rep)
	return nil
}

func summary(w io.Writer, tenant string, r demo.BulkReport) {
	rate := func(n int, d time.Duration) float64 { return float64(n) / max(d.Seconds(), 1e-9) }
	fmt.Fprintf(w, "\nSeeded tenant %q (id %d) in %s.\n", tenant, r.TenantID, r.Total.Round(time.Millisecond))
	fmt.Fprintf(w, "  org        %9s  %d departments, %d users\n", r.Org.Round(time.Millisecond), r.Departments, r.Users)
	fmt.Fprintf(w, "  load       %9s  %d customers (%.0f/s), %d contacts (%.0f/s)\n", r.Load.Round(time.Millisecond),
		r.Customers, rate(r.Customers, r.Load), r.Contacts, rate(r.Contacts, r.Load))
	fmt.Fprintf(w, "  indexes    %9s\n", r.Indexes.Round(time.Millisecond))
	fmt.Fprintf(w, "  analyze    %9s\n", r.Analyze.Round(time.Millisecond))
	if g := r.Grants; g.Time > 0 {
		fmt.Fprintf(w, "  grants     %9s  %d team members on %d customers, %d shares of %d customers (%d expired, %d expiring), "+
			"%d sharing rules, %d restriction rules, %d groups, %d pools holding %d customers\n", g.Time.Round(time.Millisecond),
			g.TeamMembers, g.TeamCustomers, g.Shares, g.SharedCustomers, g.ExpiredShares, g.ExpiringShares,
			g.Rules, g.Restrictions, g.Groups, g.Pools, g.PoolCustomers)
	}
	fmt.Fprintf(w, "Every user's password is %q; the administrator is admin@%s.example.\n", demo.Password, tenant)
}
