package keyring_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"steward/internal/keyring"
)

// A blind index is the same for the same normalised value, and differs
// with the key, the tenant, the kind of value and the value.
func TestBlindIndex(t *testing.T) {
	k1, k2 := key(t), key(t)
	index, phone, email := keyring.BlindIndex, keyring.NormalPhone, keyring.NormalEmail
	base := index(k1, 1, "phone", phone("+86 138-0000-0000"))
	if base == "" || base != index(k1, 1, "phone", phone("+8613800000000")) {
		t.Fatalf("one number written two ways: %q", base)
	}
	for what, other := range map[string]string{
		"another key":    index(k2, 1, "phone", "+8613800000000"),
		"another tenant": index(k1, 2, "phone", "+8613800000000"),
		"another kind":   index(k1, 1, "email", "+8613800000000"),
		"another value":  index(k1, 1, "phone", "+8613800000001"),
		"no plus":        index(k1, 1, "phone", "8613800000000"),
	} {
		if other == base {
			t.Errorf("%s gives the same index", what)
		}
	}
	if index(k1, 1, "phone", "") != "" {
		t.Error("an empty value has an index")
	}
	if index(k1, 1, "email", email(" Li.Wei@Example.COM ")) != index(k1, 1, "email", "li.wei@example.com") {
		t.Error("e-mail case or spaces change the index")
	}
}

func TestNormalPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+86 (138) 0000.0000": "+8613800000000",
		" 010-1234 5678 ":     "01012345678",
		"+":                   "",
		"1-800-FLOWERS":       "",
		"12+34":               "",
		"":                    "",
		"Acme":                "",
	} {
		if got := keyring.NormalPhone(in); got != want {
			t.Errorf("NormalPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzNormalPhone: search text is outside input. Whatever it is, the
// normal form is digits with at most a leading +, and normalising is
// idempotent.
func FuzzNormalPhone(f *testing.F) {
	for _, s := range []string{"+86 138-0000-0000", "(010) 1234.5678", "++1", "٣٤٥", "\u00a0123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := keyring.NormalPhone(s)
		if n == "" {
			return
		}
		if !utf8.ValidString(n) || strings.Trim(strings.TrimPrefix(n, "+"), "0123456789") != "" || keyring.NormalPhone(n) != n {
			t.Fatalf("NormalPhone(%q) = %q", s, n)
		}
	})
}
