package authn

import (
	"strings"
	"unicode"
)

// classes counts which of the four character classes s uses: upper case,
// lower case, digits, and everything else. Letters without case (Han,
// Kana, Hangul) count as "everything else", the class a Latin-keyboard
// assessor would put them in.
func classes(s string) int {
	var upper, lower, digit, other int
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	return upper + lower + digit + other
}

// near reports whether a and b, lower-cased after NFKC, are within k
// single-character insertions, deletions or substitutions (Levenshtein
// distance ≤ k). Case is ignored because "Spring2024" → "spring2025" is the
// very change that rotation provokes.
func near(a, b string, k int) bool {
	x := []rune(strings.ToLower(Normalize(a)))
	y := []rune(strings.ToLower(Normalize(b)))
	if abs(len(x)-len(y)) > k {
		return false // also bounds the work below: both are short here
	}
	return levenshtein(x, y) <= k
}

// levenshtein is the textbook two-row dynamic programme; the callers have
// bounded both lengths by the policy's maximum.
func levenshtein(x, y []rune) int {
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
