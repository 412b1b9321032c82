package sheet

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestRoundTrip(t *testing.T) {
	for _, f := range []Format{CSV, XLSX} {
		t.Run(string(f), func(t *testing.T) {
			data, w := writeFile(t, f, testHeader, testRows)
			if w.Rows() != int64(len(testRows)) {
				t.Errorf("Rows() = %d, want %d", w.Rows(), len(testRows))
			}
			r, got, _ := readAll(t, data, f, DefaultLimits())
			if want := neutralised([][]string{testHeader})[0]; !reflect.DeepEqual(r.Header(), want) {
				t.Errorf("header: got %q, want %q", r.Header(), want)
			}
			if want := neutralised(testRows); !reflect.DeepEqual(got, want) {
				t.Errorf("rows:\ngot  %q\nwant %q", got, want)
			}
		})
	}
}

func TestCSVLayout(t *testing.T) {
	data, _ := writeFile(t, CSV, []string{"a", "b"}, [][]string{{"1", "2"}})
	want := utf8BOM + "# " + testMark.Line() + ",\r\na,b\r\n1,2\r\n"
	if string(data) != want {
		t.Errorf("got %q, want %q", data, want)
	}
	r, _, lines := readAll(t, data, CSV, DefaultLimits())
	if r.Encoding() != "utf-8-bom" {
		t.Errorf("Encoding() = %q, want utf-8-bom", r.Encoding())
	}
	if !reflect.DeepEqual(lines, []int{3}) {
		t.Errorf("lines = %v, want [3] (watermark, header, data)", lines)
	}
}

func TestWatermarkLine(t *testing.T) {
	want := "Steward export exp_42 · Acme & Co · Li Na <li.na@example.com> · 2026-11-29 11:00 UTC · confidential"
	if got := testMark.Line(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	broken := testMark
	broken.Tenant = "Acme\r\nInjected"
	if got := broken.Line(); strings.ContainsAny(got, "\r\n") {
		t.Errorf("Line() kept a line break: %q", got)
	}
}

// TestXLSXWatermark opens the produced bytes with excelize and proves the
// header/footer and document properties survived the stream writer.
func TestXLSXWatermark(t *testing.T) {
	data, _ := writeFile(t, XLSX, testHeader, testRows)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	name := f.GetSheetList()[0]
	if name != "客户 Customers" {
		t.Errorf("sheet name %q, want %q", name, "客户 Customers")
	}
	hf, err := f.GetHeaderFooter(name)
	if err != nil || hf == nil {
		t.Fatalf("GetHeaderFooter: %v, %v", hf, err)
	}
	wantHF := "&C" + strings.ReplaceAll(testMark.Line(), "&", "&&")
	if hf.OddHeader != wantHF || hf.OddFooter != wantHF {
		t.Errorf("header %q footer %q, want %q", hf.OddHeader, hf.OddFooter, wantHF)
	}
	p, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"Title": p.Title, "Identifier": p.Identifier, "Keywords": p.Keywords,
		"Description": p.Description, "Creator": p.Creator, "Created": p.Created,
	}
	wants := map[string]string{
		"Title": "exp_42", "Identifier": "exp_42", "Keywords": "exp_42",
		"Description": testMark.Line(), "Creator": testMark.Who, "Created": "2026-11-29T11:00:00Z",
	}
	for k, v := range checks {
		if !strings.Contains(v, wants[k]) {
			t.Errorf("%s = %q, want it to contain %q", k, v, wants[k])
		}
	}
	if p.Subject != "Acme & Co · confidential" {
		t.Errorf("Subject = %q", p.Subject)
	}
}

func TestCellsAreNeverFormulas(t *testing.T) {
	data, _ := writeFile(t, XLSX, testHeader, testRows)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	name := f.GetSheetList()[0]
	for row := 1; row <= len(testRows)+1; row++ {
		for col := 1; col <= len(testHeader); col++ {
			ref, _ := excelize.CoordinatesToCellName(col, row)
			if fx, _ := f.GetCellFormula(name, ref); fx != "" {
				t.Errorf("%s holds formula %q", ref, fx)
			}
			if typ, _ := f.GetCellType(name, ref); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeUnset {
				t.Errorf("%s has type %v, want an inline string", ref, typ)
			}
		}
	}
}

func TestLongWatermarkFitsHeaderFooter(t *testing.T) {
	long := testMark
	long.Who = strings.Repeat("长名字&", 100)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, XLSX, long, []string{"a"}, "")
	if err != nil {
		t.Fatalf("NewWriter with a long watermark: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	hf := headerFooter(long.Line())
	if n := len([]rune(hf)); n > maxHeaderFooter || !strings.HasSuffix(hf, "…") || !strings.Contains(hf, "exp_42") {
		t.Errorf("header/footer of %d runes: %q", n, hf)
	}
}

func TestSumMatchesBytes(t *testing.T) {
	for _, f := range []Format{CSV, XLSX} {
		data, w := writeFile(t, f, testHeader, testRows)
		if got, want := w.Sum(), sha256.Sum256(data); got != want {
			t.Errorf("%s: Sum() = %x, want %x", f, got, want)
		}
	}
}

func TestWriteRejectsWrongWidth(t *testing.T) {
	w, err := NewWriter(&bytes.Buffer{}, CSV, testMark, []string{"a", "b"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]string{"only one"}); err == nil {
		t.Error("Write accepted a row narrower than the header")
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close after a rejected row: %v", err)
	}
}

func TestValidSheetName(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  "Sheet1",
		"a/b:c?":                            "a_b_c_",
		"'quoted'":                          "quoted",
		strings.Repeat("客", 40):             strings.Repeat("客", 31),
		strings.Repeat("x", 30) + "'suffix": strings.Repeat("x", 30),
	} {
		if got := validSheetName(in); got != want {
			t.Errorf("validSheetName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestXLSXTempFilesRemoved writes enough to make excelize spill to disk, then
// checks the spill is gone after Close, and after a failed Close too.
func TestXLSXTempFilesRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20 MB of sheet XML")
	}
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	for _, out := range []interface{ Write([]byte) (int, error) }{&bytes.Buffer{}, failingWriter{}} {
		w, err := NewWriter(out, XLSX, testMark, testHeader, "")
		if err != nil {
			t.Fatal(err)
		}
		row := []string{strings.Repeat("x", 1200), "2", "3", "4"}
		for i := 0; i < 12_000; i++ {
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
		if spilled, _ := os.ReadDir(dir); len(spilled) == 0 {
			t.Fatal("no temporary file while streaming; the test writes too little")
		}
		err = w.Close()
		if _, failing := out.(failingWriter); failing != (err != nil) {
			t.Errorf("Close() = %v with %T", err, out)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("%d temporary files left after Close with %T", len(left), out)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
