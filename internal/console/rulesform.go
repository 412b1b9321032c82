package console

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
)

// The rule form writes criteria without JavaScript: a few condition rows
// (field, operator, value; a list separated by commas for "is one of";
// from and to for a range) joined by all or any of them. Criteria nested
// deeper than that, as the API and policy documents may write them, are
// given as JSON in the advanced box, which wins when it is filled. The
// principals are "type:id" selects (with "and below" for a department):
// one for a sharing rule, several for a restriction.

// criteriaOps are the comparisons a condition row offers.
var criteriaOps = []string{"equals", "in", "prefix", "range"}

// criteriaFieldOrder is the order the field select lists
// access.CriteriaFields in.
var criteriaFieldOrder = []string{"name", "industry", "level", "region", "source", "created_at", "last_activity_at"}

// minRows and spareRows size the condition rows: at least minRows, and
// spareRows blank ones after those in use. maxRows bounds what is read.
const (
	minRows   = 3
	spareRows = 2
	maxRows   = 50
	maxSlots  = 50
)

// condRow is one condition row; Error is about its column ErrCol.
type condRow struct {
	N                          int
	Field, Op, Value, Min, Max string
	Error, ErrCol              string
}

// Name is the row's input name for a column: "c2.value".
func (c condRow) Name(col string) string { return "c" + strconv.Itoa(c.N) + "." + col }

// ID is the element id of the row's input for a column.
func (c condRow) ID(col string) string { return "rule-f-c" + strconv.Itoa(c.N) + "-" + col }

// ErrID is the element id of the row's error.
func (c condRow) ErrID() string { return "rule-e-c" + strconv.Itoa(c.N) }

// principalSlot is one principal select.
type principalSlot struct {
	N     int
	Value string // type:id
	Sub   bool
	Error string
}

// ruleForm is the rule editor: the plain fields (name, level, reason), the
// criteria and the principals.
type ruleForm struct {
	Kind      string
	Action    string // where saving posts
	Preview   string // where the preview button posts
	Form      form   // name, level (sharing only), reason
	Match     string // all or any
	Rows      []condRow
	JSON      string
	JSONError string
	Slots     []principalSlot
	SlotError string // about the principals as a whole
	Options   []optgroup
	Fields    []option // the criteria fields
	Ops       []option
}

// Sharing reports whether the form is a sharing rule's.
func (f *ruleForm) Sharing() bool { return f.Kind == "sharing" }

// ruleValues writes a stored rule as the form posts it.
func ruleValues(name, reason string, level access.Level, c access.Criteria, ps []access.Principal) url.Values {
	vals := url.Values{"name": {name}, "reason": {reason}, "level": {string(level)}, "match": {"all"}}
	leaves, match, flat := flatCriteria(c)
	if flat {
		vals.Set("match", match)
		for i, x := range leaves {
			p := "c" + strconv.Itoa(i) + "."
			vals.Set(p+"field", x.Field)
			vals.Set(p+"op", x.Op)
			vals.Set(p+"value", x.Value)
			if x.Op == "in" {
				vals.Set(p+"value", strings.Join(x.Values, ", "))
			}
			vals.Set(p+"min", x.Min)
			vals.Set(p+"max", x.Max)
		}
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		_ = enc.Encode(c) // criteria always encode
		vals.Set("criteria", strings.TrimSpace(buf.String()))
	}
	for i, p := range ps {
		n := "p" + strconv.Itoa(i)
		vals.Set(n, p.Type+":"+strconv.FormatInt(p.ID, 10))
		if p.IncludeSubDept {
			vals.Set(n+".sub", "1")
		}
	}
	return vals
}

// flatCriteria returns criteria as rows when they are one comparison or
// all or any of comparisons whose lists hold no comma; else flat is false.
func flatCriteria(c access.Criteria) (leaves []access.Criteria, match string, flat bool) {
	switch {
	case c.All != nil:
		leaves, match = c.All, "all"
	case c.Any != nil:
		leaves, match = c.Any, "any"
	default:
		leaves, match = []access.Criteria{c}, "all"
	}
	for _, x := range leaves {
		if x.All != nil || x.Any != nil || slices.ContainsFunc(x.Values, func(s string) bool { return strings.Contains(s, ",") }) {
			return nil, "", false
		}
	}
	return leaves, match, len(leaves) <= maxRows
}

