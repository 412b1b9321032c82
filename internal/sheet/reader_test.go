package sheet

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestCSVEncodings(t *testing.T) {
	text := "客户名称,电话\r\n张三,138 0000 0000\r\n北京某某公司,010-1234\r\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, data, enc string }{
		{"utf-8", text, "utf-8"},
		{"bom", utf8BOM + text, "utf-8-bom"},
		{"gbk", gbk, "gb18030"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, rows, _ := readAll(t, []byte(c.data), CSV, DefaultLimits())
			if r.Encoding() != c.enc {
				t.Errorf("Encoding() = %q, want %q", r.Encoding(), c.enc)
			}
			if want := []string{"客户名称", "电话"}; !reflect.DeepEqual(r.Header(), want) {
				t.Errorf("header %q, want %q", r.Header(), want)
			}
			want := [][]string{{"张三", "138 0000 0000"}, {"北京某某公司", "010-1234"}}
			if !reflect.DeepEqual(rows, want) {
				t.Errorf("rows %q, want %q", rows, want)
			}
		})
	}
}

func TestCSVInvalidEncoding(t *testing.T) {
	utf16 := []byte{0xFF, 0xFE, 'a', 0, ',', 0, 'b', 0, '\n', 0}
	for name, data := range map[string][]byte{
		"utf-16":          utf16,
		"nul in utf-8":    []byte("a,b\n1,\x002\n"),
		"bom then binary": append([]byte(utf8BOM), 0xC3, 0x28),
		"binary":          {0x81, 0x30, 0x01, 0x02, 0xFF, 0xFF, 0x00},
	} {
		t.Run(name, func(t *testing.T) {
			wantCode(t, readErr(data, CSV, DefaultLimits()), "invalid_encoding")
		})
	}
}

// TestCSVRowNumbers counts rows as a spreadsheet shows them: blank lines
// count, a quoted cell spanning lines does not add rows.
func TestCSVRowNumbers(t *testing.T) {
	data := "# watermark\r\nname,notes\r\n\r\nA,\"two\r\nlines\"\r\n,\r\nB,x\r\n"
	_, rows, lines := readAll(t, []byte(data), CSV, DefaultLimits())
	if want := [][]string{{"A", "two\nlines"}, {"B", "x"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	if want := []int{4, 6}; !reflect.DeepEqual(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
}

func TestCSVWatermarkOnlySkippedFirst(t *testing.T) {
	_, rows, _ := readAll(t, []byte("\"#, a comment\"\nh\n#1\n"), CSV, DefaultLimits())
	if want := [][]string{{"#1"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
}

func TestCSVErrors(t *testing.T) {
	small := Limits{MaxBytes: 200, MaxRows: 2, MaxCols: 3, MaxCellRunes: 5}
	for _, c := range []struct {
		name, data, code, msg string
	}{
		{"empty", "", "empty_file", ""},
		{"only blank lines", "\r\n\r\n", "empty_file", ""},
		{"too large", strings.Repeat("a,b\n", 60), "file_too_large", "200 bytes"},
		{"too many rows", "a\n1\n2\n3\n", "too_many_rows", "row 4"},
		{"too many columns", "a,b,c,d\n", "too_many_columns", "row 1"},
		{"long cell", "a,phone\n1,123456\n", "cell_too_long", `row 2, column "phone"`},
		{"long header", "a,bbbbbb\n", "cell_too_long", "row 1, column 2 (B)"},
		{"ragged", "a,b\n1,2\n3\n", "malformed_file", "row 3"},
		{"empty header", "a,,c\n", "malformed_file", "column 2 (B)"},
		{"duplicate header", "a, A \n", "malformed_file", "column 2 (B)"},
		{"bad quoting", "a,b\n1,\"2\n", "malformed_file", "row 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := wantCode(t, readErr([]byte(c.data), CSV, small), c.code)
			if e.Field != "file" || !strings.Contains(e.Message, c.msg) {
				t.Errorf("got %s %q, want field file and a message with %q", e.Field, e.Message, c.msg)
			}
		})
	}
}

// TestErrorsDoNotEchoCells makes sure a message names the place, never the
// value, which may be personal data.
func TestErrorsDoNotEchoCells(t *testing.T) {
	secret := "身份证110101199003077777"
	lim := Limits{MaxCellRunes: 10}
	e := wantCode(t, readErr([]byte("id\n"+secret+"\n"), CSV, lim), "cell_too_long")
	if strings.Contains(e.Error(), secret) || strings.Contains(e.Error(), "110101") {
		t.Errorf("message echoes the cell: %q", e.Error())
	}
}

func TestReaderStreamsFromSlowInput(t *testing.T) {
	data := []byte("a,b\n1,2\n")
	r, err := NewReader(iotest.OneByteReader(bytes.NewReader(data)), CSV, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if row, line, err := r.Next(); err != nil || line != 2 || !reflect.DeepEqual(row, []string{"1", "2"}) {
		t.Errorf("Next() = %q, %d, %v", row, line, err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"csv": CSV, " XLSX ": XLSX} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "xls", "tsv"} {
		if _, err := ParseFormat(in); err == nil {
			t.Errorf("ParseFormat(%q) accepted", in)
		} else {
			wantCode(t, err, "invalid_format")
		}
	}
}
