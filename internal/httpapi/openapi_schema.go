package httpapi

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/fields"
)

// Schema is an OpenAPI 3.0 schema object, as much of it as Steward uses.
type Schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	Enum                 []string           `json:"enum,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Nullable             bool               `json:"nullable,omitempty"`
	AllOf                []*Schema          `json:"allOf,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties any                `json:"additionalProperties,omitempty"` // false, or the schema of a map's values
	Description          string             `json:"description,omitempty"`
	Example              any                `json:"example,omitempty"`
}

// knownTypes are the types whose JSON form reflection cannot see: those
// with their own marshaling, and string types limited to a list of values.
var knownTypes = map[reflect.Type]Schema{
	reflect.TypeFor[time.Time](): {Type: "string", Format: "date-time"},
	reflect.TypeFor[crm.Money](): {Type: "string", Pattern: `^-?[0-9]+\.[0-9]{2}$`, Example: "1234.50",
		Description: "an amount as a decimal string with two fractional digits"},
	reflect.TypeFor[access.Object]():      {Type: "string", Enum: strs(access.Objects)},
	reflect.TypeFor[access.Action]():      {Type: "string", Enum: strs(access.Actions)},
	reflect.TypeFor[access.Scope]():       {Type: "string", Enum: strs(access.Scopes)},
	reflect.TypeFor[access.Function]():    {Type: "string", Enum: strs(access.Functions)},
	reflect.TypeFor[access.FieldAccess](): {Type: "string", Enum: strs(access.FieldAccesses)},
	reflect.TypeFor[access.SoDMode]():     {Type: "string", Enum: []string{string(access.SoDRefuse), string(access.SoDJustify)}},
	reflect.TypeFor[access.Duty]():        {Type: "string", Enum: strs(access.Duties)},
	reflect.TypeFor[fields.Type]():        {Type: "string", Enum: strs(fields.Types)},
	reflect.TypeFor[fields.Mask]():        {Type: "string", Enum: strs(fields.Masks)},
	reflect.TypeFor[crm.Custom](): {Type: "object", AdditionalProperties: &Schema{},
		Description: "custom field values by field key (GET /fields); values you may not read are left out or masked"},
	reflect.TypeFor[json.RawMessage](): {Type: "object", Description: "details: identifiers, field names and, for permission changes, before and after"},
}

// schemaNames overrides the component name of a type.
var schemaNames = map[reflect.Type]string{reflect.TypeFor[ErrorBody](): "Error"}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	pkgPrefixRE       = regexp.MustCompile(`(?:[\w.-]+/)*\w+\.`)
)

// schemaBuilder turns Go types into schemas the way encoding/json sees
// them, collecting named struct types as components.
type schemaBuilder struct {
	components map[string]*Schema
	typeOf     map[string]reflect.Type // which type holds each component name
}

func newSchemaBuilder() *schemaBuilder {
	return &schemaBuilder{components: map[string]*Schema{}, typeOf: map[string]reflect.Type{}}
}

// request returns the schema of a request body type. Its objects refuse
// unknown properties, as the decoder does, and its pointer fields are
// optional: absent means unchanged.
func (b *schemaBuilder) request(t reflect.Type) *Schema { return b.schema(t, true) }

// response returns the schema of a response type. Every field without
// omitempty is required, pointers included: encoding/json writes them as null.
func (b *schemaBuilder) response(t reflect.Type) *Schema { return b.schema(t, false) }

// schema describes t; req tells a request body from a response.
func (b *schemaBuilder) schema(t reflect.Type, req bool) *Schema {
	if s, ok := knownTypes[t]; ok {
		return &s
	}
	if t.Kind() == reflect.Pointer {
		return nullable(b.schema(t.Elem(), req))
	}
	if _, hides := hidingTypes[t]; !hides && (t.Implements(marshalerType) || t.Implements(textMarshalerType) ||
		reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)) {
		panic(fmt.Sprintf("httpapi: %s marshals itself; describe it in knownTypes", t))
	}
	switch t.Kind() {
	case reflect.Struct:
		return b.ref(t, req)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: "string", Format: "byte"}
		}
		return &Schema{Type: "array", Items: b.schema(t.Elem(), req)}
	case reflect.Map:
		return &Schema{Type: "object", AdditionalProperties: b.schema(t.Elem(), req)}
	case reflect.String:
		return &Schema{Type: "string"}
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64, reflect.Uint32:
		return &Schema{Type: "integer", Format: "int64"}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return &Schema{Type: "integer", Format: "int32"}
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: "number"}
	case reflect.Interface:
		return &Schema{}
	}
	panic(fmt.Sprintf("httpapi: no JSON schema for %s", t))
}

