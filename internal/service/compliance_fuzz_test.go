package service_test

import (
	"testing"
	"time"

	"steward/internal/errs"
	"steward/internal/service"
)

// FuzzParseReportTime: whatever a caller sends as a period's end, the
// answer is a time or a field error naming it, never a panic; what parses
// as RFC 3339 or a date gives that instant.
func FuzzParseReportTime(f *testing.F) {
	for _, s := range []string{"2026-01-01", "2026-01-01T10:00:00+08:00", "", "2026-13-01", "yesterday", "2026-01-01T25:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := service.ParseReportTime("from", s)
		if err != nil {
			if e := errs.As(err); e == nil || e.Field != "from" || e.Code != "invalid_time" {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if want, err := time.Parse(time.RFC3339, s); err == nil && !want.Equal(got) {
			t.Fatalf("%q: got %v, want %v", s, got, want)
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q: %v is not UTC", s, got)
		}
	})
}
