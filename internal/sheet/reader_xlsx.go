package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"

	"github.com/xuri/excelize/v2"
)

// An XLSX is a zip of XML parts. A hostile one can be small yet expand
// enormously, so the declared sizes are checked before anything is
// decompressed (archive/zip refuses entries that lie about their size):
//
//   - all parts together may expand to unzipRatio × MaxBytes;
//   - excelize moves a worksheet or the shared strings to a temporary file
//     when it is larger than spill, the smaller of MaxBytes and spillMax;
//   - every other part stays in memory, and those parts together may take
//     at most 2 × spill, room for a sheet just under spill and the rest.
const (
	unzipRatio = 8
	spillMax   = 16 << 20
)

const formulaWhat = "formulas are not accepted; paste the values instead"

type xlsxSource struct {
	f      *excelize.File
	rows   *excelize.Rows
	scan   *formulaScan
	n      int // row number in the sheet
	closed bool
}

func openXLSX(in io.Reader, lim Limits) (*xlsxSource, error) {
	raw, err := readLimited(in, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, fileErr("malformed_file", "the file is not an XLSX workbook")
	}
	unzipMax, spill := lim.MaxBytes*unzipRatio, min(lim.MaxBytes, spillMax)
	if err := checkParts(zr, unzipMax, spill); err != nil {
		return nil, err
	}
	name, part, err := firstSheet(zr)
	if err != nil {
		return nil, err
	}
	s := &xlsxSource{}
	opts := excelize.Options{UnzipSizeLimit: unzipMax, UnzipXMLSizeLimit: spill}
	if err := s.open(raw, opts, name, part); err != nil {
		_ = s.close()
		return nil, err
	}
	return s, nil
}

func (s *xlsxSource) open(raw []byte, opts excelize.Options, name string, part *zip.File) (err error) {
	defer guard(&err)
	if s.f, err = excelize.OpenReader(bytes.NewReader(raw), opts); err != nil {
		return malformed(err)
	}
	if s.rows, err = s.f.Rows(name); err != nil {
		return malformed(err)
	}
	s.scan, err = newFormulaScan(part)
	return err
}

// next returns the sheet's next row, numbered as Excel shows it; gaps in the
// sheet come back as empty rows, which the Reader skips.
func (s *xlsxSource) next() (cells []string, line int, err error) {
	defer guard(&err)
	if !s.rows.Next() {
		return nil, 0, s.end()
	}
	s.n++
	if cells, err = s.rows.Columns(); err != nil {
		e := fileErr("malformed_file", "row %d: the row cannot be read", s.n)
		e.Cause = err
		return nil, 0, e
	}
	row, col, found, err := s.scan.at(s.n)
	if err != nil {
		return nil, 0, err
	}
	if found {
		return nil, 0, &cellError{code: "formula_cell", what: formulaWhat, row: row, col: col}
	}
	return cells, s.n, nil
}

// end confirms that the sheet really ended: excelize stops quietly at
// damaged XML, and rows silently dropped from an import would be worse
// than an error.
func (s *xlsxSource) end() error {
	if err := s.rows.Error(); err != nil {
		return malformed(err)
	}
	row, col, found, err := s.scan.at(math.MaxInt)
	if err != nil {
		return err
	}
	if found {
		return &cellError{code: "formula_cell", what: formulaWhat, row: row, col: col}
	}
	return io.EOF
}

func (s *xlsxSource) close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.scan != nil {
		_ = s.scan.close()
	}
	if s.rows != nil {
		_ = s.rows.Close()
	}
	if s.f == nil {
		return nil
	}
	// Removes the temporary files excelize spilled large parts to.
	return s.f.Close()
}

func malformed(cause error) error {
	e := fileErr("malformed_file", "the XLSX workbook is damaged or not supported")
	e.Cause = cause
	return e
}

// guard turns a panic inside excelize, which parses hostile input here,
// into a malformed_file error instead of a crashed request.
func guard(err *error) {
	if p := recover(); p != nil {
		*err = malformed(fmt.Errorf("excelize panic: %v", p))
	}
}
