package access

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/errs"
)

// Criteria is a condition over a customer's fields, used by sharing rules
// and restriction rules. A node is either a combination (All: every child
// holds; Any: some child holds) or a comparison of one field. The same tree
// is evaluated in Go by Check and compiled into SQL for lists, so the two
// must mean exactly the same thing: comparisons are exact and
// case-sensitive, text ranges compare bytes, time ranges are inclusive.
type Criteria struct {
	All    []Criteria `json:"all,omitempty"`
	Any    []Criteria `json:"any,omitempty"`
	Field  string     `json:"field,omitempty"`
	Op     string     `json:"op,omitempty"` // equals, in, prefix, range
	Value  string     `json:"value,omitempty"`
	Values []string   `json:"values,omitempty"`
	Min    string     `json:"min,omitempty"` // range bounds, inclusive; either may be empty
	Max    string     `json:"max,omitempty"`
}

// CriteriaFields are the customer fields criteria may name; time fields take
// RFC 3339 bounds.
var CriteriaFields = map[string]bool{"industry": false, "level": false, "region": false, "source": false, "name": false,
	"created_at": true, "last_activity_at": true}

// Facts are the customer fields criteria are evaluated on.
type Facts struct {
	Name, Industry, Level, Region, Source string
	CreatedAt, LastActivityAt             time.Time
}

func (f Facts) text(field string) string {
	switch field {
	case "name":
		return f.Name
	case "industry":
		return f.Industry
	case "level":
		return f.Level
	case "region":
		return f.Region
	case "source":
		return f.Source
	}
	return ""
}

func (f Facts) time(field string) time.Time {
	if field == "created_at" {
		return f.CreatedAt
	}
	return f.LastActivityAt
}

// Match evaluates the criteria on a customer's facts.
func (c Criteria) Match(f Facts) bool {
	switch {
	case c.All != nil:
		for _, x := range c.All {
			if !x.Match(f) {
				return false
			}
		}
		return true
	case c.Any != nil:
		for _, x := range c.Any {
			if x.Match(f) {
				return true
			}
		}
		return false
	}
	if CriteriaFields[c.Field] {
		t := f.time(c.Field).UnixMicro()
		lo, hi := c.TimeBounds()
		return (lo == nil || t >= *lo) && (hi == nil || t <= *hi)
	}
	v := f.text(c.Field)
	switch c.Op {
	case "equals":
		return v == c.Value
	case "in":
		return slices.Contains(c.Values, v)
	case "prefix":
		return strings.HasPrefix(v, c.Value)
	case "range":
		return (c.Min == "" || v >= c.Min) && (c.Max == "" || v <= c.Max)
	}
	return false
}

// TimeBounds returns a time range's bounds in Unix microseconds (nil: open).
// Validate has checked they parse.
func (c Criteria) TimeBounds() (lo, hi *int64) {
	parse := func(s string) *int64 {
		if s == "" {
			return nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil
		}
		v := t.UnixMicro()
		return &v
	}
	return parse(c.Min), parse(c.Max)
}

// Validate checks the tree's shape, fields, operators and size.
func (c Criteria) Validate(field string) error {
	n := 0
	return c.validate(field, 0, &n)
}

func (c Criteria) validate(path string, depth int, n *int) error {
	*n++
	if depth > 4 || *n > 50 {
		return errs.Field(path, "criteria_too_complex", "criteria may nest 4 deep and hold 50 conditions at most")
	}
	isAll, isAny, isLeaf := c.All != nil, c.Any != nil, c.Field != "" || c.Op != ""
	if btoi(isAll)+btoi(isAny)+btoi(isLeaf) != 1 {
		return errs.Field(path, "invalid_criteria", "a condition is exactly one of all, any, or field with op")
	}
	for i, x := range append(c.All, c.Any...) {
		if err := x.validate(path+"["+strconv.Itoa(i)+"]", depth+1, n); err != nil {
			return err
		}
	}
	if !isLeaf {
		if len(c.All)+len(c.Any) == 0 {
			return errs.Field(path, "invalid_criteria", "all and any need at least one condition")
		}
		return nil
	}
	return c.validateLeaf(path)
}

func (c Criteria) validateLeaf(path string) error {
	isTime, ok := CriteriaFields[c.Field]
	if !ok {
		return errs.Field(path+".field", "invalid_value", "criteria may use industry, level, region, source, name, created_at or last_activity_at")
	}
	if isTime && c.Op != "range" {
		return errs.Field(path+".op", "invalid_value", "%s takes only range", c.Field)
	}
	for _, v := range append([]string{c.Value, c.Min, c.Max}, c.Values...) {
		if len(v) > 200 {
			return errs.Field(path, "too_long", "criteria values are at most 200 bytes")
		}
	}
	switch c.Op {
	case "equals", "prefix":
		if c.Value == "" || c.Values != nil || c.Min != "" || c.Max != "" {
			return errs.Field(path+".value", "invalid_criteria", "%s takes one non-empty value", c.Op)
		}
	case "in":
		if len(c.Values) == 0 || len(c.Values) > 50 || c.Value != "" {
			return errs.Field(path+".values", "invalid_criteria", "in takes 1 to 50 values")
		}
	case "range":
		if (c.Min == "" && c.Max == "") || c.Value != "" || c.Values != nil {
			return errs.Field(path+".min", "invalid_criteria", "range takes min, max or both")
		}
		if isTime {
			for _, b := range []string{c.Min, c.Max} {
				if _, err := time.Parse(time.RFC3339, b); b != "" && err != nil {
					return errs.Field(path+".min", "invalid_time", "time bounds must be RFC 3339")
				}
			}
		}
	default:
		return errs.Field(path+".op", "invalid_value", "op must be equals, in, prefix or range")
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
