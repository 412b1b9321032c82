package sheet

import (
	"io"

	"steward/internal/errs"
)

// Limits bound what an uploaded file may hold. A zero or negative field
// takes its value from DefaultLimits.
type Limits struct {
	MaxBytes     int64 // size of the upload as received
	MaxRows      int   // data rows, not counting the header
	MaxCols      int
	MaxCellRunes int
}

// DefaultLimits are sized for a CRM import: generous for real files, small
// enough that a hostile one cannot exhaust the server.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 50 << 20, MaxRows: 100_000, MaxCols: 200, MaxCellRunes: 10_000}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	// A cap far above any real upload keeps the unzip arithmetic from
	// overflowing.
	l.MaxBytes = min(l.MaxBytes, 1<<40)
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxCols <= 0 {
		l.MaxCols = d.MaxCols
	}
	if l.MaxCellRunes <= 0 {
		l.MaxCellRunes = d.MaxCellRunes
	}
	return l
}

// readLimited reads at most max bytes and fails if there are more, so a
// hostile upload costs at most max bytes of memory.
func readLimited(in io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(in, max+1))
	if err != nil {
		return nil, errs.Wrap(err, "sheet: read upload")
	}
	if int64(len(b)) > max {
		return nil, fileErr("file_too_large", "the file is larger than the limit of %d bytes", max)
	}
	if len(b) == 0 {
		return nil, fileErr("empty_file", "the file is empty")
	}
	return b, nil
}
