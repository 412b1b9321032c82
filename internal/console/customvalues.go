package console

import (
	"slices"
	"strconv"
	"strings"

	"steward/internal/fields"
)

// Custom values travel through the form as strings: a list one value per
// option, a flag as "1" when set. These turn them back into what the
// service checks and compare them with what was shown.

// formValues is a stored custom value as the form posts it.
func formValues(val any) []string {
	switch x := val.(type) {
	case bool:
		if x {
			return []string{"1"}
		}
		return nil
	case []string:
		return x
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fields.Display(e)
		}
		return out
	}
	return []string{fields.Display(val)}
}

// sameCustom compares a custom field's posted values with those shown.
func sameCustom(f fields.Field, shown, posted []string) bool {
	switch f.Type {
	case fields.Bool:
		return slices.Contains(shown, "1") == slices.Contains(posted, "1")
	case fields.MultiSelect:
		a, b := nonEmpty(shown), nonEmpty(posted)
		slices.Sort(a)
		slices.Sort(b)
		return slices.Equal(slices.Compact(a), slices.Compact(b))
	}
	s, p := strings.TrimSpace(first(shown)), strings.TrimSpace(first(posted))
	if f.Type == fields.Number && s != "" && p != "" {
		x, errX := strconv.ParseFloat(s, 64)
		y, errY := strconv.ParseFloat(p, 64)
		return errX == nil && errY == nil && x == y
	}
	return s == p
}

// customValue is a posted custom value in the form the service checks:
// nil for none, true or false, a list of options, a number, or text. A
// number that does not parse goes as typed, for the service to refuse
// next to the field, as it refuses every other bad value.
func customValue(f fields.Field, posted []string) any {
	switch f.Type {
	case fields.Bool:
		return slices.Contains(posted, "1")
	case fields.MultiSelect:
		if list := nonEmpty(posted); len(list) > 0 {
			return list
		}
		return nil
	}
	s := strings.TrimSpace(first(posted))
	if s == "" {
		return nil
	}
	if f.Type == fields.Number {
		if x, err := strconv.ParseFloat(s, 64); err == nil {
			return x
		}
	}
	return s
}

func first(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}

func nonEmpty(vals []string) []string {
	out := []string{}
	for _, s := range vals {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func asOptions(values []string) []option {
	out := make([]option, len(values))
	for i, s := range values {
		out[i] = option{Value: s, Label: s}
	}
	return out
}
