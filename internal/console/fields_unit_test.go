package console

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"testing"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/fields"
)

// testCatalogue is the built-ins with three custom customer fields.
func testCatalogue() *fields.Catalogue {
	return fields.NewCatalogue([]fields.Field{
		{Object: access.Customer, Key: "tax_id", LabelEn: "Tax ID", LabelZh: "税号", Type: fields.Text, Mask: fields.MaskFull},
		{Object: access.Customer, Key: "secret", LabelEn: "Secret", LabelZh: "机密", Type: fields.Text, Mask: fields.MaskFull},
		{Object: access.Customer, Key: "tags", LabelEn: "Tags", LabelZh: "标签", Type: fields.MultiSelect, Options: []string{"vip", "new"}, Mask: fields.MaskFull},
	})
}

// subjectWith is a subject holding one role with the given field rules.
func subjectWith(cat *fields.Catalogue, rules ...access.FieldRule) *access.Subject {
	return access.NewSubject(access.SubjectFacts{TenantID: 1, UserID: 1,
		Roles: []access.Role{{Key: "r", Name: "R", Fields: rules}}, Fields: cat.Refs()})
}

// planAll offers every built-in customer field in one mode.
func planAll(m mode) []planned {
	var out []planned
	for _, f := range fields.NewCatalogue(nil).Of(access.Customer) {
		out = append(out, planned{Field: f, Mode: m})
	}
	return out
}

func modes(plan []planned) map[string]mode {
	out := map[string]mode{}
	for _, p := range plan {
		out[fieldName(p.Field)] = p.Mode
	}
	return out
}

// The plan follows the field decisions: edit gives an input, read and
// masked show text, hidden leaves the field out; a value shown masked is
// never editable, whatever the role says.
func TestPlanFollowsFieldAccess(t *testing.T) {
	cat := testCatalogue()
	s := subjectWith(cat,
		access.FieldRule{Object: access.Customer, Field: "phone", Access: access.FieldRead},
		access.FieldRule{Object: access.Customer, Field: "email", Access: access.FieldHidden},
		access.FieldRule{Object: access.Customer, Field: "address", Access: access.FieldMasked, Reveal: true},
		access.FieldRule{Object: access.Customer, Field: "secret", Access: access.FieldRead})
	got := modes(planFields(cat.Of(access.Customer), s, crm.View{Masked: []string{"address"}, Hidden: []string{"email"}}))
	want := map[string]mode{"name": editable, "industry": editable, "level": editable, "region": editable, "source": editable,
		"phone": showOnly, "email": leaveOut, "address": showOnly, "notes": editable,
		"custom.tax_id": editable, "custom.secret": showOnly, "custom.tags": editable}
	for k, m := range want {
		if got[k] != m {
			t.Errorf("%s: mode %d, want %d", k, got[k], m)
		}
	}
	// A customer seen through its pool: the role says edit, the record
	// shows the phone masked.
	all := subjectWith(cat, access.FieldRule{Object: access.Customer, Field: "*", Access: access.FieldEdit})
	if m := modes(planFields(cat.Of(access.Customer), all, crm.View{Masked: []string{"phone"}}))["phone"]; m != showOnly {
		t.Errorf("a masked phone with edit access: mode %d, want show only", m)
	}
}

