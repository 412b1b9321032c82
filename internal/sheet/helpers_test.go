package sheet

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"steward/internal/errs"
)

var testMark = Watermark{
	ExportID: "exp_42",
	Who:      "Li Na <li.na@example.com>",
	Tenant:   "Acme & Co",
	When:     time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC),
}

var testHeader = []string{"name", "phone", "notes", "=bad header"}

// testRows mixes Chinese, separators, quotes, line breaks and values that
// a spreadsheet would run as formulas. (A lone CR inside a cell does not
// survive CSV with CRLF line ends; Neutralise's own test covers CR.)
var testRows = [][]string{
	{"张三", "+86 138 1234 5678", "客户说：\"明天再联系\"", "=HYPERLINK(\"http://x\")"},
	{"O'Brien, Pat", "-12.5", "line one\nline two", "@SUM(A1)"},
	{"", "\ttabbed", "a,b,c", "plain"},
	{"李四", "+", "多行\n备注\n第三行", "-cmd|' /C calc'!A0"},
}

// writeFile produces a file with the Writer and returns its bytes.
func writeFile(t testing.TB, f Format, header []string, rows [][]string) ([]byte, *Writer) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, testMark, header, "客户 Customers")
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes(), w
}

// readAll reads a whole file, failing the test on any error.
func readAll(t testing.TB, data []byte, f Format, lim Limits) (*Reader, [][]string, []int) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), f, lim)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows [][]string
	var lines []int
	for {
		row, line, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, rows, lines
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row)
		lines = append(lines, line)
	}
}

// readErr reads a file to its first error.
func readErr(data []byte, f Format, lim Limits) error {
	r, err := NewReader(bytes.NewReader(data), f, lim)
	if err != nil {
		return err
	}
	for {
		if _, _, err := r.Next(); err != nil {
			return err
		}
	}
}

// wantCode checks that err is an *errs.Error about the file with the code.
func wantCode(t testing.TB, err error, code string) *errs.Error {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want *errs.Error with code %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("got code %s (%v), want %s", e.Code, e, code)
	}
	return e
}

func neutralised(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, c := range r {
			out[i][j] = Neutralise(c)
		}
	}
	return out
}
