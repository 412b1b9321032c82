package sheet

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"steward/internal/errs"
)

// source yields the raw records of one file format.
type source interface {
	next() (cells []string, line int, err error) // io.EOF at the end
	close() error
}

// cellError is a source's complaint about one cell; the Reader names the
// column from the header, which the source does not know.
type cellError struct {
	code, what string
	row, col   int // 1-based row, 0-based column
}

func (e *cellError) Error() string { return e.code }

// Reader reads an uploaded file row by row. Every complaint about the file is
// an *errs.Error for the field "file" whose message names the row and column
// but never quotes a cell; only a failure to read the input is internal.
//
// The Reader releases its resources at io.EOF or the first error; call Close
// when stopping early.
type Reader struct {
	src    source
	lim    Limits
	enc    string
	strict bool // CSV: every row must be exactly as wide as the header
	header []string
	rows   int
	err    error // sticky, io.EOF included
}

// NewReader checks the file's size and encoding and reads its header row.
func NewReader(in io.Reader, f Format, lim Limits) (*Reader, error) {
	r := &Reader{lim: lim.withDefaults()}
	var err error
	switch f {
	case CSV:
		r.src, r.enc, err = openCSV(in, r.lim)
		r.strict = true
	case XLSX:
		r.src, err = openXLSX(in, r.lim)
		r.enc = "utf-8"
	default:
		return nil, errs.Field("format", "invalid_format", "format must be csv or xlsx")
	}
	if err != nil {
		return nil, err
	}
	if err := r.readHeader(); err != nil {
		_ = r.src.close()
		return nil, err
	}
	return r, nil
}

// Header returns the header cells, trimmed of surrounding space.
func (r *Reader) Header() []string { return r.header }

// Encoding names the text encoding found: "utf-8", "utf-8-bom" or "gb18030".
// An XLSX is always "utf-8".
func (r *Reader) Encoding() string { return r.enc }

// Next returns the next data row, as wide as the header, with its row number
// as a spreadsheet shows it. Blank rows are skipped.
func (r *Reader) Next() ([]string, int, error) {
	if r.err != nil {
		return nil, 0, r.err
	}
	cells, line, err := r.row()
	if err != nil {
		r.err = err
		_ = r.src.close()
		return nil, 0, err
	}
	return cells, line, nil
}

// Close releases the file; Next then reports io.EOF.
func (r *Reader) Close() error {
	if r.err == nil {
		r.err = io.EOF
	}
	return r.src.close()
}

func (r *Reader) readHeader() error {
	cells, line, err := r.record()
	if errors.Is(err, io.EOF) {
		return fileErr("empty_file", "the file has no header row")
	}
	if err != nil {
		return err
	}
	if len(cells) > r.lim.MaxCols {
		return fileErr("too_many_columns", "row %d: %d columns, more than the limit of %d", line, len(cells), r.lim.MaxCols)
	}
	seen := make(map[string]bool, len(cells))
	for i, c := range cells {
		c = strings.TrimSpace(c)
		key := strings.ToLower(c)
		switch {
		case c == "":
			return fileErr("malformed_file", "row %d, %s: the header is empty", line, colRef(i))
		case utf8.RuneCountInString(c) > r.lim.MaxCellRunes:
			return fileErr("cell_too_long", "row %d, %s: longer than %d characters", line, colRef(i), r.lim.MaxCellRunes)
		case seen[key]:
			return fileErr("malformed_file", "row %d, %s: the header %q appears twice", line, colRef(i), short(c))
		}
		seen[key] = true
		cells[i] = c
	}
	r.header = cells
	return nil
}

// row reads and checks one data row.
func (r *Reader) row() ([]string, int, error) {
	cells, line, err := r.record()
	if err != nil {
		return nil, 0, err
	}
	if r.rows++; r.rows > r.lim.MaxRows {
		return nil, 0, fileErr("too_many_rows", "row %d: more than the limit of %d data rows", line, r.lim.MaxRows)
	}
	if cells, err = r.fit(cells, line); err != nil {
		return nil, 0, err
	}
	for i, c := range cells {
		if utf8.RuneCountInString(c) > r.lim.MaxCellRunes {
			return nil, 0, fileErr("cell_too_long", "row %d, %s: longer than %d characters", line, r.colName(i), r.lim.MaxCellRunes)
		}
	}
	return cells, line, nil
}

// fit makes a row as wide as the header. A CSV row must already be; an XLSX
// row omits trailing blank cells, so it is padded, but a value beyond the
// last header has no column to go to.
func (r *Reader) fit(cells []string, line int) ([]string, error) {
	w := len(r.header)
	if r.strict && len(cells) != w {
		return nil, fileErr("malformed_file", "row %d: %d fields, but the header has %d", line, len(cells), w)
	}
	for i := w; i < len(cells); i++ {
		if cells[i] != "" {
			return nil, fileErr("malformed_file", "row %d, %s: a value in a column without a header", line, colRef(i))
		}
	}
	if len(cells) > w {
		return cells[:w], nil
	}
	for len(cells) < w {
		cells = append(cells, "")
	}
	return cells, nil
}

// record returns the next non-blank record, turning a source's cell
// complaint into a message that names the column.
func (r *Reader) record() ([]string, int, error) {
	for {
		cells, line, err := r.src.next()
		var ce *cellError
		if errors.As(err, &ce) {
			return nil, 0, fileErr(ce.code, "row %d, %s: %s", ce.row, r.colName(ce.col), ce.what)
		}
		if err != nil {
			return nil, 0, err
		}
		if !blank(cells) {
			return cells, line, nil
		}
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// colName names a column by its header where there is one.
func (r *Reader) colName(i int) string {
	if i < len(r.header) {
		return fmt.Sprintf("column %q", short(r.header[i]))
	}
	return colRef(i)
}

// colRef names a column by position, as both a number and a letter.
func colRef(i int) string {
	letters, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return fmt.Sprintf("column %d", i+1)
	}
	return fmt.Sprintf("column %d (%s)", i+1, letters)
}

// short caps a header name quoted in a message.
func short(s string) string {
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}

func fileErr(code, format string, args ...any) *errs.Error {
	return errs.Field("file", code, format, args...)
}
