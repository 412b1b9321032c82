package console

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// The campaign form. Its inputs are named after the fields of
// service.ReviewInput as the service's errors name them (scope.roles,
// reviewers.users, deadline...), so that a refusal lands next to its input.
// Lists of ids (users in scope, named reviewers) are typed, separated by
// commas or spaces: a tenant may have thousands of users, too many for
// boxes to tick.

// reviewKinds are the kinds of grant a campaign reviews.
var reviewKinds = []string{store.ReviewRole, store.ReviewTeam, store.ReviewShare}

// reviewRules are the reviewer rules, in the order the form offers them.
var reviewRules = []string{service.RuleManager, service.RuleDepartmentHead, service.RuleRecordOwner, service.RuleNamed}

// reviewFields are the form's single-valued inputs; the lists are
// scope.departments, scope.roles, scope.functions and scope.kinds.
var reviewFields = []string{"name", "scope.all", "scope.include_subdepartments", "scope.users", "scope.dormant_days",
	"scope.stale_days", "reviewers.rule", "reviewers.users", "deadline", "undecided", "escalation_days", "fallback", "recurrence_days"}

var reviewLists = []string{"scope.departments", "scope.roles", "scope.functions", "scope.kinds"}

// postedReview keeps what the form posted, trimmed, to fill it again.
func postedReview(form url.Values) url.Values {
	out := url.Values{}
	for _, n := range reviewFields {
		if s := strings.TrimSpace(form.Get(n)); s != "" {
			out.Set(n, s)
		}
	}
	for _, n := range reviewLists {
		for _, s := range form[n] {
			if s = strings.TrimSpace(s); s != "" {
				out.Add(n, s)
			}
		}
	}
	return out
}

// reviewDefaults fills a new form: the settings most campaigns take, and
// what the address asks for. An insights list sends dormant_days (the
// dormant accounts) or stale_days with all (every user's old grants).
func reviewDefaults(q url.Values, now time.Time) url.Values {
	vals := url.Values{"reviewers.rule": {service.RuleManager}, "undecided": {"keep"},
		"deadline": {now.AddDate(0, 0, 14).UTC().Format("2006-01-02")}}
	if d := q.Get("dormant_days"); d != "" {
		vals.Set("scope.dormant_days", d)
	}
	if d := q.Get("stale_days"); d != "" {
		vals.Set("scope.stale_days", d)
	}
	if q.Get("all") != "" {
		vals.Set("scope.all", "1")
	}
	if k := q.Get("kind"); slices.Contains(reviewKinds, k) {
		vals.Set("scope.kinds", k)
	}
	if n := q.Get("name"); n != "" {
		vals.Set("name", n)
	}
	return vals
}

// reviewInput reads the form into the service's input. It checks only what
// the form itself must turn into numbers and dates; the service checks the
// rest, as it does for the API.
func reviewInput(vals url.Values) (service.ReviewInput, error) {
	in := service.ReviewInput{Name: vals.Get("name"), Undecided: vals.Get("undecided"), Fallback: vals.Get("fallback")}
	sc := &in.Scope
	sc.All = vals.Get("scope.all") != ""
	sc.IncludeSubdepartments = vals.Get("scope.include_subdepartments") != ""
	sc.Roles, sc.Functions, sc.Kinds = vals["scope.roles"], vals["scope.functions"], vals["scope.kinds"]
	var err error
	if sc.Departments, err = idList("scope.departments", strings.Join(vals["scope.departments"], ",")); err != nil {
		return in, err
	}
	if sc.Users, err = idList("scope.users", vals.Get("scope.users")); err != nil {
		return in, err
	}
	for _, n := range []struct {
		name string
		to   *int
	}{{"scope.dormant_days", &sc.DormantDays}, {"scope.stale_days", &sc.StaleDays}, {"escalation_days", &in.EscalationDays},
		{"recurrence_days", &in.RecurrenceDays}} {
		if *n.to, err = optionalInt(n.name, vals.Get(n.name)); err != nil {
			return in, err
		}
	}
	in.Reviewers.Rule = vals.Get("reviewers.rule")
	if in.Reviewers.Users, err = idList("reviewers.users", vals.Get("reviewers.users")); err != nil {
		return in, err
	}
	deadline, err := parseDate("deadline", vals.Get("deadline"))
	if err != nil {
		return in, err
	}
	if deadline != nil {
		in.Deadline = *deadline
	}
	return in, nil
}

