// Package sheet reads and writes the tabular files (CSV and XLSX) that carry
// governed exports out of Steward and imports into it.
//
// Exports are watermarked, hashed as they stream and defended against formula
// injection; imports are read row by row under hard limits, and every failure
// is an *errs.Error that names the row and column but never echoes a cell.
package sheet

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"steward/internal/errs"
)

// Format is a tabular file format.
type Format string

// The formats Steward reads and writes.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ParseFormat accepts "csv" or "xlsx" in any case.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case CSV, XLSX:
		return f, nil
	}
	return "", errs.Field("format", "invalid_format", "format must be csv or xlsx")
}

// Watermark identifies an export in the file itself, so a copy found later
// can be traced to the export record, the person and the moment.
type Watermark struct {
	ExportID string    // e.g. "exp_42"
	Who      string    // user name and e-mail
	Tenant   string    // company name
	When     time.Time // shown in UTC
}

// Line renders the watermark as one human-readable line. Control characters
// in the fields become spaces so the line can never break a CSV row or a
// header/footer in two.
func (w Watermark) Line() string {
	return fmt.Sprintf("Steward export %s · %s · %s · %s UTC · confidential",
		oneLine(w.ExportID), oneLine(w.Tenant), oneLine(w.Who),
		w.When.UTC().Format("2006-01-02 15:04"))
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// dangerous reports whether a spreadsheet may treat a cell starting with b as
// a formula (OWASP CSV injection guidance: = + - @ tab CR).
func dangerous(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// Neutralise prefixes a value that a spreadsheet could run as a formula with
// a single quote, which makes it plain text. It is idempotent: a neutralised
// value starts with the quote and is left alone.
func Neutralise(s string) string {
	if s != "" && dangerous(s[0]) {
		return "'" + s
	}
	return s
}

// LooksLikeFormula reports whether an imported value would run as a formula
// if exported again or pasted into a spreadsheet. A leading sign followed by
// a number or phone number ("-12.5", "+86 138 1234 5678") is data, not a
// formula; leading tabs and CRs are ignored as spreadsheets trim them.
func LooksLikeFormula(s string) bool {
	s = strings.TrimLeft(s, "\t\r")
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@':
		return true
	case '+', '-':
		return len(s) > 1 && !numberLike(s[1:])
	}
	return false
}

// numberLike accepts digits with the punctuation of numbers and phone
// numbers, and needs at least one digit.
func numberLike(s string) bool {
	digit := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case strings.IndexByte(" .,-()/", c) >= 0:
		default:
			return false
		}
	}
	return digit
}
