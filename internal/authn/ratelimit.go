package authn

import (
	"net/netip"
	"time"
)

// Rate is a token-bucket limit: Burst attempts at once, then one more per
// Every. It is used per client address, in front of the per-account
// Lockout, so that one address cannot spray passwords across accounts.
type Rate struct {
	Burst int           `json:"burst"`
	Every time.Duration `json:"every"`
}

// DefaultIPRate allows 20 sign-in attempts at once from one address, then
// 10 a minute.
var DefaultIPRate = Rate{Burst: 20, Every: 6 * time.Second}

// Bucket is one key's state under a Rate. The zero Bucket is full. It is a
// value: the caller stores it (in memory or a table) and replaces it with
// what Take returns.
type Bucket struct {
	// Full is when the bucket will be full again. Storing this one instant
	// instead of a token count keeps the arithmetic in whole durations
	// (the "generic cell rate algorithm" form of a token bucket).
	Full time.Time `json:"full"`
}

// Take spends one token at now. It returns the new state, whether the
// attempt is allowed and, if not, how long until it would be. A refused
// attempt spends nothing. A clock that went backwards counts as no time
// passed. A Rate with Burst or Every at zero refuses everything.
func (r Rate) Take(b Bucket, now time.Time) (Bucket, bool, time.Duration) {
	if r.Burst <= 0 || r.Every <= 0 {
		return b, false, 0
	}
	start := b.Full
	if start.Before(now) {
		start = now
	}
	next := start.Add(r.Every)
	if over := next.Sub(now) - time.Duration(r.Burst)*r.Every; over > 0 {
		return b, false, over
	}
	return Bucket{Full: next}, true, 0
}

// RateKey is the network a client address is limited as: the address
// itself for IPv4, its /64 for IPv6, since one IPv6 subscriber usually
// holds a whole /64 and could otherwise rotate through 2^64 addresses.
func RateKey(addr netip.Addr) netip.Prefix {
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return netip.PrefixFrom(addr, 32)
	}
	p, _ := addr.Prefix(64) // cannot fail for a valid IPv6 address and 64
	return p
}
