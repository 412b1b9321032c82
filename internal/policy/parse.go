package policy

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"steward/internal/errs"
)

// Parse reads a document from YAML or JSON and validates it. Every refusal
// names the path of the value concerned, such as
// roles[2].permissions.customer.view.
//
// The YAML is read into nodes and walked here rather than decoded by the
// library (with KnownFields): the library's errors give a line, not a
// path, and it quietly takes the last of two equal keys. Aliases are
// refused: a document has no use for them, and expanding them is how a
// small file becomes a huge one.
func Parse(data []byte) (Document, error) {
	var d Document
	if len(data) > MaxSize {
		return d, errs.E(errs.TooLarge, "body_too_large", "a policy document is at most %d bytes", MaxSize)
	}
	if !utf8.Valid(data) {
		return d, errs.E(errs.Invalid, "invalid_encoding", "the policy document is not valid UTF-8")
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return d, errs.E(errs.Invalid, "invalid_yaml", "the policy document is empty")
		}
		return d, errs.E(errs.Invalid, "invalid_yaml", "the policy document is not valid YAML: %s", yamlMessage(err))
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return d, errs.E(errs.Invalid, "invalid_yaml", "the policy document must be one YAML document")
	}
	n := &root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return d, errs.E(errs.Invalid, "invalid_yaml", "the policy document must be a mapping (version: 1, roles: ...)")
	}
	if err := walk(n, reflect.ValueOf(&d).Elem(), ""); err != nil {
		return d, err
	}
	return d, d.Validate()
}

// yamlMessage is the library's message without its "yaml: " prefix.
func yamlMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// walk decodes node n into v; path names n in errors.
func walk(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind == yaml.AliasNode {
		return errs.Field(pathOr(path), "invalid_yaml", "%s is an alias (*%s); write the value out", pathOr(path), n.Value)
	}
	null := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
	switch v.Kind() {
	case reflect.Pointer:
		if null {
			return errs.Field(path, "invalid_type", "%s is empty; give [] to declare none, or leave %s out to keep what there is", path, path)
		}
		v.Set(reflect.New(v.Type().Elem()))
		return walk(n, v.Elem(), path)
	case reflect.Struct:
		return walkStruct(n, v, path)
	case reflect.Slice:
		if null {
			return nil // an empty list
		}
		if n.Kind != yaml.SequenceNode {
			return typeError(path, "a list")
		}
		out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			if err := walk(c, out.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		v.Set(out)
		return nil
	case reflect.Map:
		return walkMap(n, v, path, null)
	}
	return walkScalar(n, v, path, null)
}

func walkStruct(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.MappingNode {
		return typeError(path, "a mapping")
	}
	fields := jsonFields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, err := key(n.Content[i], path)
		if err != nil {
			return err
		}
		at := join(path, k)
		if seen[k] {
			return errs.Field(at, "duplicate_field", "%s is given twice", at)
		}
		seen[k] = true
		f, ok := fields[k]
		if !ok {
			return errs.Field(at, "unknown_field", "%s is not a field of %s", at, what(path))
		}
		if err := walk(n.Content[i+1], v.Field(f.index), at); err != nil {
			return err
		}
	}
	for _, name := range requiredFields(v.Type()) {
		if !seen[name] {
			at := join(path, name)
			return errs.Field(at, "field_required", "%s is required", at)
		}
	}
	return nil
}

func walkMap(n *yaml.Node, v reflect.Value, path string, null bool) error {
	if null {
		return nil // an empty mapping
	}
	if n.Kind != yaml.MappingNode {
		return typeError(path, "a mapping")
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, err := key(n.Content[i], path)
		if err != nil {
			return err
		}
		at := join(path, k)
		kv := reflect.ValueOf(k).Convert(v.Type().Key())
		if m.MapIndex(kv).IsValid() {
			return errs.Field(at, "duplicate_field", "%s is given twice", at)
		}
		ev := reflect.New(v.Type().Elem()).Elem()
		if err := walk(n.Content[i+1], ev, at); err != nil {
			return err
		}
		m.SetMapIndex(kv, ev)
	}
	v.Set(m)
	return nil
}

// walkScalar decodes strings, integers and booleans. A string takes a
// quoted or plain text (a plain RFC 3339 time too), never a number or true:
// 010 and "010" are different values, so the document must say which.
func walkScalar(n *yaml.Node, v reflect.Value, path string, null bool) error {
	tag := n.ShortTag()
	switch v.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode || (tag != "!!str" && tag != "!!timestamp") {
			return typeError(path, "a string (quote a value such as \"10\" or \"true\")")
		}
		v.SetString(n.Value)
		return nil
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || tag != "!!bool" || n.Decode(&b) != nil {
			return typeError(path, "true or false")
		}
		v.SetBool(b)
		return nil
	case reflect.Int, reflect.Int64:
		var i int64
		if n.Kind != yaml.ScalarNode || tag != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			return typeError(path, "an integer")
		}
		v.SetInt(i)
		return nil
	}
	if null {
		return typeError(path, "a value")
	}
	return errs.E(errs.Internal, "internal", "policy: no decoding for %s", v.Type())
}

// key reads a mapping key, which must be a plain string.
func key(n *yaml.Node, path string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return "", errs.Field(pathOr(path), "invalid_yaml", "the keys of %s must be names", pathOr(path))
	}
	return n.Value, nil
}

func typeError(path, want string) error {
	return errs.Field(pathOr(path), "invalid_type", "%s must be %s", pathOr(path), want)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func pathOr(path string) string {
	if path == "" {
		return "document"
	}
	return path
}

func what(path string) string {
	if path == "" {
		return "the policy document"
	}
	return path
}

type jsonField struct {
	index    int
	required bool
}

// jsonFields maps a struct's JSON names to its fields: the YAML form uses
// the JSON names, so the two forms are one document. A field without
// omitempty is required.
func jsonFields(t reflect.Type) map[string]jsonField {
	out := map[string]jsonField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() || tag == "-" || name == "" {
			continue
		}
		out[name] = jsonField{index: i, required: !strings.Contains(opts, "omitempty")}
	}
	return out
}

// requiredFields lists a struct's required JSON names in field order, so
// that a document missing several is told about the first.
func requiredFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if t.Field(i).IsExported() && name != "" && name != "-" && !strings.Contains(opts, "omitempty") {
			out = append(out, name)
		}
	}
	return out
}
