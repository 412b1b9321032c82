package console

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/service"
)

// Below the matrix editor, a role's field rules (字段权限): per object, a
// rule for all its fields (*) and one per field, each hidden, masked, read,
// edit or none (the default), with reveal for a masked one. Saving sends
// them all to service.SaveRole, which validates them, records the change
// and asks for a step-up as it does for the matrix.

// ruleGroup is one object's field rules.
type ruleGroup struct {
	Object access.Object
	Rows   []fieldRuleRow
}

// fieldRuleRow is one field's rule in the editor.
type fieldRuleRow struct {
	Object  access.Object
	Key     string // a field key, or "*"
	Label   string
	Access  access.FieldAccess // "" for no rule: the default applies
	Reveal  bool
	Default string // what no rule means for this field, in words
	Error   string
}

// Input is the name of the row's access select; the reveal box is the same
// with "reveal." in front.
func (r fieldRuleRow) Input() string { return "rule." + string(r.Object) + "." + r.Key }

// Slug names the row in element ids.
func (r fieldRuleRow) Slug() string {
	if r.Key == access.AllFields {
		return string(r.Object) + "-all"
	}
	return string(r.Object) + "-" + r.Key
}

// fieldRuleEditor fills the field rules of the chosen role, with pending
// rules (those posted, on a second try) in place of the role's own.
func (c *Console) fieldRuleEditor(r *http.Request, v *view, p *matrixPage, pending []access.FieldRule) error {
	role, err := c.svc.Role(r.Context(), v.act, p.Role.Key)
	if err != nil {
		return err
	}
	rules := role.Fields
	if pending != nil {
		rules = pending
	}
	p.FieldAccesses = access.FieldAccesses
	p.FieldRules = fieldRuleGroups(v, v.catalogue(), role.Fields, rules)
	return nil
}

// fieldRuleGroups lays out the editor: the all-fields row, then every
// catalogue field, with its rule among rules. What "default" means comes
// from the role as saved (its all-fields rule, else the field's sensitivity).
func fieldRuleGroups(v *view, cat *fields.Catalogue, saved, rules []access.FieldRule) []ruleGroup {
	find := func(rs []access.FieldRule, o access.Object, key string) (access.FieldRule, bool) {
		i := slices.IndexFunc(rs, func(x access.FieldRule) bool { return x.Object == o && x.Field == key })
		if i < 0 {
			return access.FieldRule{}, false
		}
		return rs[i], true
	}
	var out []ruleGroup
	for _, o := range access.Objects {
		g := ruleGroup{Object: o}
		all := fieldRuleRow{Object: o, Key: access.AllFields, Label: v.T("fieldrules.all"), Default: v.T("fieldrules.default.all")}
		if x, ok := find(rules, o, access.AllFields); ok {
			all.Access, all.Reveal = x.Access, x.Reveal
		}
		g.Rows = append(g.Rows, all)
		wild, hasWild := find(saved, o, access.AllFields)
		for _, f := range cat.Of(o) {
			row := fieldRuleRow{Object: o, Key: f.Key, Label: v.fieldLabel(f)}
			switch {
			case hasWild:
				row.Default = v.Tf("fieldrules.default.wild", v.T("faccess."+string(wild.Access)))
			case f.Sensitive:
				row.Default = v.Tf("fieldrules.default.sensitive", v.T("faccess.masked"))
			default:
				row.Default = v.T("faccess.edit")
			}
			if x, ok := find(rules, o, f.Key); ok {
				row.Access, row.Reveal = x.Access, x.Reveal
			}
			g.Rows = append(g.Rows, row)
		}
		out = append(out, g)
	}
	return out
}

// postedFieldRules reads the editor. A row not posted (a field added since
// the page was drawn) keeps the role's rule for it; an unknown access is
// refused. The rules come out in editor order, which is how an error the
// service names by index ("fields[3].reveal") finds its row again.
func postedFieldRules(f url.Values, cat *fields.Catalogue, current []access.FieldRule) ([]access.FieldRule, error) {
	out := []access.FieldRule{}
	for _, o := range access.Objects {
		keys := []string{access.AllFields}
		for _, fd := range cat.Of(o) {
			keys = append(keys, fd.Key)
		}
		for _, key := range keys {
			row := fieldRuleRow{Object: o, Key: key}
			rule := access.FieldRule{Object: o, Field: key}
			if !f.Has(row.Input()) {
				if i := slices.IndexFunc(current, func(x access.FieldRule) bool { return x.Object == o && x.Field == key }); i >= 0 {
					out = append(out, current[i])
				}
				continue
			}
			rule.Access = access.FieldAccess(f.Get(row.Input()))
			if rule.Access == "" {
				continue
			}
			if !slices.Contains(access.FieldAccesses, rule.Access) {
				return nil, errs.Field(row.Input(), "invalid_value", "unknown field access %q", rule.Access)
			}
			rule.Reveal = f.Get("reveal."+string(o)+"."+key) == "1"
			out = append(out, rule)
		}
	}
	return out, nil
}

// indexRE reads the rule an error of SaveRole is about.
var indexRE = regexp.MustCompile(`^fields\[(\d+)\]`)

// placeRuleError puts an error about one rule on its row (with a note
// above the editor), or above the editor when it names none.
func placeRuleError(v *view, p *matrixPage, rules []access.FieldRule, fe *fieldErr) {
	p.FieldsError = fe.Message
	m := indexRE.FindStringSubmatch(fe.Field)
	if m == nil {
		return
	}
	i, err := strconv.Atoi(m[1])
	if err != nil || i >= len(rules) {
		return
	}
	for g := range p.FieldRules {
		for j, row := range p.FieldRules[g].Rows {
			if row.Object == rules[i].Object && row.Key == rules[i].Field {
				p.FieldRules[g].Rows[j].Error, p.FieldsError = fe.Message, v.T("form.errors")
				return
			}
		}
	}
}

// saveFieldRules saves a role's field rules from the editor.
func (c *Console) saveFieldRules(w http.ResponseWriter, r *http.Request, v *view) error {
	_, role, err := c.loadRole(r, v)
	if err != nil {
		return err
	}
	current, err := c.svc.Role(r.Context(), v.act, role.Key)
	if err != nil {
		return err
	}
	rules, err := postedFieldRules(r.PostForm, v.catalogue(), current.Fields)
	if err == nil {
		_, err = c.svc.SaveRole(r.Context(), v.act, role.Key, service.RoleInput{Fields: &rules})
	}
	if err == nil {
		http.Redirect(w, r, "/matrix?"+url.Values{"role": {role.Key}, "fields_saved": {"1"}}.Encode()+"#field-rules", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok { // a step-up among them: the console asks for it and redoes the save
		return err
	}
	p, perr := c.matrixPage(r, v, role.Key, nil)
	if perr != nil {
		return perr
	}
	if rules != nil {
		if perr = c.fieldRuleEditor(r, v, p, rules); perr != nil {
			return perr
		}
	}
	placeRuleError(v, p, rules, fe)
	c.render(w, v, status, "matrix", p)
	return nil
}