// newRuleForm fills the editor with vals.
func newRuleForm(v *view, d *directory, kind, action string, vals url.Values) *ruleForm {
	f := &ruleForm{Kind: kind, Action: action, Preview: action + "/preview",
		Match: vals.Get("match"), JSON: vals.Get("criteria"), Options: principalGroups(v, d, 0)}
	if f.Match != "any" {
		f.Match = "all"
	}
	fields := []field{{Name: "name", Label: v.T("field.name"), Kind: "text", Value: vals.Get("name"), Required: true, Max: 100, Autocomplete: "off"}}
	if kind == "sharing" {
		fields = append(fields, levelField(v, vals.Get("level")))
	}
	fields = append(fields, field{Name: "reason", Label: v.T("field.reason"), Kind: "text", Value: vals.Get("reason"), Max: 500, Required: true,
		Autocomplete: "off", Hint: v.T("rule.reason.hint")})
	f.Form = form{Action: action, Prefix: "rule-", Fields: fields}
	for _, k := range criteriaFieldOrder {
		f.Fields = append(f.Fields, option{Value: k, Label: v.T("field." + k)})
	}
	for _, op := range criteriaOps {
		f.Ops = append(f.Ops, option{Value: op, Label: v.T("rule.op." + op)})
	}
	used := 0
	for _, col := range []string{".field", ".value", ".min", ".max"} {
		used = max(used, lastFilled(vals, "c", col, maxRows))
	}
	for i := range max(minRows, used+spareRows) {
		p := "c" + strconv.Itoa(i) + "."
		row := condRow{N: i, Field: vals.Get(p + "field"), Op: vals.Get(p + "op"), Min: vals.Get(p + "min"), Max: vals.Get(p + "max"),
			Value: vals.Get(p + "value")}
		f.Rows = append(f.Rows, row)
	}
	slots := 1
	if kind == "restriction" {
		slots = max(minRows, lastFilled(vals, "p", "", maxSlots)+spareRows)
	}
	for i := range slots {
		n := "p" + strconv.Itoa(i)
		f.Slots = append(f.Slots, principalSlot{N: i, Value: vals.Get(n), Sub: vals.Get(n+".sub") != ""})
	}
	return f
}

// lastFilled counts the inputs prefix+i+suffix up to the last one filled:
// blank ones after it are spares, shown again as such.
func lastFilled(vals url.Values, prefix, suffix string, most int) int {
	n := 0
	for i := 0; i < most; i++ {
		if vals.Get(prefix+strconv.Itoa(i)+suffix) != "" {
			n = i + 1
		}
	}
	return n
}

// postedRule is the form as posted, read into what the service takes;
// rows and slots map the service's indexes back to the form's rows.
type postedRule struct {
	Name, Reason string
	Level        access.Level
	Criteria     access.Criteria
	Principals   []access.Principal
	rows, slots  []int
	advanced     bool
	single       bool // the criteria are one comparison, not all/any
}

// readRule reads a posted rule form. The values as posted are kept for
// the form to be shown again; an error names the input at fault.
func readRule(kind string, f url.Values) (postedRule, url.Values, error) {
	vals := url.Values{}
	for k, v := range f {
		if k != "csrf" && len(v) > 0 {
			vals.Set(k, strings.TrimSpace(v[0]))
		}
	}
	p := postedRule{Name: vals.Get("name"), Reason: vals.Get("reason"), Level: access.Level(vals.Get("level"))}
	if err := requireReason(map[string]string{"reason": p.Reason}); err != nil {
		return p, vals, err
	}
	if err := p.readCriteria(vals); err != nil {
		return p, vals, err
	}
	return p, vals, p.readPrincipals(kind, vals)
}

func (p *postedRule) readCriteria(vals url.Values) error {
	if js := vals.Get("criteria"); js != "" {
		p.advanced = true
		dec := json.NewDecoder(strings.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p.Criteria); err != nil || dec.More() {
			return errs.Field("criteria", "invalid_json", "the criteria are not valid JSON criteria")
		}
		return nil
	}
	match := vals.Get("match")
	if match != "all" && match != "any" {
		return errs.Field("match", "invalid_value", "match must be all or any")
	}
	var leaves []access.Criteria
	for i := 0; i < maxRows && vals.Has("c"+strconv.Itoa(i)+".field"); i++ {
		leaf, ok, err := readRow(vals, i)
		if err != nil {
			return err
		}
		if ok {
			leaves = append(leaves, leaf)
			p.rows = append(p.rows, i)
		}
	}
	switch {
	case len(leaves) == 0:
		return errs.Field("c0.field", "field_required", "give at least one condition")
	case len(leaves) == 1:
		p.Criteria, p.single = leaves[0], true
	case match == "any":
		p.Criteria = access.Criteria{Any: leaves}
	default:
		p.Criteria = access.Criteria{All: leaves}
	}
	return nil
}

