package fields

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/mask"
)

// Check validates a custom value against its field's type and returns it
// in stored form: text, phone, e-mail and dates as strings, numbers as
// float64, multiselect as []string, bool as bool. nil clears the value.
// Errors name the field as "custom.<key>".
func (f Field) Check(v any) (any, error) {
	name := "custom." + f.Key
	if v == nil {
		if f.Required {
			return nil, errs.Field(name, "field_required", "%s is required", name)
		}
		return nil, nil
	}
	bad := func(what string) error {
		return errs.Field(name, "invalid_value", "%s must be %s", name, what)
	}
	switch f.Type {
	case Number:
		n, ok := number(v)
		if !ok || math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) > 1e15 {
			return nil, bad("a number")
		}
		return n, nil
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, bad("true or false")
		}
		return b, nil
	case MultiSelect:
		return f.checkMulti(name, v)
	}
	s, ok := v.(string)
	if !ok {
		return nil, bad("a string")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		if f.Required {
			return nil, errs.Field(name, "field_required", "%s is required", name)
		}
		return nil, nil
	}
	switch f.Type {
	case Date:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, bad("a date as YYYY-MM-DD")
		}
	case Select:
		if !slices.Contains(f.Options, s) {
			return nil, bad("one of its options")
		}
	case Phone:
		return fieldcheck.Phone(name, s)
	case Email:
		return fieldcheck.Email(name, s, false)
	default:
		if err := fieldcheck.Text(name, s, 2000, true); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (f Field) checkMulti(name string, v any) (any, error) {
	list, ok := v.([]any)
	if !ok {
		if ss, isStrings := v.([]string); isStrings {
			for _, s := range ss {
				list = append(list, s)
			}
			ok = true
		}
	}
	if !ok {
		return nil, errs.Field(name, "invalid_value", "%s must be a list of options", name)
	}
	out := []string{}
	for _, e := range list {
		s, ok := e.(string)
		if !ok || !slices.Contains(f.Options, s) {
			return nil, errs.Field(name, "invalid_value", "%s must list only its options", name)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		if f.Required {
			return nil, errs.Field(name, "field_required", "%s is required", name)
		}
		return nil, nil
	}
	return out, nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// MaskText masks a value shown as text with the field's mask.
func (f Field) MaskText(s string) string {
	if s == "" {
		return ""
	}
	switch f.Mask {
	case MaskPhone:
		return mask.Phone(s)
	case MaskEmail:
		return mask.Email(s)
	case MaskAddress:
		return mask.Address(s)
	case MaskIDNumber:
		return mask.IDNumber(s)
	}
	return "****"
}

// MaskValue masks a custom value: text-like values through MaskText, any
// other kind (numbers, dates, options, flags) wholly.
func (f Field) MaskValue(v any) any {
	if v == nil {
		return nil
	}
	if s, ok := v.(string); ok {
		return f.MaskText(s)
	}
	return "****"
}

// Display renders a stored value as text, for exports and the console.
func Display(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []string:
		return strings.Join(x, "; ")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Display(e)
		}
		return strings.Join(parts, "; ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}
