package service

import (
	"strconv"
	"time"

	"steward/internal/errs"
)

// A span is how long something lasts, as people type it: a whole number
// of hours or days, "72h" or "3d". Nothing finer is needed for temporary
// access, and one short form for both the duration of an access request
// and the ?expiring_within filter keeps clients and the console simple.

// maxSpanDigits bounds the number so that it cannot overflow a Duration.
const maxSpanDigits = 6

// ParseSpan reads a span and checks it lies within [lo, hi]. Anything else
// is an invalid_duration error naming field.
func ParseSpan(field, s string, lo, hi time.Duration) (time.Duration, error) {
	bad := errs.Field(field, "invalid_duration", "%s must be a whole number of hours or days from %s to %s, such as 72h or 7d",
		field, FormatSpan(lo), FormatSpan(hi))
	if s == "" {
		return 0, errs.Field(field, "field_required", "%s is required", field)
	}
	num, unit := s[:len(s)-1], s[len(s)-1]
	if len(num) == 0 || len(num) > maxSpanDigits || num[0] == '0' {
		return 0, bad
	}
	for i := 0; i < len(num); i++ {
		if num[i] < '0' || num[i] > '9' {
			return 0, bad
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0, bad
	}
	var d time.Duration
	switch unit {
	case 'h':
		d = time.Duration(n) * time.Hour
	case 'd':
		d = time.Duration(n) * 24 * time.Hour
	default:
		return 0, bad
	}
	if d < lo || d > hi {
		return 0, bad
	}
	return d, nil
}

// FormatSpan writes a span in its shortest form: days when it is a whole
// number of them, hours otherwise (rounded down).
func FormatSpan(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
}
