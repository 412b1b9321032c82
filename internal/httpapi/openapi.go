package httpapi

import (
	"net/http"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// Document is an OpenAPI 3.0 document, as much of it as Steward uses.
type Document struct {
	OpenAPI    string                           `json:"openapi"`
	Info       Info                             `json:"info"`
	Servers    []Server                         `json:"servers"`
	Security   []SecurityRequirement            `json:"security"`
	Paths      map[string]map[string]*Operation `json:"paths"`
	Components Components                       `json:"components"`
}

// Info names the API and its version.
type Info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

// Server is a base URL of the API; Steward's is relative to its host.
type Server struct {
	URL string `json:"url"`
}

// SecurityRequirement names the security schemes an operation accepts.
type SecurityRequirement map[string][]string

// Components holds the named schemas and the security scheme.
type Components struct {
	Schemas         map[string]*Schema         `json:"schemas"`
	SecuritySchemes map[string]*SecurityScheme `json:"securitySchemes"`
}

// SecurityScheme describes how a caller authenticates.
type SecurityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme"`
	Description string `json:"description"`
}

// Operation is one method on one path.
type Operation struct {
	Summary     string                 `json:"summary"`
	OperationID string                 `json:"operationId"`
	Security    *[]SecurityRequirement `json:"security,omitempty"` // set, and empty, on public operations
	Parameters  []Parameter            `json:"parameters,omitempty"`
	RequestBody *RequestBody           `json:"requestBody,omitempty"`
	Responses   map[string]*Response   `json:"responses"`
}

// Parameter is a path or query parameter.
type Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Required    bool    `json:"required,omitempty"`
	Description string  `json:"description,omitempty"`
	Schema      *Schema `json:"schema"`
}

// RequestBody is the JSON body an operation reads.
type RequestBody struct {
	Required bool                  `json:"required"`
	Content  map[string]*MediaType `json:"content"`
}

// Response is one possible answer of an operation.
type Response struct {
	Description string                `json:"description"`
	Content     map[string]*MediaType `json:"content,omitempty"`
}

// MediaType holds the schema of a body.
type MediaType struct {
	Schema *Schema `json:"schema"`
}

const (
	jsonType  = "application/json"
	csvType   = "text/csv"
	jsonlType = "application/x-ndjson"
)

// OpenAPI returns the OpenAPI 3 document of the API, derived from the route
// table and the Go types of bodies and responses. Request bodies are built
// first, so that a type shared with responses keeps the stricter request
// form (no unknown properties).
func OpenAPI() Document {
	routes := Routes()
	b := newSchemaBuilder()
	bodies := make([]*Schema, len(routes))
	for i, rt := range routes {
		if rt.Body != nil {
			bodies[i] = b.request(reflect.TypeOf(rt.Body))
		}
	}
	errRef := b.response(reflect.TypeFor[ErrorBody]())
	doc := Document{
		OpenAPI: "3.0.3",
		Info: Info{Title: "Steward", Version: "1",
			Description: "Steward's JSON API. Errors share one shape; a record you may not see answers 404, like a missing one."},
		Servers:  []Server{{URL: "/api/v1"}},
		Security: []SecurityRequirement{{"bearer": {}}},
		Paths:    map[string]map[string]*Operation{},
	}
	for i, rt := range routes {
		if doc.Paths[rt.Path] == nil {
			doc.Paths[rt.Path] = map[string]*Operation{}
		}
		doc.Paths[rt.Path][strings.ToLower(rt.Method)] = operation(rt, bodies[i], b, errRef)
	}
	doc.Components = Components{Schemas: b.components, SecuritySchemes: map[string]*SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "the opaque token that POST /auth/login returns"},
	}}
	return doc
}

// operation describes one route.
func operation(rt Route, body *Schema, b *schemaBuilder, errRef *Schema) *Operation {
	op := &Operation{Summary: rt.Summary, OperationID: operationID(rt), Parameters: parameters(rt)}
	if rt.Public {
		op.Security = &[]SecurityRequirement{}
	}
	if body != nil {
		op.RequestBody = &RequestBody{Required: true, Content: map[string]*MediaType{jsonType: {Schema: body}}}
	}
	if len(rt.Upload) > 0 {
		op.RequestBody = &RequestBody{Required: true, Content: map[string]*MediaType{}}
		for _, ct := range rt.Upload {
			op.RequestBody.Content[ct] = &MediaType{Schema: &Schema{Type: "string", Format: "binary"}}
		}
	}
	op.Responses = map[string]*Response{}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := &Response{Description: http.StatusText(status)}
	if rt.Response != nil && status != http.StatusNoContent {
		ok.Content = map[string]*MediaType{jsonType: {Schema: b.response(reflect.TypeOf(rt.Response))}}
		if rt.CSV {
			ok.Content[csvType] = &MediaType{Schema: &Schema{Type: "string"}}
		}
		if rt.JSONL {
			ok.Content[jsonlType] = &MediaType{Schema: &Schema{Type: "string"}}
		}
	}
	if len(rt.Files) > 0 && ok.Content == nil {
		ok.Content = map[string]*MediaType{}
	}
	for _, ct := range rt.Files { // besides the JSON response, if the route has one (?format=pdf)
		ok.Content[ct] = &MediaType{Schema: &Schema{Type: "string", Format: "binary"}}
	}
	if rt.YAML {
		if op.RequestBody != nil {
			op.RequestBody.Content[yamlType] = &MediaType{Schema: body}
		} else if ok.Content != nil {
			ok.Content[yamlType] = &MediaType{Schema: ok.Content[jsonType].Schema}
		}
	}
	op.Responses[strconv.Itoa(status)] = ok
	for _, code := range errorStatuses(rt) {
		op.Responses[strconv.Itoa(code)] = &Response{Description: errorMeaning[code],
			Content: map[string]*MediaType{jsonType: {Schema: errRef}}}
	}
	return op
}

