package sheet

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// book builds an XLSX with excelize's ordinary API: cells maps a reference
// to a value, or to "=..." for a formula.
func book(t testing.TB, cells map[string]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for ref, v := range cells {
		var err error
		if fx, ok := strings.CutPrefix(v, "="); ok {
			err = f.SetCellFormula("Sheet1", ref, fx)
		} else {
			err = f.SetCellStr("Sheet1", ref, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// replacePart copies an XLSX, writing one part's content with fill.
func replacePart(t testing.TB, data []byte, name string, fill func(io.Writer)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			fill(w)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

const sheetPart = "xl/worksheets/sheet1.xml"

func sheetXML(rows string) func(io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+rows+`</sheetData></worksheet>`)
	}
}

func TestXLSXGapsAndPadding(t *testing.T) {
	data := book(t, map[string]string{"A1": "name", "B1": "phone", "C1": "city", "A2": "张三", "A5": "李四", "C5": "北京"})
	r, rows, lines := readAll(t, data, XLSX, DefaultLimits())
	if want := []string{"name", "phone", "city"}; !reflect.DeepEqual(r.Header(), want) {
		t.Errorf("header %q, want %q", r.Header(), want)
	}
	if want := [][]string{{"张三", "", ""}, {"李四", "", "北京"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	if want := []int{2, 5}; !reflect.DeepEqual(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
}

func TestXLSXFormulaCell(t *testing.T) {
	for _, c := range []struct {
		name  string
		cells map[string]string
		msg   string
	}{
		{"data", map[string]string{"A1": "a", "B1": "total", "A2": "1", "B3": "=SUM(1,2)"}, `row 3, column "total"`},
		{"header", map[string]string{"A1": "a", "B1": "=\"b\""}, "row 1, column 2 (B)"},
		{"beyond header", map[string]string{"A1": "a", "A2": "x", "D2": "=1"}, "row 2, column 4 (D)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := wantCode(t, readErr(book(t, c.cells), XLSX, DefaultLimits()), "formula_cell")
			if !strings.Contains(e.Message, c.msg) {
				t.Errorf("message %q, want it to contain %q", e.Message, c.msg)
			}
		})
	}
}

func TestXLSXShapeErrors(t *testing.T) {
	small := Limits{MaxRows: 1, MaxCols: 2, MaxCellRunes: 4}
	for _, c := range []struct {
		name, code string
		data       []byte
	}{
		{"empty", "empty_file", nil},
		{"no header", "empty_file", book(t, map[string]string{})},
		{"too many rows", "too_many_rows", book(t, map[string]string{"A1": "a", "A2": "1", "A3": "2"})},
		{"too many columns", "too_many_columns", book(t, map[string]string{"A1": "a", "B1": "b", "C1": "c"})},
		{"long cell", "cell_too_long", book(t, map[string]string{"A1": "a", "A2": "五个汉字呀"})},
		{"value without header", "malformed_file", book(t, map[string]string{"A1": "a", "B2": "x"})},
		{"rows out of order", "malformed_file", replacePart(t, book(t, map[string]string{"A1": "a"}), sheetPart,
			sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="3"/><row r="2"><c r="A2"><f>1+1</f></c></row>`))},
		{"truncated sheet", "malformed_file", replacePart(t, book(t, map[string]string{"A1": "a"}), sheetPart, func(w io.Writer) {
			io.WriteString(w, `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c`)
		})},
		{"not a zip", "malformed_file", []byte("PK\x03\x04 this is not really a zip")},
		{"zip but not xlsx", "malformed_file", zipOf(t, "hello.txt", "hi")},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, readErr(c.data, XLSX, small), c.code)
		})
	}
}

func TestXLSXRandomBytes(t *testing.T) {
	data := make([]byte, 4096)
	rand.Read(data)
	wantCode(t, readErr(data, XLSX, DefaultLimits()), "malformed_file")
}

func zipOf(t testing.TB, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(name)
	io.WriteString(w, content)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestXLSXReaderTempFiles reads a sheet big enough for excelize to spill it
// to disk and checks the spill is removed at EOF and on an early Close.
func TestXLSXReaderTempFiles(t *testing.T) {
	rows := make([][]string, 1000)
	for i := range rows {
		rows[i] = []string{"客户" + strings.Repeat("x", i%50), "138 0000 0000"}
	}
	data, _ := writeFile(t, XLSX, []string{"name", "phone"}, rows)
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	lim := Limits{MaxBytes: 64 << 10}
	if len(data) > int(lim.MaxBytes) {
		t.Fatalf("file is %d bytes, over the test's limit", len(data))
	}
	_, got, _ := readAll(t, data, XLSX, lim)
	if len(got) != len(rows) {
		t.Errorf("read %d rows, want %d", len(got), len(rows))
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d temporary files left at EOF", len(left))
	}
	r, err := NewReader(bytes.NewReader(data), XLSX, lim)
	if err != nil {
		t.Fatal(err)
	}
	if spilled, _ := os.ReadDir(dir); len(spilled) == 0 {
		t.Error("excelize did not spill the sheet; the test reads too little")
	}
	r.Next()
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d temporary files left after Close", len(left))
	}
}