// readRow reads condition row i; ok is false for a row left blank.
func readRow(vals url.Values, i int) (access.Criteria, bool, error) {
	pre := "c" + strconv.Itoa(i) + "."
	c := access.Criteria{Field: vals.Get(pre + "field"), Op: vals.Get(pre + "op")}
	value, lo, hi := vals.Get(pre+"value"), vals.Get(pre+"min"), vals.Get(pre+"max")
	if c.Field == "" {
		if value != "" || lo != "" || hi != "" {
			return c, false, errs.Field(pre+"field", "field_required", "choose the field this condition compares")
		}
		return c, false, nil
	}
	switch c.Op {
	case "in":
		for _, s := range strings.Split(value, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.Values = append(c.Values, s)
			}
		}
	case "range":
		c.Min, c.Max = lo, hi
		if access.CriteriaFields[c.Field] {
			c.Min, c.Max = dayBound(lo, false), dayBound(hi, true)
		}
	default:
		c.Value = value
	}
	return c, true, nil
}

// dayBound writes a date typed into a time range as RFC 3339: the start
// of the day for a lower bound, its last second for an upper one. Anything
// else is left for the criteria's own check.
func dayBound(s string, end bool) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	if end {
		t = t.Add(24*time.Hour - time.Second)
	}
	return t.Format(time.RFC3339)
}

func (p *postedRule) readPrincipals(kind string, vals url.Values) error {
	for i := 0; i < maxSlots && vals.Has("p"+strconv.Itoa(i)); i++ {
		n := "p" + strconv.Itoa(i)
		if vals.Get(n) == "" {
			continue
		}
		pr, err := parsePrincipal(map[string]string{"principal": vals.Get(n), "include_subdepartments": vals.Get(n + ".sub")})
		if err != nil {
			return errs.Field(n, "invalid_value", "choose whom the rule names")
		}
		p.Principals = append(p.Principals, pr)
		p.slots = append(p.slots, i)
		if kind == "sharing" {
			break
		}
	}
	if len(p.Principals) == 0 {
		return errs.Field("p0", "field_required", "choose whom the rule names")
	}
	return nil
}

// criteriaPath parses the service's name for part of the criteria:
// criteria, criteria[2], criteria.op, criteria[2].min.
var criteriaPath = regexp.MustCompile(`^criteria(?:\[(\d+)\])?(?:\.(\w+))?`)

// principalPath parses principal, principals, principals[1].
var principalPath = regexp.MustCompile(`^principals?(?:\[(\d+)\])?`)

// place puts an error next to what it is about: a plain field, a condition
// row (the service counts only the rows in use), the advanced box, or a
// principal slot.
func (f *ruleForm) place(p postedRule, fe *fieldErr) {
	if fe == nil {
		return
	}
	name := fe.Field
	if m := criteriaPath.FindStringSubmatch(name); m != nil && !p.advanced && len(p.rows) > 0 {
		i := 0
		if m[1] != "" && !p.single {
			i, _ = strconv.Atoi(m[1])
		}
		name = "c" + strconv.Itoa(p.rows[min(i, len(p.rows)-1)]) + "." + m[2]
	} else if m != nil {
		f.JSONError = fe.Message
		return
	}
	if m := principalPath.FindStringSubmatch(name); m != nil {
		i, _ := strconv.Atoi(m[1])
		if i < len(p.slots) {
			name = "p" + strconv.Itoa(p.slots[i])
		} else {
			name = "p0"
		}
	}
	f.placeName(name, fe.Message)
}

// placeName puts message on the input called name.
func (f *ruleForm) placeName(name, message string) {
	if row, col, ok := strings.Cut(name, "."); ok && strings.HasPrefix(row, "c") {
		if i, err := strconv.Atoi(row[1:]); err == nil && i < len(f.Rows) {
			if col == "values" {
				col = "value"
			}
			f.Rows[i].Error, f.Rows[i].ErrCol = message, col
			return
		}
	}
	if strings.HasPrefix(name, "p") {
		if i, err := strconv.Atoi(name[1:]); err == nil && i < len(f.Slots) {
			f.Slots[i].Error = message
			return
		}
	}
	if name == "criteria" || name == "match" {
		f.JSONError = message
		return
	}
	f.Form.place(&fieldErr{Field: name, Message: message})
}

// HasErrors reports whether anything in the form is in error.
func (f *ruleForm) HasErrors() bool {
	if f.Form.HasErrors() || f.JSONError != "" || f.SlotError != "" {
		return true
	}
	return slices.ContainsFunc(f.Rows, func(r condRow) bool { return r.Error != "" }) ||
		slices.ContainsFunc(f.Slots, func(s principalSlot) bool { return s.Error != "" })
}
