package sheet

import (
	"archive/zip"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"steward/internal/errs"
)

type xlsxEncoder struct {
	f    *excelize.File
	sw   *excelize.StreamWriter
	row  int
	vals []any
}

// newXLSXEncoder prepares a workbook whose only sheet carries the watermark
// in its page header and footer and whose document properties carry it too.
//
// Order matters: StreamWriter.Flush writes the worksheet's settings after the
// rows and then drops the worksheet, so a header/footer set after Flush is
// silently lost. Setting it before the stream starts is certain to persist;
// TestXLSXWatermark reads it back.
func newXLSXEncoder(out io.Writer, wm Watermark, sheetName string) (enc *xlsxEncoder, err error) {
	f := excelize.NewFile()
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	// excelize builds the whole zip in a bytes.Buffer unless it is handed a
	// zip writer; writing straight to out keeps memory bounded for a
	// million rows.
	f.ZipWriter = func(io.Writer) excelize.ZipWriter { return zip.NewWriter(out) }
	name := validSheetName(sheetName)
	if name != "Sheet1" {
		if err := f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	}
	if err := f.SetDocProps(docProps(wm)); err != nil {
		return nil, err
	}
	hf := headerFooter(wm.Line())
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddHeader: hf, OddFooter: hf}); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	return &xlsxEncoder{f: f, sw: sw}, nil
}

func (e *xlsxEncoder) write(cells []string) error {
	if e.row >= excelize.TotalRows {
		return errs.E(errs.TooLarge, "too_many_rows", "an XLSX sheet holds at most %d rows; export as CSV instead", excelize.TotalRows)
	}
	e.row++
	e.vals = e.vals[:0]
	for _, c := range cells {
		// Plain strings become inline strings, never formulas.
		e.vals = append(e.vals, c)
	}
	return e.sw.SetRow("A"+strconv.Itoa(e.row), e.vals)
}

func (e *xlsxEncoder) close() error {
	defer e.f.Close()
	if err := e.sw.Flush(); err != nil {
		return err
	}
	// The zip goes to out through f.ZipWriter; the returned buffer is empty.
	_, err := e.f.WriteToBuffer()
	return err
}

func (e *xlsxEncoder) abort() { _ = e.f.Close() }

func docProps(wm Watermark) *excelize.DocProperties {
	when := wm.When.UTC().Format("2006-01-02T15:04:05Z")
	return &excelize.DocProperties{
		Title:          "Steward export " + wm.ExportID,
		Subject:        wm.Tenant + " · confidential",
		Description:    wm.Line(),
		Creator:        wm.Who,
		LastModifiedBy: wm.Who,
		Keywords:       "steward; export; " + wm.ExportID + "; confidential",
		Identifier:     wm.ExportID,
		Category:       "confidential",
		Created:        when,
		Modified:       when,
	}
}

// maxHeaderFooter is Excel's limit on one header or footer, in UTF-16 units.
const maxHeaderFooter = excelize.MaxFieldLength

// headerFooter centres the line in a page header or footer. "&" starts a
// formatting code there, so it is doubled; a line too long for Excel's limit
// is cut with an ellipsis (the document properties keep it whole).
func headerFooter(line string) string {
	var b strings.Builder
	b.WriteString("&C")
	units := 2
	for _, r := range line {
		piece := string(r)
		if r == '&' {
			piece = "&&"
		}
		n := len(utf16.Encode([]rune(piece)))
		if units+n > maxHeaderFooter-1 {
			b.WriteString("…")
			break
		}
		b.WriteString(piece)
		units += n
	}
	return b.String()
}

// validSheetName makes a caller's name acceptable to Excel: at most 31
// UTF-16 units, none of : \ / ? * [ ], and no quote at either end.
func validSheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) || r < ' ' {
			return '_'
		}
		return r
	}, s)
	var units int
	for i, r := range s {
		units += len(utf16.Encode([]rune{r}))
		if units > excelize.MaxSheetNameLength {
			s = s[:i]
			break
		}
	}
	if s = strings.Trim(s, "' "); s == "" {
		return "Sheet1"
	}
	return s
}
