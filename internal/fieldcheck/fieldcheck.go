// Package fieldcheck validates values that come from outside (names, e-mail
// addresses, phone numbers) before they reach the domain. Each check returns
// an *errs.Error naming the field, so every edge reports bad input the same way.
package fieldcheck

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"steward/internal/errs"
)

// Text checks a free-text value: valid UTF-8, at most max runes, and free of
// control characters and bidirectional overrides, which can disguise a name
// in lists and audit views ("Trojan Source"). Newlines and tabs are allowed
// only when multiline is set.
func Text(field, s string, max int, multiline bool) error {
	if !utf8.ValidString(s) {
		return errs.Field(field, "invalid_encoding", "%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return errs.Field(field, "too_long", "%s is longer than %d characters", field, max)
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) || isBidiControl(r) || r == '\uFEFF' {
			return errs.Field(field, "invalid_characters", "%s contains control or direction-override characters", field)
		}
	}
	return nil
}

// Name checks a required single-line name and returns it trimmed.
func Name(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errs.Field(field, "field_required", "%s is required", field)
	}
	return s, Text(field, s, max, false)
}

// Optional checks an optional single-line value and returns it trimmed.
func Optional(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	return s, Text(field, s, max, false)
}

// Email checks an e-mail address and returns it in lower case. An empty
// value is allowed unless required is set.
func Email(field, s string, required bool) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		if required {
			return "", errs.Field(field, "field_required", "%s is required", field)
		}
		return "", nil
	}
	if err := Text(field, s, 254, false); err != nil {
		return "", err
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", errs.Field(field, "invalid_email", "%s is not a valid e-mail address", field)
	}
	return s, nil
}

// Phone checks a phone number: digits with an optional leading +, and the
// usual separators (space, dash, dot, parentheses), 3 to 20 digits.
func Phone(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return "", errs.Field(field, "invalid_phone", "%s may contain only digits, a leading + and separators", field)
		}
	}
	if digits < 3 || digits > 20 {
		return "", errs.Field(field, "invalid_phone", "%s must have 3 to 20 digits", field)
	}
	return s, nil
}

// OneOf checks that s is one of the allowed values (empty allowed if optional).
func OneOf(field, s string, optional bool, allowed ...string) error {
	if s == "" && optional {
		return nil
	}
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	return errs.Field(field, "invalid_value", "%s must be one of: %s", field, strings.Join(allowed, ", "))
}

func isBidiControl(r rune) bool {
	switch {
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069', r == '\u200E', r == '\u200F', r == '\u061C':
		return true
	}
	return false
}
