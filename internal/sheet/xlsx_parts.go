package sheet

import (
	"archive/zip"
	"encoding/xml"
	"path"
	"strings"
)

// checkParts applies the size rules described at unzipRatio, and refuses a
// zip with two entries of one name, which readers resolve differently.
func checkParts(zr *zip.Reader, unzipMax, spill int64) error {
	var total, inMemory uint64
	seen := make(map[string]bool, len(zr.File))
	for _, f := range zr.File {
		name := partName(f.Name)
		if seen[name] {
			return fileErr("malformed_file", "the XLSX workbook holds a part twice")
		}
		seen[name] = true
		size := f.UncompressedSize64
		if size > uint64(unzipMax) || total+size > uint64(unzipMax) {
			return tooBig(unzipMax)
		}
		total += size
		if !streamed(name) || size <= uint64(spill) {
			if inMemory += size; inMemory > 2*uint64(spill) {
				return tooBig(unzipMax)
			}
		}
	}
	return nil
}

func tooBig(unzipMax int64) error {
	return fileErr("file_too_large", "the XLSX workbook unpacks to more than the limit of %d bytes", unzipMax)
}

// partName is a zip entry's name as excelize keys it.
func partName(name string) string { return strings.ReplaceAll(name, `\`, "/") }

// streamed reports whether excelize may move the part to a temporary file.
func streamed(name string) bool {
	name = strings.ToLower(name)
	return name == "xl/sharedstrings.xml" || strings.HasPrefix(name, "xl/worksheets/sheet")
}

type relationships struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type workbook struct {
	Sheets []struct {
		Name  string     `xml:"name,attr"`
		Attrs []xml.Attr `xml:",any,attr"` // r:id, in either OOXML namespace
	} `xml:"sheets>sheet"`
}

// firstSheet finds the first sheet's name and part the way excelize does:
// package rels → workbook → workbook rels. The formula scan must read the
// very part excelize reads, so names or ids that could resolve two ways are
// refused.
func firstSheet(zr *zip.Reader) (string, *zip.File, error) {
	parts := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		parts[partName(f.Name)] = f
	}
	var root relationships
	if err := readPart(parts["_rels/.rels"], &root); err != nil {
		return "", nil, err
	}
	var wbPath string
	for _, r := range root.Rels {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			wbPath = strings.TrimPrefix(r.Target, "/")
			break
		}
	}
	var wb workbook
	if err := readPart(parts[wbPath], &wb); err != nil {
		return "", nil, err
	}
	if len(wb.Sheets) == 0 {
		return "", nil, fileErr("malformed_file", "the XLSX workbook has no sheets")
	}
	names := make(map[string]bool, len(wb.Sheets))
	for _, s := range wb.Sheets {
		if key := strings.ToLower(s.Name); !names[key] {
			names[key] = true
			continue
		}
		return "", nil, fileErr("malformed_file", "the XLSX workbook names two sheets alike")
	}
	var rels relationships
	if err := readPart(parts[path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels")], &rels); err != nil {
		return "", nil, err
	}
	target, err := sheetTarget(rels, relID(wb.Sheets[0].Attrs))
	if err != nil {
		return "", nil, err
	}
	if !strings.HasPrefix(target, "/") {
		target = path.Join(path.Dir(wbPath), target)
	}
	part := parts[strings.TrimPrefix(path.Clean(target), "/")]
	if part == nil {
		return "", nil, fileErr("malformed_file", "the XLSX workbook's first sheet is missing")
	}
	return wb.Sheets[0].Name, part, nil
}

func relID(attrs []xml.Attr) string {
	for _, a := range attrs {
		if a.Name.Local == "id" {
			return a.Value
		}
	}
	return ""
}

func sheetTarget(rels relationships, id string) (string, error) {
	target, n := "", 0
	for _, r := range rels.Rels {
		if r.ID == id {
			target, n = r.Target, n+1
		}
	}
	if n != 1 {
		return "", fileErr("malformed_file", "the XLSX workbook's first sheet cannot be found")
	}
	return target, nil
}

// readPart decodes a small XML part; checkParts has bounded its size.
func readPart(f *zip.File, v any) error {
	if f == nil {
		return fileErr("malformed_file", "the XLSX workbook lacks a required part")
	}
	rc, err := f.Open()
	if err != nil {
		return malformed(err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return malformed(err)
	}
	return nil
}
