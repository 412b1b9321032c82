package sheet

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"steward/internal/errs"
)

// fuzzLimits are small so the fuzzer reaches every limit quickly.
var fuzzLimits = Limits{MaxBytes: 64 << 10, MaxRows: 20, MaxCols: 8, MaxCellRunes: 64}

func FuzzCSVReader(f *testing.F) {
	exported, _ := writeFile(f, CSV, testHeader, testRows)
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("姓名,电话\r\n张三,138\r\n")
	for _, seed := range [][]byte{
		exported, []byte(gbk), []byte("a,b\n1,2\n3\n"), []byte("a,\"b\n\"\"x\"\"\"\n1,2"),
		[]byte("\uFEFF# mark\r\nh\r\n\r\n,\r\n"), {0xFF, 0xFE, 'a', 0}, []byte("a,a\n"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkReader(t, data, CSV) })
}

func FuzzXLSXReader(f *testing.F) {
	exported, _ := writeFile(f, XLSX, testHeader, testRows)
	for _, seed := range [][]byte{
		exported,
		book(f, map[string]string{"A1": "a", "B1": "b", "A2": "1", "B3": "=1+1"}),
		book(f, map[string]string{"A1": "a", "C4": "gap"}),
		zipOf(f, "hello.txt", "hi"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkReader(t, data, XLSX) })
}

// FuzzXLSXSheet fuzzes the sheet XML inside an otherwise valid workbook,
// where random bytes would rarely get past the zip checksums. When a file
// reads to the end, excelize's full (non-streaming) reader must agree that
// it holds no formula: none may slip past the formula scan.
func FuzzXLSXSheet(f *testing.F) {
	base := writeFileBytes(f)
	for _, seed := range []string{
		`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row><row r="2"><c r="B2"><v>1</v></c></row>`,
		`<row><c t="inlineStr"><is><t>h</t></is></c></row><row><c><f>1+1</f><v>2</v></c></row>`,
		`<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="9"><c r="C9" t="str"><f t="shared" si="0"/><v>x</v></c></row>`,
		`<row r="2"><c r="A2" t="inlineStr"><is><t>h</t></is></c></row><row r="1"><c r="A1"><f>1</f></c></row>`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rows string) {
		data := replacePart(t, base, sheetPart, sheetXML(rows))
		if checkReader(t, data, XLSX) {
			mustHoldNoFormula(t, data)
		}
	})
}

func mustHoldNoFormula(t *testing.T, data []byte) {
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return
	}
	defer x.Close()
	name := x.GetSheetList()[0]
	rows, _ := x.GetRows(name)
	for i, row := range rows {
		for j := range row {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if fx, _ := x.GetCellFormula(name, ref); fx != "" {
				t.Fatalf("the file read without error, but %s holds a formula", ref)
			}
		}
	}
}

// checkReader reads data to the end and checks the Reader's promises: no
// panic, only *errs.Error about the file, and rows within the limits. It
// reports whether the file read to the end without error.
func checkReader(t *testing.T, data []byte, format Format) bool {
	lim := fuzzLimits
	r, err := NewReader(bytes.NewReader(data), format, lim)
	if err != nil {
		mustBeFileError(t, err)
		return false
	}
	defer r.Close()
	h := r.Header()
	if len(h) == 0 || len(h) > lim.MaxCols {
		t.Fatalf("header has %d cells, limit %d", len(h), lim.MaxCols)
	}
	checkCells(t, h, lim)
	for n := 1; ; n++ {
		row, line, err := r.Next()
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			mustBeFileError(t, err)
			return false
		}
		if n > lim.MaxRows || len(row) != len(h) || line < 2 {
			t.Fatalf("row %d at line %d has %d cells (header %d)", n, line, len(row), len(h))
		}
		checkCells(t, row, lim)
	}
}

func checkCells(t *testing.T, cells []string, lim Limits) {
	for _, c := range cells {
		if n := utf8.RuneCountInString(c); n > lim.MaxCellRunes {
			t.Fatalf("cell of %d runes, limit %d", n, lim.MaxCellRunes)
		}
	}
}

func mustBeFileError(t *testing.T, err error) {
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Field != "file" {
		t.Fatalf("got %v (%T), want an *errs.Error of kind Invalid about the file", err, err)
	}
}