// errorMeaning says when each error status is answered.
var errorMeaning = map[int]string{
	http.StatusBadRequest:            "The request is malformed or a value is invalid; error.field names the value.",
	http.StatusUnauthorized:          "No valid session, or wrong sign-in details.",
	http.StatusForbidden:             "You can see the record but may not do this.",
	http.StatusNotFound:              "No such record, or none you may see.",
	http.StatusConflict:              "The request clashes with the current state.",
	http.StatusRequestEntityTooLarge: "The request body is over 1 MiB.",
	http.StatusTooManyRequests:       "Too many failed attempts from your network, or codes for this account; try again later.",
	http.StatusInternalServerError:   "A fault of ours; error.request_id identifies it in the log.",
}

// selfRoutes act only on the caller's own session and need no permission.
var selfRoutes = map[string]bool{"/auth/login": true, "/auth/logout": true, "/me": true}

// throttled routes check a secret and count failures per client network,
// or send a code, which a user gets at most one of per 30 seconds.
var throttled = map[string]bool{"/auth/login": true, "/auth/mfa": true, "/auth/step-up": true,
	"/auth/password-reset": true, "/me/password": true, "/auth/mfa/resend": true, "/auth/step-up/code": true, "/me/mfa/code": true}

// errorStatuses lists the error statuses a route can answer. Every route
// can answer 401: a public one (signing in) when the details are wrong.
func errorStatuses(rt Route) []int {
	var out []int
	hasPath := strings.Contains(rt.Path, "{")
	if rt.Body != nil || len(rt.Query) > 0 || hasPath || isList(rt.Response) {
		out = append(out, http.StatusBadRequest)
	}
	out = append(out, http.StatusUnauthorized)
	if !selfRoutes[rt.Path] {
		out = append(out, http.StatusForbidden)
	}
	if hasPath {
		out = append(out, http.StatusNotFound)
	}
	if rt.Method != http.MethodGet && !selfRoutes[rt.Path] {
		out = append(out, http.StatusConflict)
	}
	if rt.Body != nil {
		out = append(out, http.StatusRequestEntityTooLarge)
	}
	if throttled[rt.Path] {
		out = append(out, http.StatusTooManyRequests)
	}
	return append(out, http.StatusInternalServerError)
}

// isList reports whether a response is a page of a list; lists refuse
// parameters they do not know.
func isList(v any) bool {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Struct {
		return false
	}
	_, ok := t.FieldByName("NextCursor")
	return ok
}

// pathParamRE finds the {name} parameters of a path.
var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// parameters lists a route's path parameters (id is a positive integer,
// anything else a string) and then its query parameters.
func parameters(rt Route) []Parameter {
	var out []Parameter
	for _, m := range pathParamRE.FindAllStringSubmatch(rt.Path, -1) {
		p := Parameter{Name: m[1], In: "path", Required: true, Schema: &Schema{Type: "string"}}
		if m[1] == "id" || strings.HasSuffix(m[1], "_id") {
			one := 1.0
			p.Schema = &Schema{Type: "integer", Format: "int64", Minimum: &one}
		}
		out = append(out, p)
	}
	for _, q := range rt.Query {
		out = append(out, Parameter{Name: q.Name, In: "query", Description: q.Description, Schema: &Schema{Type: q.Type}})
	}
	return out
}

// operationID is the name of the route's handler method, such as
// listCustomers, or method and path when the handler has no plain name.
func operationID(rt Route) string {
	name := runtime.FuncForPC(reflect.ValueOf(rt.handle).Pointer()).Name()
	name = strings.TrimSuffix(name[strings.LastIndexByte(name, '.')+1:], "-fm")
	if identRE.MatchString(name) {
		return name
	}
	return strings.ToLower(rt.Method) + nonIdentRE.ReplaceAllString(rt.Path, "_")
}

var (
	identRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	nonIdentRE = regexp.MustCompile(`[^A-Za-z0-9]+`)
)
