package authn

import (
	"regexp"
	"strings"
	"testing"

	"steward/internal/errs"
)

var codeShape = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}(-[0-9a-hjkmnp-tv-z]{5}){4}$`)

func TestNewRecoveryCodes(t *testing.T) {
	codes, hashes, err := NewRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != RecoveryCodeCount || len(hashes) != RecoveryCodeCount {
		t.Fatalf("got %d codes and %d hashes, want %d", len(codes), len(hashes), RecoveryCodeCount)
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if !codeShape.MatchString(c) || seen[c] {
			t.Fatalf("code %q is malformed or repeated", c)
		}
		seen[c] = true
		if hashes[i] != RecoveryHash(c) || strings.Contains(hashes[i], c) {
			t.Fatalf("hash %d does not belong to its code", i)
		}
	}
}

func TestRecoveryCodeSingleUse(t *testing.T) {
	codes, hashes, err := NewRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
	i, err := MatchRecoveryCode("code", typed, hashes)
	if err != nil || i != 3 {
		t.Fatalf("got %d, %v; want 3", i, err)
	}
	hashes = append(hashes[:i], hashes[i+1:]...) // what the service does
	_, err = MatchRecoveryCode("code", typed, hashes)
	wantCode(t, err, "recovery_code_invalid", "code")
	if errs.KindOf(err) != errs.Unauthorized {
		t.Fatalf("got kind %v, want Unauthorized", errs.KindOf(err))
	}
	_, err = MatchRecoveryCode("code", "not a code", hashes)
	wantCode(t, err, "recovery_code_malformed", "code")
}

func TestNormalizeRecoveryCode(t *testing.T) {
	const c = "7k2mx-9qd4h-wart3-e8n0c-zz5pq"
	for _, in := range []string{c, strings.ToUpper(c), "7k2mx 9qd4h wart3 e8n0c zz5pq", "7k2mx9qd4hwart3e8n0czz5pq",
		" 7K2MX-9QD4H-WART3-E8NOC-ZZ5PQ ", "７ｋ２ｍｘ９ｑｄ４ｈｗａｒｔ３ｅ８ｎ０ｃｚｚ５ｐｑ"} {
		got, ok := NormalizeRecoveryCode(in)
		if !ok || got != "7k2mx9qd4hwart3e8n0czz5pq" {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, %v", in, got, ok)
		}
	}
	if a, _ := NormalizeRecoveryCode("11111-iiiii-lllll-IIIII-LLLLL"); a != strings.Repeat("1", 25) {
		t.Errorf("look-alikes: got %q", a)
	}
	for _, in := range []string{"", "7k2mx-9qd4h-wart3-e8n0c-zz5p", "7k2mx-9qd4h-wart3-e8n0c-zz5pqq", "uuuuu-uuuuu-uuuuu-uuuuu-uuuuu",
		"7k2mx_9qd4h_wart3_e8n0c_zz5pq", "\xff"} {
		if got, ok := NormalizeRecoveryCode(in); ok {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, want refusal", in, got)
		}
	}
}

func FuzzNormalizeRecoveryCode(f *testing.F) {
	for _, s := range []string{"7k2mx-9qd4h-wart3-e8n0c-zz5pq", "OOOOO-IIIII-LLLLL-00000-11111", "", "\xff", "ｋ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, ok := NormalizeRecoveryCode(in)
		if !ok {
			if RecoveryHash(in) != "" {
				t.Fatalf("malformed %q has a hash", in)
			}
			return
		}
		if len(c) != recoveryLen || strings.Trim(c, recoveryAlphabet) != "" {
			t.Fatalf("NormalizeRecoveryCode(%q) = %q, not canonical", in, c)
		}
		if again, ok := NormalizeRecoveryCode(c); !ok || again != c {
			t.Fatalf("not idempotent: %q → %q", c, again)
		}
		if RecoveryHash(in) != RecoveryHash(c) || len(RecoveryHash(c)) != 64 {
			t.Fatalf("hash of %q differs from hash of its canonical form", in)
		}
	})
}