// The form draws no input for a field the user may not edit, and what is
// posted for such a field anyway (a crafted form) is not sent to the
// service: a save never fails with field_not_editable.
func TestNonEditableFieldsAreNotPosted(t *testing.T) {
	cat := testCatalogue()
	s := subjectWith(cat,
		access.FieldRule{Object: access.Customer, Field: "phone", Access: access.FieldRead},
		access.FieldRule{Object: access.Customer, Field: "email", Access: access.FieldHidden},
		access.FieldRule{Object: access.Customer, Field: "address", Access: access.FieldMasked},
		access.FieldRule{Object: access.Customer, Field: "secret", Access: access.FieldRead})
	cu := crm.Customer{ID: 7, Name: "Acme", Phone: "13812345678", Address: "****", Notes: "old",
		Custom: crm.Custom{"tax_id": "T-1", "secret": "S-1", "tags": []any{"vip"}}, View: crm.View{Masked: []string{"address"}, Hidden: []string{"email"}}}
	plan := planFields(cat.Of(access.Customer), s, cu.View)
	shown := customerValues(cu)

	v := &view{lang: english}
	html := renderEdit(t, v, (&Console{}).customerForm(v, cu.ID, plan, shown, shown, nil))
	for _, name := range []string{"phone", "email", "address", "custom.secret"} {
		if strings.Contains(html, `name="`+name+`"`) {
			t.Errorf("the form has an input named %s", name)
		}
	}
	for _, want := range []string{`name="name"`, `name="notes"`, `name="custom.tax_id"`, `name="custom.tags" value="vip" checked`,
		`id="f-phone"`, "13812345678", "S-1", `id="f-custom-tax_id"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if strings.Contains(html, "Secret") && !strings.Contains(html, "You may read this field but not change it.") {
		t.Errorf("a read-only field is not marked as such")
	}

	posted := url.Values{"name": {"Acme"}, "notes": {"new"}, "phone": {"13900000000"}, "email": {"x@example.com"},
		"address": {"Somewhere"}, "custom.secret": {"S-2"}, "custom.tax_id": {"T-1"}, "custom.tags": {"vip", "new"}}
	in, n := customerInput(plan, shown, posted, false)
	if in.Phone != nil || in.Email != nil || in.Address != nil {
		t.Errorf("non-editable built-ins were sent: phone %v email %v address %v", in.Phone, in.Email, in.Address)
	}
	if _, ok := in.Custom["secret"]; ok {
		t.Errorf("the read-only custom field was sent")
	}
	if _, ok := in.Custom["tax_id"]; ok {
		t.Errorf("an unchanged custom value was sent")
	}
	if n != 2 || in.Notes == nil || *in.Notes != "new" || !slices.Equal(in.Custom["tags"].([]string), []string{"vip", "new"}) {
		t.Errorf("got %d changes, notes %v, tags %v; want notes and tags", n, in.Notes, in.Custom["tags"])
	}
}

func renderEdit(t *testing.T, v *view, f form) string {
	t.Helper()
	v.Data = editPage{ID: 7, Form: f}
	var buf bytes.Buffer
	if err := parsePages()["edit"].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// Custom values go to the service in the form it checks, by type; a value
// that does not parse goes as typed, for the service to refuse by name.
func TestCustomValuesByType(t *testing.T) {
	num := fields.Field{Key: "n", Type: fields.Number}
	flag := fields.Field{Key: "b", Type: fields.Bool}
	multi := fields.Field{Key: "m", Type: fields.MultiSelect, Options: []string{"a", "b"}}
	text := fields.Field{Key: "t", Type: fields.Text}
	for _, c := range []struct {
		f      fields.Field
		posted []string
		want   any
	}{
		{num, []string{"12.5"}, 12.5}, {num, []string{" x "}, "x"}, {num, []string{""}, nil},
		{flag, []string{"1"}, true}, {flag, nil, false},
		{multi, []string{"b", "", "a"}, []string{"b", "a"}}, {multi, nil, nil},
		{text, []string{"  hi "}, "hi"}, {text, []string{"  "}, nil},
	} {
		got := customValue(c.f, c.posted)
		if gs, ok := got.([]string); ok {
			if ws, _ := c.want.([]string); !slices.Equal(gs, ws) {
				t.Errorf("%s %q: got %v, want %v", c.f.Type, c.posted, got, c.want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s %q: got %#v, want %#v", c.f.Type, c.posted, got, c.want)
		}
	}
	for _, c := range []struct {
		f             fields.Field
		shown, posted []string
		same          bool
	}{
		{num, []string{"12"}, []string{"12.0"}, true}, {num, []string{"12"}, []string{"13"}, false},
		{flag, nil, nil, true}, {flag, nil, []string{"1"}, false},
		{multi, []string{"a", "b"}, []string{"b", "a"}, true}, {multi, []string{"a"}, nil, false},
		{text, []string{"x"}, []string{" x "}, true},
	} {
		if got := sameCustom(c.f, c.shown, c.posted); got != c.same {
			t.Errorf("%s %q vs %q: same %v, want %v", c.f.Type, c.shown, c.posted, got, c.same)
		}
	}
}

// The field rule editor posts every row: "no rule" drops the rule, a row
// not posted keeps the role's, an unknown access is refused; an error the
// service names by index lands on its row.
func TestPostedFieldRules(t *testing.T) {
	cat := testCatalogue()
	current := []access.FieldRule{{Object: access.Customer, Field: "phone", Access: access.FieldRead},
		{Object: access.Deal, Field: "amount", Access: access.FieldHidden}}
	f := url.Values{"rule.customer.*": {"read"}, "rule.customer.phone": {""}, "rule.customer.email": {"masked"},
		"reveal.customer.email": {"1"}, "rule.customer.custom_missing": {"edit"}}
	got, err := postedFieldRules(f, cat, current)
	if err != nil {
		t.Fatal(err)
	}
	want := []access.FieldRule{{Object: access.Customer, Field: "*", Access: access.FieldRead},
		{Object: access.Customer, Field: "email", Access: access.FieldMasked, Reveal: true},
		{Object: access.Deal, Field: "amount", Access: access.FieldHidden}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	f.Set("rule.customer.email", "sometimes")
	if _, err := postedFieldRules(f, cat, current); err == nil {
		t.Errorf("an unknown access was accepted")
	}

	v := &view{lang: english}
	p := &matrixPage{FieldRules: fieldRuleGroups(v, cat, nil, want)}
	placeRuleError(v, p, want, &fieldErr{Field: "fields[1].reveal", Message: "reveal goes with masked access only"})
	for _, g := range p.FieldRules {
		for _, row := range g.Rows {
			if (row.Error != "") != (row.Object == access.Customer && row.Key == "email") {
				t.Errorf("row %s.%s has error %q", row.Object, row.Key, row.Error)
			}
		}
	}
}
