// Package mask hides most of a personal value while keeping what a person
// needs to recognise it: 138****5678, z***@example.com, an address up to its
// district, an ID number's first 3 and last 4 characters.
package mask

import (
	"strings"
	"unicode/utf8"
)

// Phone keeps the first 3 and last 4 digits: 13812345678 → 138****5678.
func Phone(s string) string {
	if s == "" {
		return ""
	}
	var digits []rune
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) <= 7 {
		return strings.Repeat("*", len(digits))
	}
	return string(digits[:3]) + "****" + string(digits[len(digits)-4:])
}

// Email keeps the first character of the local part and the domain:
// zhang.wei@example.com → z***@example.com.
func Email(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return strings.Repeat("*", min(utf8.RuneCountInString(s), 8))
	}
	first, _ := utf8.DecodeRuneInString(s)
	return string(first) + "***" + s[at:]
}

// Address keeps the address from the district outwards, hiding the street:
// Chinese addresses run from province to street, so the part up to 区 or 县
// is kept; Western ones run from street to country, so the comma-separated
// parts from the one naming the district on are kept. Without a district,
// only the last part (the city) is kept.
func Address(s string) string {
	if s == "" {
		return ""
	}
	for _, m := range []string{"区", "县"} {
		if i := strings.Index(s, m); i > 0 {
			return s[:i+len(m)] + "***"
		}
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		l := strings.ToLower(p)
		if strings.Contains(l, "district") || strings.Contains(l, "county") {
			return "***, " + strings.TrimSpace(strings.Join(parts[i:], ","))
		}
	}
	if len(parts) > 1 {
		return "***, " + strings.TrimSpace(parts[len(parts)-1])
	}
	return "***"
}

// IDNumber keeps the first 3 and last 4 characters.
func IDNumber(s string) string {
	r := []rune(s)
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}
