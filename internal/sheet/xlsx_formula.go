package sheet

import (
	"archive/zip"
	"encoding/xml"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// formulaScan walks the sheet's XML alongside excelize's row iterator to
// find formula cells, which that iterator does not report. Asking excelize
// per cell (GetCellFormula) would load the whole sheet into memory.
//
// It numbers rows and cells as excelize does: a row or cell without an "r"
// attribute follows the one before it.
type formulaScan struct {
	rc         io.ReadCloser
	dec        *xml.Decoder
	row, col   int // position reached, 1-based
	inCell     bool
	frow, fcol int // the first formula found, if has
	has, done  bool
}

func newFormulaScan(part *zip.File) (*formulaScan, error) {
	rc, err := part.Open()
	if err != nil {
		return nil, malformed(err)
	}
	return &formulaScan{rc: rc, dec: xml.NewDecoder(rc)}, nil
}

// at scans up to the end of the given row and reports a formula in it or in
// an earlier row. The column is 0-based.
func (s *formulaScan) at(row int) (frow, col int, found bool, err error) {
	for !s.has && !s.done && s.row <= row {
		if err := s.step(); err != nil {
			return 0, 0, false, err
		}
	}
	if s.has && s.frow <= row {
		return s.frow, s.fcol - 1, true, nil
	}
	return 0, 0, false, nil
}

func (s *formulaScan) step() error {
	tok, err := s.dec.Token()
	if err == io.EOF {
		s.done = true
		return nil
	}
	if err != nil {
		return fileErr("malformed_file", "the sheet is damaged after row %d", s.row)
	}
	switch t := tok.(type) {
	case xml.StartElement:
		return s.start(t)
	case xml.EndElement:
		if t.Name.Local == "c" {
			s.inCell = false
		}
	}
	return nil
}

func (s *formulaScan) start(t xml.StartElement) error {
	switch t.Name.Local {
	case "row":
		next := s.row + 1
		if v, ok := attr(t, "r"); ok {
			n, err := strconv.Atoi(v)
			// Rows must ascend, or the scan and excelize could disagree
			// on which row a formula is in.
			if err != nil || n <= s.row {
				return fileErr("malformed_file", "the rows are out of order after row %d", s.row)
			}
			next = n
		}
		s.row, s.col = next, 0
	case "c":
		s.col++
		if v, ok := attr(t, "r"); ok {
			col, _, err := excelize.CellNameToCoordinates(v)
			if err != nil {
				return fileErr("malformed_file", "row %d: a cell has an invalid reference", s.row)
			}
			s.col = col
		}
		s.inCell = true
	case "f":
		if s.inCell {
			s.frow, s.fcol, s.has = s.row, s.col, true
		}
	}
	return nil
}

func attr(t xml.StartElement, name string) (string, bool) {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (s *formulaScan) close() error { return s.rc.Close() }
