package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"steward/internal/errs"
)

type csvSource struct {
	cr    *csv.Reader
	first bool
	extra int // line breaks inside earlier quoted fields
}

func openCSV(in io.Reader, lim Limits) (*csvSource, string, error) {
	raw, err := readLimited(in, lim.MaxBytes)
	if err != nil {
		return nil, "", err
	}
	text, enc, err := decodeText(raw)
	if err != nil {
		return nil, "", err
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1 // the watermark row is narrower; widths are checked by the Reader
	return &csvSource{cr: cr, first: true}, enc, nil
}

// decodeText finds the encoding and returns UTF-8 text. Files saved by
// Excel in Chinese locales are GBK, which GB18030 extends; anything that is
// neither UTF-8 nor clean GB18030 is refused rather than imported garbled.
func decodeText(raw []byte) ([]byte, string, error) {
	enc := "utf-8"
	switch {
	case bytes.HasPrefix(raw, []byte(utf8BOM)):
		raw, enc = raw[len(utf8BOM):], "utf-8-bom"
		if !utf8.Valid(raw) {
			return nil, "", fileErr("invalid_encoding", "the file is marked as UTF-8 but is not valid UTF-8")
		}
	case !utf8.Valid(raw):
		var err error
		if raw, err = simplifiedchinese.GB18030.NewDecoder().Bytes(raw); err != nil {
			return nil, "", fileErr("invalid_encoding", "the file is neither UTF-8 nor GB18030 (GBK) text")
		}
		enc = "gb18030"
	}
	if line, ok := cleanText(raw, enc == "gb18030"); !ok {
		return nil, "", fileErr("invalid_encoding", "line %d: the file is not UTF-8 or GB18030 (GBK) text", line)
	}
	return raw, enc, nil
}

// cleanText finds NULs, which no text file holds (a UTF-16 or binary file
// does). In text decoded as GB18030 it also finds the replacement character
// and other control characters, signs that the guess was wrong.
func cleanText(text []byte, guessed bool) (line int, ok bool) {
	line = 1
	for _, r := range string(text) {
		switch {
		case r == '\n':
			line++
		case r == 0:
			return line, false
		case guessed && (r == utf8.RuneError || r == 0x7f || (r < ' ' && r != '\t' && r != '\r')):
			return line, false
		}
	}
	return line, true
}

// next returns one record and its row as a spreadsheet numbers it: the
// physical line less the line breaks inside earlier quoted cells.
func (s *csvSource) next() ([]string, int, error) {
	for {
		rec, err := s.cr.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, 0, fileErr("malformed_file", "row %d: not valid CSV (%v)", pe.StartLine-s.extra, pe.Err)
		}
		if err != nil {
			return nil, 0, errs.Wrap(err, "sheet: read csv")
		}
		line, _ := s.cr.FieldPos(0)
		line -= s.extra
		for _, f := range rec {
			s.extra += strings.Count(f, "\n")
		}
		// An exported file starts with its watermark as a comment row (the
		// line in the first cell, the others empty); skipping it lets an
		// export be imported again.
		if s.first {
			s.first = false
			if strings.HasPrefix(rec[0], "#") && strings.Join(rec[1:], "") == "" {
				continue
			}
		}
		return rec, line, nil
	}
}

func (s *csvSource) close() error { return nil }
