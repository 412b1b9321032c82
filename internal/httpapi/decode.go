package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"steward/internal/errs"
)

// MaxBody is the largest request body the API reads.
const MaxBody = 1 << 20

// readOnly are fields the server sets; a body that names one is refused
// with a message saying so, rather than silently ignored.
var readOnly = map[string]bool{"id": true, "tenant_id": true, "owner_id": true, "owner_department_id": true,
	"created_at": true, "updated_at": true, "last_activity_at": true, "customer_id": true, "created_by": true,
	"pool_id": true, "depth": true, "path": true, "preset": true}

// decode reads a JSON object body into dst strictly: one object, no
// duplicate or unknown keys, no server-set fields, values of the right type.
func decode(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.E(errs.Invalid, "unsupported_media_type", "send the body as application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.E(errs.TooLarge, "body_too_large", "the request body is larger than %d bytes", MaxBody)
		}
		return errs.E(errs.Invalid, "invalid_json", "the request body could not be read")
	}
	return decodeBytes(body, dst)
}

// decodeBytes is decode without the HTTP parts; the fuzz targets call it.
func decodeBytes(body []byte, dst any) error {
	if !utf8.Valid(body) {
		// encoding/json would quietly turn bad bytes into U+FFFD.
		return errs.E(errs.Invalid, "invalid_encoding", "the request body is not valid UTF-8")
	}
	keys, err := topKeys(body)
	if err != nil {
		return err
	}
	allowed := jsonFields(reflect.TypeOf(dst).Elem())
	for _, k := range keys {
		if !allowed[k] {
			if readOnly[k] {
				return errs.Field(k, "field_read_only", "%s is set by the server and may not be sent", k)
			}
			return errs.Field(k, "unknown_field", "%s is not a field of this request", k)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "body"
			}
			return errs.Field(field, "invalid_type", "%s must be %s", field, typeWord(te.Type))
		}
		if field := failingField(body, reflect.TypeOf(dst).Elem()); field != "" {
			return errs.Field(field, "invalid_value", "%s has a value of the wrong form", field)
		}
		return errs.E(errs.Invalid, "invalid_json", "the request body is not valid JSON for this request")
	}
	return nil
}

// topKeys returns the keys of a JSON object, refusing anything that is not
// exactly one object and any key given twice (which decoders resolve
// differently, a classic smuggling trick).
func topKeys(body []byte) ([]string, error) {
	bad := errs.E(errs.Invalid, "invalid_json", "the request body must be one JSON object")
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, bad
	}
	var keys []string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad
		}
		k, ok := tok.(string)
		if !ok {
			return nil, bad
		}
		if seen[k] {
			return nil, errs.Field(k, "duplicate_field", "%s is given twice", k)
		}
		seen[k] = true
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, bad
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad
	}
	return keys, nil
}

// failingField finds the first top-level field whose value does not decode
// into its Go type, so that errors such as a malformed time name the field.
func failingField(body []byte, t reflect.Type) string {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return ""
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		v, ok := raw[name]
		if !ok {
			continue
		}
		if json.Unmarshal(v, reflect.New(f.Type).Interface()) != nil {
			return name
		}
	}
	return ""
}

// jsonFields lists the JSON names of a struct's fields.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

func typeWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Struct:
		if t.String() == "time.Time" {
			return "an RFC 3339 time"
		}
		return "an object"
	}
	return "of another type"
}
