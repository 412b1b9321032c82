package authn

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"steward/internal/errs"
)

// RecoveryCodeCount is how many recovery codes an account gets at a time.
const RecoveryCodeCount = 10

// Recovery codes are 25 characters of Crockford's base32, 125 random bits,
// shown as five groups of five like a product key: "7k2mx-9qd4h-wart3-e8n0c-zz5pq".
// The length is set by how they are stored (see RecoveryHash), not by
// guessing online, which the lockout already stops. Crockford's alphabet
// leaves out I, L, O and U, so nothing a person reads back is ambiguous,
// and the normaliser maps the look-alikes onto digits.
const (
	recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	recoveryLen      = 25
	recoveryGroup    = 5
)

// NewRecoveryCodes returns RecoveryCodeCount fresh codes to show the user
// once, and the hashes to store in their place, in the same order.
func NewRecoveryCodes() (codes, hashes []string, err error) {
	for i := 0; i < RecoveryCodeCount; i++ {
		b := make([]byte, recoveryLen) // 5 bits used of each byte
		if _, err := rand.Read(b); err != nil {
			return nil, nil, errs.Wrap(err, "authn.NewRecoveryCodes")
		}
		var s strings.Builder
		for j, c := range b {
			if j > 0 && j%recoveryGroup == 0 {
				s.WriteByte('-')
			}
			s.WriteByte(recoveryAlphabet[c&31]) // 256 is a multiple of 32: no bias
		}
		codes = append(codes, s.String())
		hashes = append(hashes, RecoveryHash(s.String()))
	}
	return codes, hashes, nil
}

// NormalizeRecoveryCode turns what a person typed into the canonical
// 25-character form: case, spaces and dashes do not matter, and O, I and
// L read as 0, 1 and 1. It reports false when the input cannot be a code.
func NormalizeRecoveryCode(input string) (string, bool) {
	if len(input) > 128 || !utf8.ValidString(input) {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToLower(Normalize(input)) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r == 'o':
			r = '0'
		case r == 'i' || r == 'l':
			r = '1'
		case r >= 0x80 || !strings.ContainsRune(recoveryAlphabet, r):
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != recoveryLen {
		return "", false
	}
	return b.String(), true
}

// RecoveryHash is how a recovery code is stored: hex SHA-256 of its
// canonical form. A fast unsalted hash is enough, where passwords need
// Argon2id, because the code is 125 uniformly random bits: even with the
// whole table of stored hashes, a thief must try about 2^125 / (number of
// stored codes) candidates per hit, out of reach of any hashing speed.
// That is why the codes are not shorter: ASVS 5.0 6.5.2 allows a standard
// hash only from 112 bits, and at 64-80 bits an unsalted table of millions
// of codes would fall to a GPU farm. Input that is not a code hashes to "",
// which matches nothing.
func RecoveryHash(code string) string {
	c, ok := NormalizeRecoveryCode(code)
	if !ok {
		return ""
	}
	sum := sha256.Sum256([]byte("steward-recovery-code:" + c))
	return hex.EncodeToString(sum[:])
}

// MatchRecoveryCode finds the stored hash that input matches and returns its
// index; the service deletes that hash in the same transaction, which makes
// the code single-use. Every hash is compared, in constant time, so the
// timing says nothing of which one matched.
func MatchRecoveryCode(field, input string, hashes []string) (int, error) {
	h := RecoveryHash(input)
	if h == "" {
		return -1, errs.Field(field, "recovery_code_malformed",
			"%s must be one of your recovery codes, like xxxxx-xxxxx-xxxxx-xxxxx-xxxxx", field)
	}
	found := -1
	for i, stored := range hashes {
		if subtle.ConstantTimeCompare([]byte(h), []byte(stored)) == 1 {
			found = i
		}
	}
	if found < 0 {
		return -1, &errs.Error{Kind: errs.Unauthorized, Code: "recovery_code_invalid", Field: field,
			Message: "this recovery code is wrong or was already used"}
	}
	return found, nil
}
