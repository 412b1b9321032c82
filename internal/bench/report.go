package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Verdict is one target of the issue, met or not.
type Verdict struct {
	Target string  `json:"target"`
	Got    float64 `json:"got"`
	Limit  float64 `json:"limit"`
	Met    bool    `json:"met"`
}

// Targets: a filtered first page within 3× of the unfiltered one and under
// 5 ms p95 on SQLite (10 ms on PostgreSQL); a check under 100 µs p99 in
// process.
const (
	maxPageRatio    = 3
	maxCheckMicros  = 100
	sqlitePageLimit = 5000
	pgPageLimit     = 10000
)

func (r *Report) verdicts(res Result) []Verdict {
	limit := float64(sqlitePageLimit)
	if r.Engine == "postgres" {
		limit = pgPageLimit
	}
	var out []Verdict
	for _, op := range []string{OpPage, OpPageQ} {
		got, base := res.Ops[op].P95, r.Baseline[op].P95
		out = append(out,
			Verdict{Target: op + " p95 µs", Got: got, Limit: limit, Met: got <= limit},
			Verdict{Target: op + " p95 / baseline p95", Got: got / base, Limit: maxPageRatio, Met: got <= maxPageRatio*base})
	}
	for _, op := range []string{OpCheck, OpCheckPure} {
		got := res.Ops[op].P99
		out = append(out, Verdict{Target: op + " p99 µs", Got: got, Limit: maxCheckMicros, Met: got <= maxCheckMicros})
	}
	return out
}

// WriteText writes the report as tables.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%s, tenant %q (id %d): %d customers; text %q matches %d (%.1f%%)\n", r.Engine, r.Tenant, r.TenantID,
		r.Customers, r.Text, r.TextRows, 100*float64(r.TextRows)/float64(max(r.Customers, 1)))
	fmt.Fprintf(w, "warm-up %d, iterations %d (at least %d, at most %s per operation)\n\n", r.Plan.Warmup, r.Plan.Iterations,
		r.Plan.MinN, r.Plan.Budget)
	fmt.Fprintf(w, "%-28s %6s %10s %10s %10s %10s\n", "baseline (no filter)", "n", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, op := range []string{OpPage, OpPageQ} {
		writeStats(w, op, r.Baseline[op])
	}
	for _, a := range r.Archetypes {
		fmt.Fprintf(w, "\n%s: user %d %v, department %d (depth %d), owns %d, subtree %d; sees %d\n  filter: %s; checks cycle through %d\n",
			a.Archetype, a.UserID, a.Roles, a.Department, a.Depth, a.Owned, a.Subtree, a.Visible, a.Filter, a.Sampled)
		fmt.Fprintf(w, "%-28s %6s %10s %10s %10s %10s\n", "", "n", "p50 ms", "p95 ms", "p99 ms", "max ms")
		for _, op := range Ops {
			writeStats(w, op, a.Ops[op])
		}
		var missed []string
		for _, v := range a.Verdicts {
			if !v.Met {
				missed = append(missed, fmt.Sprintf("%s %.4g > %.4g", v.Target, v.Got, v.Limit))
			}
		}
		if len(missed) == 0 {
			fmt.Fprintln(w, "  targets: all met")
		} else {
			fmt.Fprintf(w, "  targets missed: %s\n", strings.Join(missed, "; "))
		}
	}
	fmt.Fprintf(w, "\ntook %s\n", r.Took.Round(time.Millisecond))
}

func writeStats(w io.Writer, name string, s Stats) {
	ms := func(us float64) string { return fmt.Sprintf("%.3f", us/1000) }
	fmt.Fprintf(w, "  %-26s %6d %10s %10s %10s %10s\n", name, s.N, ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max))
}
