package service

import (
	"net/netip"
	"sync"
	"time"

	"steward/internal/authn"
)

// throttle limits failed sign-in attempts per client network (an IPv4
// address, an IPv6 /64), in front of the per-account lockout, so that one
// network cannot spray guesses across many accounts. Only failures spend:
// an office behind one address signing in all morning is never slowed.
//
// The buckets live in memory, per node: behind a load balancer each node
// allows the burst, which bounds an attacker to nodes × the rate. The
// per-account lockout, which lives in the database, holds across nodes.
type throttle struct {
	mu      sync.Mutex
	rate    authn.Rate
	buckets map[netip.Prefix]authn.Bucket
}

// maxBuckets bounds the memory a flood from many addresses can take; past
// it, full buckets are forgotten first.
const maxBuckets = 100_000

func newThrottle(r authn.Rate) *throttle {
	return &throttle{rate: r, buckets: map[netip.Prefix]authn.Bucket{}}
}

// key is the network addr is limited as; an address that does not parse
// (a call from inside, with no request) shares one bucket.
func (t *throttle) key(addr string) netip.Prefix {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}
	}
	return authn.RateKey(a)
}

// allows reserves one attempt of the client at addr at now, and reports
// whether there was one to take. The token is spent before the attempt is
// checked, under the lock, so parallel failures cannot all pass a check
// that sees the same bucket; a success gives it back with refund.
func (t *throttle) allows(addr string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := t.key(addr)
	b, ok, _ := t.rate.Take(t.buckets[k], now)
	if !ok {
		return false
	}
	t.store(k, b, now)
	return true
}

// refund gives back the attempt allows reserved, when it succeeded: only
// failures spend.
func (t *throttle) refund(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := t.key(addr)
	b, ok := t.buckets[k]
	if !ok {
		return
	}
	b.Full = b.Full.Add(-t.rate.Every)
	t.buckets[k] = b
}

// store keeps a key's bucket, forgetting full ones first when the map is
// at its bound.
func (t *throttle) store(k netip.Prefix, b authn.Bucket, now time.Time) {
	if _, known := t.buckets[k]; !known && len(t.buckets) >= maxBuckets {
		for k, old := range t.buckets {
			if !old.Full.After(now) {
				delete(t.buckets, k)
			}
		}
	}
	if _, known := t.buckets[k]; known || len(t.buckets) < maxBuckets {
		t.buckets[k] = b
	}
}
