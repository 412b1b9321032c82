package httpapi

// csvFile is a handler result sent as a file instead of JSON, all at once:
// a small one, rendered by the service with the export machinery
// (service.CSVFile) or as JSON Lines.
type csvFile struct {
	name        string
	data        []byte
	contentType string // text/csv unless set
}