// nullable marks a schema as allowing null. A $ref takes no siblings in
// OpenAPI 3.0, so a reference is wrapped in allOf.
func nullable(s *Schema) *Schema {
	if s.Ref != "" {
		return &Schema{AllOf: []*Schema{s}, Nullable: true}
	}
	s.Nullable = true
	return s
}

// ref returns a reference to the component of a struct type, building the
// component the first time.
func (b *schemaBuilder) ref(t reflect.Type, req bool) *Schema {
	name := b.name(t)
	if _, ok := b.components[name]; !ok {
		b.components[name] = &Schema{} // placeholder, for types that contain themselves
		b.components[name] = b.object(t, req)
	}
	return &Schema{Ref: "#/components/schemas/" + name}
}

// object describes a struct by its JSON fields.
func (b *schemaBuilder) object(t reflect.Type, req bool) *Schema {
	s := &Schema{Type: "object", Properties: map[string]*Schema{}}
	b.fields(t, req, s)
	if req {
		s.AdditionalProperties = false
	}
	return s
}

// fields adds the JSON fields of t to s, flattening embedded structs as
// encoding/json does.
func (b *schemaBuilder) fields(t reflect.Type, req bool, s *Schema) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			b.fields(f.Type, req, s)
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs := b.schema(f.Type, req)
		if hasOption(opts, "string") {
			fs = &Schema{Type: "string", Nullable: fs.Nullable}
		}
		if doc := f.Tag.Get("doc"); doc != "" { // what a reader of the field must know, e.g. how to handle a secret
			c := *fs
			c.Description = doc
			fs = &c
		}
		s.Properties[name] = fs
		if o, hides := hidingTypes[t]; hides && !req {
			if _, builtin := fieldsCatalogue.Get(o, name); builtin {
				continue // left out when the reader's field access hides it
			}
		}
		if !hasOption(opts, "omitempty") && !hasOption(opts, "omitzero") && (!req || f.Type.Kind() != reflect.Pointer) {
			s.Required = append(s.Required, name)
		}
	}
}

// name is the component name of a struct type: its Go name, with the
// arguments of a generic type spelled out (Page_Customer), qualified by its
// package only when two packages use the same name.
func (b *schemaBuilder) name(t reflect.Type) string {
	name, ok := schemaNames[t]
	if !ok {
		name = sanitize(t.Name())
	}
	if other, taken := b.typeOf[name]; taken && other != t {
		name = sanitize(t.PkgPath()[strings.LastIndexByte(t.PkgPath(), '/')+1:]) + "_" + name
	}
	b.typeOf[name] = t
	return name
}

// sanitize turns a Go type name such as Page[steward/internal/crm.Customer]
// into a component name, Page_Customer.
func sanitize(s string) string {
	s = pkgPrefixRE.ReplaceAllString(s, "")
	return strings.NewReplacer("[", "_", ",", "_", "]", "", "*", "", " ", "").Replace(s)
}

func hasOption(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// strs lists the values of a string type as strings.
func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// hidingTypes marshal as their own fields, leaving out those the reader's
// field permissions hide (crm.View): their catalogue fields are optional.
var hidingTypes = map[reflect.Type]access.Object{
	reflect.TypeFor[crm.Customer](): access.Customer,
	reflect.TypeFor[crm.Contact]():  access.Contact,
	reflect.TypeFor[crm.Deal]():     access.Deal,
	reflect.TypeFor[crm.Activity](): access.Activity,
}

var fieldsCatalogue = fields.NewCatalogue(nil)
