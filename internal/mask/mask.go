// Package mask hides most of a personal value while keeping what a person
// needs to recognise it: 138****5678, z***@example.com, an address up to its
// district, an ID number's first 3 and last 4 characters.
package mask

import (
	"strings"
	"unicode/utf8"
)

// Phone keeps the first 3 and last 4 digits of a mobile number:
// 13812345678 → 138****5678. A country code is dropped first (the last 11
// digits are the number); shorter numbers keep less, so that a mask never
// shows most of a number: 8 digits keep the last 2.
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
	if len(digits) > 11 {
		digits = digits[len(digits)-11:]
	}
	return keep(digits, partsFor(len(digits), [][3]int{{11, 3, 4}, {9, 2, 3}, {7, 0, 2}}))
}

// partsFor picks how much of a value of n characters stays: the first
// rule whose minimum length n reaches, as {min, head, tail}; none keeps
// nothing.
func partsFor(n int, rules [][3]int) [2]int {
	for _, r := range rules {
		if n >= r[0] {
			return [2]int{r[1], r[2]}
		}
	}
	return [2]int{0, 0}
}

// keep shows the head and tail of r and stars in between.
func keep(r []rune, ht [2]int) string {
	if ht[0]+ht[1] >= len(r) {
		return strings.Repeat("*", len(r))
	}
	return string(r[:ht[0]]) + strings.Repeat("*", len(r)-ht[0]-ht[1]) + string(r[len(r)-ht[1]:])
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
// Chinese addresses run from province to street, so the part up to the
// district (区 or 县) is kept; a 区 that ends a compound or estate name
// (小区, 社区, 园区) is not a district, and without a district the part up to
// the city (市) is kept. Western ones run from street to country, so the
// comma-separated parts from the one naming the district on are kept.
// Without either, only the last part (the city) is kept.
func Address(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	for i := 1; i < len(r); i++ {
		if (r[i] == '区' || r[i] == '县') && !strings.ContainsRune("小社园景校厂矿营街", r[i-1]) {
			return string(r[:i+1]) + "***"
		}
	}
	if i := strings.IndexRune(s, '市'); i > 0 {
		return s[:i+len("市")] + "***"
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

// IDNumber keeps the first 3 and last 4 characters of an ID number of 15
// or more; shorter ones keep less (2 and 2 from 10, 1 and 1 from 6).
func IDNumber(s string) string {
	r := []rune(s)
	return keep(r, partsFor(len(r), [][3]int{{15, 3, 4}, {10, 2, 2}, {6, 1, 1}}))
}
