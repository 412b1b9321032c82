package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/service"
	"steward/internal/store"
)

// archetype measures every operation for one person.
func (r *Report) archetype(ctx context.Context, db *store.DB, svc *service.Service, p Person) (Result, error) {
	res := Result{Person: p, Ops: map[string]Stats{}}
	a, err := svc.ActorFor(ctx, r.TenantID, p.UserID)
	if err != nil {
		return res, err
	}
	f := a.Subject.Filter(access.Customer, access.View)
	res.Filter = describe(f)
	if res.Visible, err = svc.CountCustomers(ctx, a, store.CustomerQuery{}); err != nil {
		return res, err
	}
	visible, records, err := sample(ctx, db, svc, a)
	if err != nil {
		return res, err
	}
	res.Sampled = len(visible)
	if len(visible) == 0 {
		return res, fmt.Errorf("user %d sees no customer to check", p.UserID)
	}
	page := func(text string) func(context.Context, int) error {
		return func(ctx context.Context, _ int) error {
			q := firstPage(text)
			q.Limit = 50
			_, err := svc.Customers(ctx, a, q)
			return err
		}
	}
	pageSQL := func(text string) func(context.Context, int) error {
		return func(ctx context.Context, _ int) error {
			return db.Read(ctx, func(tx *store.Tx) error {
				_, err := tx.Customers(ctx, r.TenantID, f, firstPage(text))
				return err
			})
		}
	}
	ops := []struct {
		name string
		op   func(context.Context, int) error
	}{
		{OpActor, func(ctx context.Context, _ int) error { _, err := svc.ActorFor(ctx, r.TenantID, p.UserID); return err }},
		{OpPage, page("")},
		// A new subject has a new decision time, which the filter's SQL
		// carries as a literal: the query text changes with every request,
		// so no prepared statement of the driver is reused.
		{OpRequest, func(ctx context.Context, _ int) error {
			a, err := svc.ActorFor(ctx, r.TenantID, p.UserID)
			if err != nil {
				return err
			}
			q := firstPage("")
			q.Limit = 50
			_, err = svc.Customers(ctx, a, q)
			return err
		}},
		{OpPageQ, page(r.Text)},
		{OpPageSQL, pageSQL("")},
		{OpPageQSQL, pageSQL(r.Text)},
		{OpCount, func(ctx context.Context, _ int) error {
			_, err := svc.CountCustomers(ctx, a, store.CustomerQuery{})
			return err
		}},
		{OpCheck, func(ctx context.Context, i int) error {
			_, err := svc.Customer(ctx, a, visible[i%len(visible)])
			return err
		}},
		{OpExplain, func(ctx context.Context, i int) error {
			_, err := svc.Explain(ctx, a, visible[i%len(visible)], 0)
			return err
		}},
	}
	for _, o := range ops {
		if res.Ops[o.name], err = r.Plan.run(ctx, o.op); err != nil {
			return res, fmt.Errorf("%s: %w", o.name, err)
		}
	}
	res.Ops[OpCheckPure] = checkPure(a.Subject, records, max(r.Plan.Iterations*100, 10_000))
	res.Verdicts = r.verdicts(res)
	return res, nil
}

// sample returns visible customers for the checks to cycle through, drawn
// from several orderings so that they are not only the most recent, and
// the loaded records of those and of the tenant's newest and oldest
// customers (mostly not visible, except to the administrator) for the
// in-process check.
func sample(ctx context.Context, db *store.DB, svc *service.Service, a *service.Actor) ([]int64, []access.Record, error) {
	f := a.Subject.Filter(access.Customer, access.View)
	var visible []int64
	var records []access.Record
	seen := map[int64]bool{}
	err := db.Read(ctx, func(tx *store.Tx) error {
		for _, q := range sampleQueries {
			for _, all := range []bool{false, true} {
				filter := f
				if all {
					filter = access.Filter{All: true}
				}
				cs, err := tx.Customers(ctx, a.TenantID, filter, q)
				if err != nil {
					return err
				}
				for _, c := range cs {
					if seen[c.ID] {
						continue
					}
					seen[c.ID] = true
					rec, err := record(ctx, tx, a.TenantID, c)
					if err != nil {
						return err
					}
					records = append(records, rec)
					if a.Subject.Check(access.Customer, access.View, rec).Allowed {
						visible = append(visible, c.ID)
					}
				}
			}
		}
		return nil
	})
	return visible, records, err
}

// sampleQueries are the orderings the sample draws customers from.
var sampleQueries = []store.CustomerQuery{
	{Sort: "last_activity_at", Desc: true, Limit: 40},
	{Sort: "last_activity_at", Limit: 40},
	{Sort: "name", Limit: 40},
	{Sort: "name", Desc: true, Limit: 40},
	{Sort: "created_at", Desc: true, Limit: 40},
}

// record is the engine's view of a customer, as the service builds it.
func record(ctx context.Context, tx *store.Tx, tenantID int64, c crm.Customer) (access.Record, error) {
	r := access.Record{ID: c.ID, DeptPath: c.DeptPath, Facts: access.Facts{Name: c.Name, Industry: c.Industry,
		Level: c.Level, Region: c.Region, Source: c.Source, CreatedAt: c.CreatedAt, LastActivityAt: c.LastActivityAt}}
	for _, v := range []struct {
		dst *int64
		src *int64
	}{{&r.OwnerID, c.OwnerID}, {&r.OwnerDeptID, c.OwnerDeptID}, {&r.PoolID, c.PoolID}} {
		if v.src != nil {
			*v.dst = *v.src
		}
	}
	var err error
	r.Team, r.Shares, err = tx.RecordGrants(ctx, tenantID, c.ID)
	return r, err
}

// checkPure times n Checks of viewing the records, cycling through them,
// after a warm-up of as many.
func checkPure(s *access.Subject, records []access.Record, n int) Stats {
	for i := range n {
		s.Check(access.Customer, access.View, records[i%len(records)])
	}
	ds := make([]time.Duration, n)
	for i := range ds {
		t := time.Now()
		s.Check(access.Customer, access.View, records[i%len(records)])
		ds[i] = time.Since(t)
	}
	return percentiles(ds)
}

// describe names the branches of a customer filter.
func describe(f access.Filter) string {
	if f.All {
		return fmt.Sprintf("all, %d exclusions", len(f.Exclude))
	}
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(len(f.OwnerIDs), "owners")
	add(len(f.DeptIDs), "departments")
	add(len(f.Subtrees), "subtrees")
	if f.Team != nil {
		parts = append(parts, "team")
	}
	if f.Shares != nil {
		parts = append(parts, "shares")
	}
	add(len(f.Rules), "rules")
	add(len(f.Pools), "pools")
	add(len(f.Exclude), "exclusions")
	return strings.Join(parts, ", ")
}
