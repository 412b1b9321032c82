package sheet

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"hash"
	"io"

	"steward/internal/errs"
)

// Writer streams an export to a file in bounded memory. Every cell passes
// through Neutralise, and the SHA-256 of the bytes written is kept so the
// export record can prove which file left the building.
//
// Close must be called on every path, typically deferred (it is
// idempotent): an XLSX export spills to temporary files that only Close
// removes.
type Writer struct {
	hw     *hashWriter
	enc    encoder
	width  int
	rows   int64
	buf    []string
	err    error // sticky: after a failure the file is incomplete
	closed bool
	sum    [32]byte
}

// encoder is one file format behind the Writer.
type encoder interface {
	write(cells []string) error
	close() error // finishes the file
	abort()       // releases resources without finishing
}

// NewWriter starts a file with the watermark and the header row.
func NewWriter(out io.Writer, f Format, wm Watermark, header []string, sheetName string) (*Writer, error) {
	if len(header) == 0 {
		return nil, errs.Wrap(fmt.Errorf("empty header"), "sheet.NewWriter")
	}
	w := &Writer{hw: &hashWriter{w: out, h: sha256.New()}, width: len(header), buf: make([]string, len(header))}
	var err error
	switch f {
	case CSV:
		w.enc, err = newCSVEncoder(w.hw, wm, len(header))
	case XLSX:
		w.enc, err = newXLSXEncoder(w.hw, wm, sheetName)
	default:
		return nil, errs.Field("format", "invalid_format", "format must be csv or xlsx")
	}
	if err != nil {
		return nil, errs.Wrap(err, "sheet.NewWriter")
	}
	if err := w.enc.write(w.neutralise(header)); err != nil {
		w.enc.abort()
		return nil, errs.Wrap(err, "sheet.NewWriter")
	}
	return w, nil
}

// Write adds one data row; it must have as many cells as the header.
func (w *Writer) Write(cells []string) error {
	switch {
	case w.closed:
		return errs.Wrap(fmt.Errorf("write after close"), "sheet.Write")
	case w.err != nil:
		return w.err
	case len(cells) != w.width:
		return errs.Wrap(fmt.Errorf("row has %d cells, header has %d", len(cells), w.width), "sheet.Write")
	}
	if err := w.enc.write(w.neutralise(cells)); err != nil {
		// The file cannot be finished now; release its temporary files
		// at once in case the caller returns without calling Close.
		w.enc.abort()
		w.err = errs.Wrap(err, "sheet.Write")
		return w.err
	}
	w.rows++
	return nil
}

// neutralise fills the reused row buffer; neither encoder keeps the slice.
func (w *Writer) neutralise(cells []string) []string {
	for i, c := range cells {
		w.buf[i] = Neutralise(c)
	}
	return w.buf
}

// Close finishes the file and fixes Sum. After a failed Write it only
// releases resources and reports that failure.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		w.enc.abort()
		return w.err
	}
	if err := w.enc.close(); err != nil {
		w.err = errs.Wrap(err, "sheet.Close")
		return w.err
	}
	copy(w.sum[:], w.hw.h.Sum(nil))
	return nil
}

// Rows reports the data rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Sum is the SHA-256 of every byte written to out; it is zero until Close
// has succeeded.
func (w *Writer) Sum() [32]byte { return w.sum }

// hashWriter hashes exactly the bytes the destination accepted.
type hashWriter struct {
	w io.Writer
	h hash.Hash
}

func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	return n, err
}

// utf8BOM lets Excel (notably in Chinese locales, which otherwise assume
// GBK) recognise the file as UTF-8.
const utf8BOM = "\uFEFF"

// csvEncoder writes RFC 4180 with CRLF line ends. encoding/csv then writes a
// line break inside a cell as CRLF too, and drops a lone CR there; readers
// return such breaks as "\n".
type csvEncoder struct {
	bw *bufio.Writer
	cw *csv.Writer
}

func newCSVEncoder(out io.Writer, wm Watermark, columns int) (*csvEncoder, error) {
	// csv.NewWriter reuses a *bufio.Writer this large instead of adding its
	// own 4 KiB one, so the destination sees few, large writes.
	bw := bufio.NewWriterSize(out, 64<<10)
	e := &csvEncoder{bw: bw, cw: csv.NewWriter(bw)}
	e.cw.UseCRLF = true
	if _, err := bw.WriteString(utf8BOM); err != nil {
		return nil, err
	}
	// The watermark row has as many cells as the header, the rest empty:
	// tools that insist on one field count per row (pandas, SIEM parsers,
	// OpenAPI validators) read the file, and spreadsheets show the line.
	row := make([]string, max(columns, 1))
	row[0] = "# " + wm.Line()
	return e, e.cw.Write(row)
}

func (e *csvEncoder) write(cells []string) error { return e.cw.Write(cells) }

func (e *csvEncoder) close() error {
	e.cw.Flush()
	return e.cw.Error()
}

func (e *csvEncoder) abort() {}
