package authn

import (
	"testing"

	"github.com/alexedwards/argon2id"
)

// testParams make hashing cheap in tests that are not about its cost.
var testParams = &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// BenchmarkHash measures one Argon2id hash at the production Params
// (security-defaults.md: about 23 ms and 20 MB on the 2-core machine).
func BenchmarkHash(b *testing.B) {
	h := NewHasher(1, Params)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "an ordinary passphrase of 32 ch"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck measures the full context-free policy check, blocklist
// look-ups included.
func BenchmarkCheck(b *testing.B) {
	blocklist() // load once, outside the measurement
	b.ReportAllocs()
	for b.Loop() {
		_ = DefaultPolicy.Check("password", "an ordinary passphrase of 32 ch")
	}
}
