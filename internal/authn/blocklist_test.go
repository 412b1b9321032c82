package authn

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBlocklistShape(t *testing.T) {
	l := blocklist()
	if len(l) < 10000 {
		t.Fatalf("got %d entries, want at least 10,000", len(l))
	}
	if !slices.IsSorted(l) {
		t.Fatal("not sorted: binary search would miss entries")
	}
	for i, s := range l {
		if i > 0 && l[i-1] == s {
			t.Fatalf("duplicate %q", s)
		}
		if s != strings.ToLower(Normalize(s)) || strings.TrimSpace(s) != s || s == "" {
			t.Fatalf("entry %q is not lower-case NFKC without spaces at the ends", s)
		}
		if n := utf8.RuneCountInString(s); n < genMin && !isLetters(s) || n > genMax {
			t.Fatalf("entry %q has length %d", s, n)
		}
	}
}

func TestBlocklisted(t *testing.T) {
	for _, pw := range []string{"password", "PASSWORD", "password1", "Pa$$word", "qwerty123", "1qaz2wsx3edc",
		"iloveyou", "monkey2001!", "123123123", "abcdefgh", "p@ssw0rd!", "Batman#1", "zaq12wsx"} {
		if !Blocklisted(pw) {
			t.Errorf("Blocklisted(%q) = false, want true", pw)
		}
	}
	for _, pw := range []string{"purple monkey dishwasher", "pass word", "monkeywrench", "", "!!!",
		"correct-horse-battery-staple"} {
		if Blocklisted(pw) {
			t.Errorf("Blocklisted(%q) = true, want false", pw)
		}
	}
}