// idList reads ids separated by commas or spaces; empty is none.
func idList(name, s string) ([]int64, error) {
	var out []int64
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		id, err := strconv.ParseInt(strings.TrimPrefix(x, "#"), 10, 64)
		if err != nil || id <= 0 {
			return nil, errs.Field(name, "invalid_value", "%q is not an id: give numbers such as 12, 15", x)
		}
		out = append(out, id)
	}
	return out, nil
}

// optionalInt reads a number input; empty is 0.
func optionalInt(name, s string) (int, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errs.Field(name, "invalid_value", "%s must be a whole number", name)
	}
	return n, nil
}

// reviewForm draws the campaign form with vals.
func reviewForm(v *view, d *directory, vals url.Values) form {
	f := func(name, kind string) field {
		return field{Name: name, Label: v.T("rv.f." + name), Kind: kind, Value: vals.Get(name), Hint: hintOf(v, "rv.f."+name+".hint")}
	}
	name := f("name", "text")
	name.Required, name.Max = true, 200
	all := f("scope.all", "checkbox")
	depts := f("scope.departments", "checkboxes")
	depts.Values = vals["scope.departments"]
	for _, o := range d.deptOptions() {
		depts.Options = append(depts.Options, option{Value: o.Value, Label: strings.TrimSpace(o.Label)})
	}
	sub := f("scope.include_subdepartments", "checkbox")
	roles := f("scope.roles", "checkboxes")
	roles.Values = vals["scope.roles"]
	for _, r := range d.Roles {
		roles.Options = append(roles.Options, option{Value: r.Key, Label: r.Name})
	}
	fns := f("scope.functions", "checkboxes")
	fns.Values = vals["scope.functions"]
	for _, x := range access.Functions {
		fns.Options = append(fns.Options, option{Value: string(x), Label: string(x)})
	}
	for _, x := range access.Actions {
		fns.Options = append(fns.Options, option{Value: string(x), Label: v.Tf("rv.f.action", x)})
	}
	kinds := f("scope.kinds", "checkboxes")
	kinds.Values = vals["scope.kinds"]
	for _, k := range reviewKinds {
		kinds.Options = append(kinds.Options, option{Value: k, Label: v.T("rv.kind." + k)})
	}
	rule := f("reviewers.rule", "select")
	rule.Required = true
	for _, r := range reviewRules {
		rule.Options = append(rule.Options, option{Value: r, Label: v.T("rv.rule." + r)})
	}
	deadline := f("deadline", "date")
	deadline.Required = true
	undecided := f("undecided", "select")
	undecided.Required = true
	for _, u := range []string{"keep", "revoke", "escalate"} {
		undecided.Options = append(undecided.Options, option{Value: u, Label: v.T("rv.undecided." + u)})
	}
	fallback := f("fallback", "select")
	fallback.Options = []option{{Value: "", Label: "—"}, {Value: "keep", Label: v.T("rv.undecided.keep")}, {Value: "revoke", Label: v.T("rv.undecided.revoke")}}
	fields := []field{name, all, depts, sub, roles, fns, f("scope.users", "text"), f("scope.dormant_days", "number"),
		f("scope.stale_days", "number"), kinds, rule, f("reviewers.users", "text"), deadline, undecided,
		f("escalation_days", "number"), fallback, f("recurrence_days", "number")}
	if len(d.Roles) == 0 {
		fields = append(fields[:4], fields[5:]...) // without the roles, no list of them to tick
	}
	return form{Action: "/reviews", Submit: v.T("rv.create"), Prefix: "rv-", Fields: fields}
}

// hintOf is a field's hint, if the catalogue has one.
func hintOf(v *view, key string) string {
	if _, ok := messages[key]; !ok {
		return ""
	}
	return v.T(key)
}
