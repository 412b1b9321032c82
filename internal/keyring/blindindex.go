package keyring

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"unicode"
)

// A blind index lets a sealed column be searched for equality: beside the
// sealed value the row keeps HMAC-SHA-256(index key, what, normalised
// value), cut to 128 bits. The same value in the same tenant always gives
// the same index, so a query for it finds the rows without opening any.
// What it reveals (docs/encryption.md, "Blind indexes"): which rows share
// a value, and to whoever holds the index key, whether a guessed value is
// present; nothing else. The index key is a key of its own (kind index),
// so that rotating the data keys leaves the indexes be.

// indexSize is how many bytes of the HMAC an index keeps: enough that two
// different values of one tenant practically never share one.
const indexSize = 16

// BlindIndex returns the index of a normalised value for the tenant's
// index key, what naming the kind of value ("phone", "email") so that a
// phone and an e-mail with equal text do not collide. An empty value has
// no index: "".
func BlindIndex(key []byte, tenantID int64, what, normalised string) string {
	if normalised == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("steward/index/" + strconv.FormatInt(tenantID, 10) + "/" + what + "\x00" + normalised))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:indexSize])
}

// NormalEmail is the form of an e-mail address that its index is made
// of: trimmed and lower-cased, so that Li.Wei@Example.com finds li.wei@example.com.
func NormalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NormalPhone is the form of a phone number that its index is made of:
// its digits, with a leading + kept, so that "+86 138-0000-0000" and
// "+8613800000000" are one number. Anything else than digits, spaces,
// dashes, dots, brackets and a leading + is not a phone number: "".
func NormalPhone(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == '-' || r == '.' || r == '(' || r == ')' || unicode.IsSpace(r):
		default:
			return ""
		}
	}
	if strings.Trim(b.String(), "+") == "" {
		return ""
	}
	return b.String()
}
