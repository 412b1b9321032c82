package authn

import (
	"slices"
	"strings"
	"unicode"
)

// minContextWord is the shortest context word that counts: shorter
// fragments ("li", "jo") occur by chance in good passphrases.
const minContextWord = 3

// productWords are context for every tenant: the product's name and the
// generic role words of its sign-in page (ASVS 6.1.2 lists product,
// system and role names as context).
var productWords = []string{"Steward CRM", "admin", "administrator"}

// ContainsContext reports whether password is built from the context
// words: those given (the service passes the tenant's name and slug, the
// user's name and e-mail address; it may add department and role names)
// and productWords. 800-63B-4 §3.1.1.2 and ASVS 6.2.11 ask for this.
//
// The rule, on letters only: let P be the password's letters, lower-cased
// after NFKC, with digits, spaces, punctuation and symbols removed, and let
// the context words be the runs of letters in each context string (for an
// e-mail address, the local part and the domain without its last label),
// each string's letters joined into one word too, keeping words of at least
// 3 letters. The password is refused when
//
//  1. P has at least 3 letters and is part of a context word
//     ("Lovelace!2024" for Ada Lovelace), or
//  2. occurrences of context words cover at least half of P's letters
//     ("AcmeAdmin2024" for tenant Acme; "acme-lovelace-team" for Ada
//     Lovelace at Acme).
//
// A password with no letters is left to the blocklist.
func ContainsContext(password string, context []string) bool {
	p := []rune(letters(password))
	if len(p) == 0 {
		return false
	}
	words := contextWords(slices.Concat(context, productWords))
	covered := make([]bool, len(p))
	for _, w := range words {
		if len(p) >= minContextWord && strings.Contains(w, string(p)) {
			return true
		}
		markAll(p, []rune(w), covered)
	}
	n := 0
	for _, c := range covered {
		if c {
			n++
		}
	}
	return 2*n >= len(p)
}

// letters returns s lower-cased after NFKC, with every non-letter removed.
func letters(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, strings.ToLower(Normalize(s)))
}

// contextWords splits each context string into its words and the joined
// whole, lower-cased, keeping those of at least minContextWord letters.
func contextWords(context []string) []string {
	var out []string
	keep := func(w string) {
		if len([]rune(w)) >= minContextWord {
			out = append(out, w)
		}
	}
	for _, s := range context {
		if local, domain, ok := strings.Cut(s, "@"); ok {
			if i := strings.LastIndex(domain, "."); i >= 0 {
				domain = domain[:i] // ".com" is not about this user
			}
			s = local + " " + domain
		}
		s = strings.ToLower(Normalize(s))
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
			keep(w)
		}
		keep(letters(s))
	}
	return out
}

// markAll marks in covered every position of p inside an occurrence of w.
func markAll(p, w []rune, covered []bool) {
	for i := 0; i+len(w) <= len(p); i++ {
		if runesEqual(p[i:i+len(w)], w) {
			for j := i; j < i+len(w); j++ {
				covered[j] = true
			}
		}
	}
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
