// Package authn holds the rules of signing in: password hashing and policy,
// TOTP second factors, recovery codes, lockout and rate limits, session
// lifetimes, network and login-hour rules, and which standard clauses each
// setting satisfies. The rules are pure: no database, no HTTP, no clock
// (every function that needs the time takes it). It keeps no state of its
// own beyond a bound on how many password hashes run at once, so that a
// login flood cannot exhaust memory, and the embedded blocklist.
//
// Defaults follow NIST SP 800-63B rev. 4 and OWASP ASVS 5.0; the
// dengbao-l3 profile switches to GB/T 22239-2019 level 3 practice. See
// shared/design/security-defaults.md for where the two conflict.
package authn

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/alexedwards/argon2id"
	"golang.org/x/text/unicode/norm"

	"steward/internal/errs"
)

// Params are the Argon2id costs: OWASP's minimum for Argon2id
// (m=19 MiB, t=2, p=1), about 23 ms and 20 MB per hash on a 2-core machine.
var Params = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Hasher hashes and verifies passwords, at most a fixed number at a time.
type Hasher struct {
	slots  chan struct{}
	params *argon2id.Params
}

// NewHasher allows n concurrent hashes (each takes ~19 MiB).
func NewHasher(n int, p *argon2id.Params) *Hasher {
	if p == nil {
		p = Params
	}
	return &Hasher{slots: make(chan struct{}, n), params: p}
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errs.E(errs.Internal, "busy", "too many sign-ins at once, try again")
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the encoded Argon2id hash of a normalised password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	s, err := argon2id.CreateHash(Normalize(password), h.params)
	return s, errs.Wrap(err, "authn.Hash")
}

// Verify reports whether password matches the encoded hash. An empty hash
// still costs one hash, so that timing does not tell whether a user exists.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	if encoded == "" {
		encoded = dummyHash
	}
	ok, err := argon2id.ComparePasswordAndHash(Normalize(password), encoded)
	if err != nil {
		return false, errs.Wrap(err, "authn.Verify")
	}
	return ok && encoded != dummyHash, nil
}

// NeedsRehash reports whether an encoded hash was made with lower costs
// than the hasher's, so that the service can replace it at the next
// sign-in, when the password is in hand. A hash that does not decode needs
// one too.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := argon2id.DecodeHash(encoded)
	if err != nil {
		return true
	}
	return p.Memory < h.params.Memory || p.Iterations < h.params.Iterations ||
		p.Parallelism < h.params.Parallelism || p.KeyLength < h.params.KeyLength
}

// dummyHash is verified against when there is no user, to spend the same time.
var dummyHash = func() string {
	s, err := argon2id.CreateHash("steward-no-such-user", Params)
	if err != nil {
		panic(err)
	}
	return s
}()

// Normalize puts a password in Unicode NFKC form, as NIST SP 800-63B asks,
// so that the same password typed on different keyboards matches.
func Normalize(p string) string { return norm.NFKC.String(p) }

// NewToken returns a random opaque token (256 bits) and the hash to store.
func NewToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", errs.Wrap(err, "authn.NewToken")
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, TokenHash(token), nil
}

// TokenHash is how a token is stored: its SHA-256, so a database leak does
// not hand out live sessions.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
