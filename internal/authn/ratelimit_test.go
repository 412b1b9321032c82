package authn

import (
	"net/netip"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestRateTake(t *testing.T) {
	r := Rate{Burst: 3, Every: 10 * time.Second}
	var b Bucket
	var ok bool
	var wait time.Duration
	for i := 0; i < 3; i++ {
		if b, ok, _ = r.Take(b, t0); !ok {
			t.Fatalf("attempt %d of the burst refused", i+1)
		}
	}
	if _, ok, wait = r.Take(b, t0); ok || wait != 10*time.Second {
		t.Fatalf("fourth at once: got %v, wait %v; want refused, 10s", ok, wait)
	}
	if _, ok, wait = r.Take(b, t0.Add(4*time.Second)); ok || wait != 6*time.Second {
		t.Fatalf("after 4s: got %v, wait %v; want refused, 6s", ok, wait)
	}
	if b, ok, _ = r.Take(b, t0.Add(10*time.Second)); !ok {
		t.Fatal("after 10s: refused")
	}
	if _, ok, _ = r.Take(Bucket{}, t0.Add(time.Hour)); !ok {
		t.Fatal("an idle bucket is not full again")
	}
	if _, ok, _ = (Rate{}).Take(Bucket{}, t0); ok {
		t.Fatal("the zero Rate allowed an attempt")
	}
}

// Property: in any run of attempts, no more than Burst + elapsed/Every are
// allowed, and an attempt refused with a wait is allowed after that wait.
func TestRateBound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := Rate{Burst: rapid.IntRange(1, 10).Draw(t, "burst"),
			Every: time.Duration(rapid.Int64Range(1, 60).Draw(t, "every")) * time.Second}
		var b Bucket
		now, allowed := t0, 0
		for range rapid.IntRange(1, 100).Draw(t, "n") {
			now = now.Add(time.Duration(rapid.Int64Range(0, int64(20*time.Second)).Draw(t, "gap")))
			nb, ok, wait := r.Take(b, now)
			if ok {
				allowed++
				b = nb
			} else if _, ok, _ := r.Take(b, now.Add(wait)); !ok {
				t.Fatalf("refused again after waiting %v", wait)
			}
			if limit := r.Burst + int(now.Sub(t0)/r.Every); allowed > limit {
				t.Fatalf("%d allowed by +%v, limit %d", allowed, now.Sub(t0), limit)
			}
		}
	})
}

func TestRateKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                 "192.0.2.7/32",
		"::ffff:192.0.2.7":          "192.0.2.7/32",
		"2001:db8:1:2:3:4:5:6":      "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1%eth0": "2001:db8:1:2::/64",
	} {
		if got := RateKey(netip.MustParseAddr(in)).String(); got != want {
			t.Errorf("RateKey(%s) = %s, want %s", in, got, want)
		}
	}
}
