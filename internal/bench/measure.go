package bench

import (
	"context"
	"math"
	"slices"
	"time"
)

// Stats are the latencies of one operation, in microseconds.
type Stats struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_us"`
	P95 float64 `json:"p95_us"`
	P99 float64 `json:"p99_us"`
	Max float64 `json:"max_us"`
}

// Plan is how often each operation runs: first unmeasured to warm the
// caches, then measured, but for no longer than Budget once MinN runs are
// in (a count over a million rows would otherwise take minutes).
type Plan struct {
	Warmup, Iterations, MinN int
	Budget                   time.Duration
}

// run times op i = 0, 1, ... and returns its percentiles.
func (p Plan) run(ctx context.Context, op func(ctx context.Context, i int) error) (Stats, error) {
	start := time.Now()
	for i := range p.Warmup {
		if err := op(ctx, i); err != nil {
			return Stats{}, err
		}
		if time.Since(start) > p.Budget/4 && i+1 >= min(p.Warmup, p.MinN) {
			break
		}
	}
	ds := make([]time.Duration, 0, p.Iterations)
	start = time.Now()
	for i := range p.Iterations {
		t := time.Now()
		if err := op(ctx, i); err != nil {
			return Stats{}, err
		}
		ds = append(ds, time.Since(t))
		if time.Since(start) > p.Budget && len(ds) >= p.MinN {
			break
		}
	}
	return percentiles(ds), nil
}

// percentiles uses the nearest-rank method: p99 of 200 runs is the 198th
// fastest.
func percentiles(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	slices.Sort(ds)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		return micros(ds[max(0, min(i, len(ds)-1))])
	}
	return Stats{N: len(ds), P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: micros(ds[len(ds)-1])}
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
