// Package bench measures the access engine on a seeded tenant (`steward
// bench`, docs/benchmarks.md). For a sales rep, a team manager, a regional
// director, a division head and an administrator it times what every
// request pays: building the caller's subject, the first page of visible
// customers with and without a text filter, their count, a single check
// with the record fetched, and an explanation; and, as the baseline, the
// same page with no permission filter at all.
package bench

import (
	"context"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// Options are what to measure and how often.
type Options struct {
	Tenant string // slug
	Text   string // the q of the filtered pages: a text a few % of names contain
	Plan   Plan
}

// The operations measured for each archetype, in report order.
const (
	OpActor     = "actor"      // svc.ActorFor: the subject built as every request builds it
	OpPage      = "page"       // svc.Customers: first 50, newest activity first
	OpRequest   = "request"    // a fresh actor, then the first page: what one request of the list costs
	OpPageQ     = "page_q"     // the same with the text filter
	OpPageSQL   = "page_sql"   // tx.Customers with the actor's filter: the query alone, without the service
	OpPageQSQL  = "page_q_sql" // the same with the text filter
	OpCount     = "count"      // svc.CountCustomers
	OpCheck     = "check"      // svc.Customer on a visible customer: fetch, team, shares, Check
	OpExplain   = "explain"    // svc.Explain on a visible customer
	OpCheckPure = "check_pure" // Subject.Check on a loaded record, in process
)

// Ops lists the operations in report order.
var Ops = []string{OpActor, OpPage, OpRequest, OpPageQ, OpPageSQL, OpPageQSQL, OpCount, OpCheck, OpExplain, OpCheckPure}

// Report is one run of the benchmark on one engine.
type Report struct {
	Engine     string           `json:"engine"`
	Tenant     string           `json:"tenant"`
	TenantID   int64            `json:"tenant_id"`
	Customers  int64            `json:"customers"`
	Text       string           `json:"text"`
	TextRows   int64            `json:"text_rows"` // customers of the tenant matching Text
	Plan       Plan             `json:"plan"`
	Baseline   map[string]Stats `json:"baseline"` // OpPage and OpPageQ with no permission filter
	Archetypes []Result         `json:"archetypes"`
	Took       time.Duration    `json:"took_ns"`
}

// Result is one archetype's figures.
type Result struct {
	Person
	Visible  int64            `json:"visible"`
	Filter   string           `json:"filter"`  // the branches of the actor's customer filter
	Sampled  int              `json:"sampled"` // visible customers the checks cycle through
	Ops      map[string]Stats `json:"ops"`
	Verdicts []Verdict        `json:"verdicts"`
}

// Run measures every archetype of the tenant.
func Run(ctx context.Context, db *store.DB, svc *service.Service, o Options) (Report, error) {
	start := time.Now()
	r := Report{Engine: string(db.Engine), Tenant: o.Tenant, Text: o.Text, Plan: o.Plan, Baseline: map[string]Stats{}}
	err := db.Read(ctx, func(tx *store.Tx) error {
		t, err := tx.TenantBySlug(ctx, o.Tenant)
		r.TenantID = t.ID
		return err
	})
	if err != nil {
		return r, err
	}
	people, err := Pick(ctx, db, r.TenantID, svc.Now())
	if err != nil {
		return r, err
	}
	if err := r.baseline(ctx, db); err != nil {
		return r, err
	}
	for _, p := range people {
		res, err := r.archetype(ctx, db, svc, p)
		if err != nil {
			return r, errs.Wrap(err, "bench."+p.Archetype)
		}
		r.Archetypes = append(r.Archetypes, res)
	}
	r.Took = time.Since(start)
	return r, nil
}

// firstPage is the first page the service asks the store for: 50 rows and
// one more to know whether there is a next page.
func firstPage(text string) store.CustomerQuery {
	return store.CustomerQuery{Text: text, Sort: "last_activity_at", Desc: true, Limit: 51}
}

// baseline times the first pages with no permission filter, and counts the
// tenant's customers and those the text matches.
func (r *Report) baseline(ctx context.Context, db *store.DB) error {
	all := access.Filter{All: true}
	err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if r.Customers, err = tx.CountCustomers(ctx, r.TenantID, all, store.CustomerQuery{}); err != nil {
			return err
		}
		r.TextRows, err = tx.CountCustomers(ctx, r.TenantID, all, store.CustomerQuery{Text: r.Text})
		return err
	})
	if err != nil {
		return err
	}
	for op, text := range map[string]string{OpPage: "", OpPageQ: r.Text} {
		s, err := r.Plan.run(ctx, func(ctx context.Context, _ int) error {
			return db.Read(ctx, func(tx *store.Tx) error {
				_, err := tx.Customers(ctx, r.TenantID, all, firstPage(text))
				return err
			})
		})
		if err != nil {
			return err
		}
		r.Baseline[op] = s
	}
	return nil
}
