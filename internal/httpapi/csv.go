package httpapi

import (
	"bytes"
	"encoding/csv"
	"strings"
)

// csvFile is a handler result sent as a CSV download instead of JSON.
type csvFile struct {
	name        string
	data        []byte
	contentType string // text/csv unless set
}

// writeCSV renders rows as CSV with every cell neutralised against formula
// injection: a cell that a spreadsheet would evaluate (starting with =, +,
// -, @, tab or carriage return) gets a leading apostrophe.
func writeCSV(name string, rows [][]string) (csvFile, error) {
	var b bytes.Buffer
	b.WriteString("\ufeff") // a BOM, so spreadsheet programs read UTF-8 (Chinese names) correctly
	w := csv.NewWriter(&b)
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, c := range r {
			safe[i] = neutralise(c)
		}
		if err := w.Write(safe); err != nil {
			return csvFile{}, err
		}
	}
	w.Flush()
	return csvFile{name: name, data: b.Bytes()}, w.Error()
}

func neutralise(c string) string {
	if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
		return "'" + c
	}
	return c
}
