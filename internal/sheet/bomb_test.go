package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"runtime"
	"strings"
	"testing"
)

// bombRows writes n MiB of highly compressible sheet rows.
func bombRows(w io.Writer, mib int) {
	row := []byte(strings.Repeat(`<row><c t="inlineStr"><is><t>aaaaaaaa</t></is></c></row>`, 1<<10))
	for written := 0; written < mib<<20; written += len(row) {
		w.Write(row)
	}
}

// TestXLSXZipBomb feeds a workbook whose sheet expands to 16 MiB from tens
// of KiB, once with honest sizes and once declaring a small size, and
// checks both fail without allocating anything like the expanded size.
func TestXLSXZipBomb(t *testing.T) {
	base := writeFileBytes(t)
	honest := replacePart(t, base, sheetPart, func(w io.Writer) {
		io.WriteString(w, `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		bombRows(w, 16)
		io.WriteString(w, `</sheetData></worksheet>`)
	})
	lying := lyingPart(t, base, sheetPart, 16)
	lim := Limits{MaxBytes: 1 << 20}
	for name, c := range map[string]struct {
		data []byte
		code string
	}{"honest": {honest, "file_too_large"}, "lying": {lying, "malformed_file"}} {
		t.Run(name, func(t *testing.T) {
			if len(c.data) > int(lim.MaxBytes) {
				t.Fatalf("bomb is %d bytes, over the upload limit; it should pass that check", len(c.data))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := readErr(c.data, XLSX, lim)
			runtime.ReadMemStats(&after)
			wantCode(t, err, c.code)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("allocated %d MiB reading a bomb, want under 16", alloc>>20)
			}
		})
	}
}

func writeFileBytes(t testing.TB) []byte {
	data, _ := writeFile(t, XLSX, []string{"a"}, [][]string{{"1"}})
	return data
}

// lyingPart replaces a part with mib MiB of compressed rows while its zip
// header declares only 1 KiB.
func lyingPart(t testing.TB, data []byte, name string, mib int) []byte {
	t.Helper()
	var deflated bytes.Buffer
	fw, _ := flate.NewWriter(&deflated, flate.BestSpeed)
	io.WriteString(fw, `<worksheet><sheetData>`)
	bombRows(fw, mib)
	fw.Close()
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name != name {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(deflated.Len()), UncompressedSize64: 1 << 10})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(deflated.Bytes())
	}
	zw.Close()
	return out.Bytes()
}
