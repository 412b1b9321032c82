package sheet

import (
	"strings"
	"testing"
)

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"":         "",
		"plain":    "plain",
		"=1+1":     "'=1+1",
		"+86 138":  "'+86 138",
		"-12.5":    "'-12.5",
		"@SUM(A1)": "'@SUM(A1)",
		"\tx":      "'\tx",
		"\rx":      "'\rx",
		"'=quoted": "'=quoted",
		" =spaced": " =spaced",
		"张三=李四":    "张三=李四",
	} {
		if got := Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLooksLikeFormula(t *testing.T) {
	for in, want := range map[string]bool{
		"":                   false,
		"plain":              false,
		"+86 138 1234 5678":  false,
		"-12.5":              false,
		"+1 (555) 010-0100":  false,
		"-1,234.50":          false,
		"-":                  false,
		"=1+1":               true,
		"@SUM(A1)":           true,
		"+SUM(A1)":           true,
		"-cmd|' /C calc'!A0": true,
		"+()":                true,
		"\t=1":               true,
		"\r-2+3":             true,
		"'=1":                false,
	} {
		if got := LooksLikeFormula(in); got != want {
			t.Errorf("LooksLikeFormula(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzNeutralise(f *testing.F) {
	for _, s := range []string{"", "=1", "+86", "-x", "@a", "\t", "\r", "'=", "安全"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Neutralise(s)
		if out != "" && dangerous(out[0]) {
			t.Fatalf("Neutralise(%q) = %q starts with a formula character", s, out)
		}
		if out != s && out != "'"+s {
			t.Fatalf("Neutralise(%q) = %q changed more than a leading quote", s, out)
		}
		if again := Neutralise(out); again != out {
			t.Fatalf("Neutralise is not idempotent: %q then %q", out, again)
		}
		if LooksLikeFormula(out) && !strings.HasPrefix(out, "'") {
			t.Fatalf("neutralised %q still looks like a formula", out)
		}
	})
}
