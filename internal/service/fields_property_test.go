package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/sheet"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// probeField is a field the property test gives random rules and unique
// values, so that any appearance of a value in an output is a leak.
type probeField struct {
	obj    access.Object
	key    string
	custom bool
	value  func(t *rapid.T, tag string) string
	field  fields.Field
}

func probeFields() []probeField {
	tok := func(prefix string) func(*rapid.T, string) string {
		return func(t *rapid.T, tag string) string {
			return prefix + tag + rapid.StringMatching(`[a-z0-9]{10}`).Draw(t, "token")
		}
	}
	// Values differ between fields whatever rapid draws (the tag is the
	// field's key), so a value found in an output is that field's.
	phones := map[string]string{"customer.phone": "1", "customer.mobile2": "2", "contact.phone": "3", "w": "4"}
	phone := func(t *rapid.T, tag string) string {
		return "13" + phones[tag] + rapid.StringMatching(`[0-9]{8}`).Draw(t, "phone")
	}
	email := func(t *rapid.T, tag string) string {
		return tag + rapid.StringMatching(`[a-z]{6}`).Draw(t, "local") + "@" + rapid.StringMatching(`[a-z]{8}`).Draw(t, "domain") + ".example"
	}
	address := func(t *rapid.T, tag string) string {
		return "上海市浦东新区" + tag + rapid.StringMatching(`[a-z]{8}`).Draw(t, "street") + "路88号"
	}
	taxID := fields.Field{Object: access.Customer, Key: "tax_id", LabelZh: "税号", LabelEn: "Tax ID", Type: fields.Text, Sensitive: true, Mask: fields.MaskIDNumber}
	mobile := fields.Field{Object: access.Customer, Key: "mobile2", LabelZh: "手机", LabelEn: "Mobile", Type: fields.Phone}
	wechat := fields.Field{Object: access.Contact, Key: "wechat", LabelZh: "微信", LabelEn: "WeChat", Type: fields.Text, Sensitive: true}
	return []probeField{
		{obj: access.Customer, key: "name", value: tok("Name")},
		{obj: access.Customer, key: "industry", value: tok("ind")},
		{obj: access.Customer, key: "phone", value: phone},
		{obj: access.Customer, key: "email", value: email},
		{obj: access.Customer, key: "address", value: address},
		{obj: access.Customer, key: "notes", value: tok("note")},
		{obj: access.Customer, key: "tax_id", custom: true, value: tok("9131"), field: taxID},
		{obj: access.Customer, key: "mobile2", custom: true, value: phone, field: mobile},
		{obj: access.Contact, key: "name", value: tok("Person")},
		{obj: access.Contact, key: "phone", value: phone},
		{obj: access.Contact, key: "email", value: email},
		{obj: access.Contact, key: "wechat", custom: true, value: tok("wx"), field: wechat},
	}
}

// modelAccess is the access model's field rule, written out independently
// of the engine: per role the rule for the field, else the all-fields rule,
// else masked when sensitive and edit otherwise; the most permissive role
// wins, and reveal counts at masked level only.
func modelAccess(roles [][]access.FieldRule, o access.Object, key string, sensitive bool) (access.FieldAccess, bool) {
	rank := map[access.FieldAccess]int{access.FieldHidden: 0, access.FieldMasked: 1, access.FieldRead: 2, access.FieldEdit: 3}
	best, reveal := access.FieldHidden, false
	for _, rules := range roles {
		acc, rv := access.FieldEdit, false
		if sensitive {
			acc = access.FieldMasked
		}
		if i := slices.IndexFunc(rules, func(r access.FieldRule) bool { return r.Object == o && r.Field == "*" }); i >= 0 {
			acc, rv = rules[i].Access, rules[i].Reveal
		}
		if i := slices.IndexFunc(rules, func(r access.FieldRule) bool { return r.Object == o && r.Field == key }); i >= 0 {
			acc, rv = rules[i].Access, rules[i].Reveal
		}
		switch {
		case rank[acc] > rank[best]:
			best, reveal = acc, rv
		case acc == best:
			reveal = reveal || rv
		}
	}
	return best, reveal && best == access.FieldMasked
}

// TestFieldAccessHoldsInEveryOutput gives a user random field rules (with
// a preset role beside them) and checks every channel that shows records:
// no value of a field they may not read appears in any output, byte for
// byte; masked fields show their mask; hidden ones are absent; search,
// sort, writes and reveals follow the same rules.
func TestFieldAccessHoldsInEveryOutput(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.DSN(t, e))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
			svc := newService(db, &now)
			n := 0
			rapid.Check(t, func(rt *rapid.T) {
				n++
				checkFieldAccess(ctx, rt, svc, fmt.Sprintf("f%d", n))
			})
		})
	}
}

func checkFieldAccess(ctx context.Context, t *rapid.T, svc *service.Service, slug string) {
	relaxed := service.DefaultSecurity()
	relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
	tn, admin, err := svc.CreateTenant(ctx, service.NewTenant{Slug: slug, Name: "Fields " + slug, AdminEmail: "a@" + slug + ".example",
		AdminPassword: "correct-horse-battery-staple", Security: &relaxed})
	if err != nil {
		t.Fatal(err)
	}
	adm := mustActor(t, svc, tn.ID, admin.ID)
	probes := probeFields()
	for _, p := range probes {
		if p.custom {
			obj, key, typ, mk := p.field.Object, p.field.Key, p.field.Type, p.field.Mask
			in := service.FieldInput{Object: &obj, Key: &key, LabelZh: &p.field.LabelZh, LabelEn: &p.field.LabelEn, Type: &typ, Sensitive: &p.field.Sensitive}
			if mk != "" {
				in.Mask = &mk
			}
			if _, err := svc.SaveField(ctx, adm, "", "", in); err != nil {
				t.Fatal(err)
			}
		}
	}
	adm = mustActor(t, svc, tn.ID, admin.ID) // as of the new catalogue, as the next request would be
	// The probe role sees and edits everything; its field rules are random.
	var rules []access.FieldRule
	for _, o := range []access.Object{access.Customer, access.Contact} {
		if rapid.IntRange(0, 3).Draw(t, "wildcard") == 0 {
			rules = append(rules, randomRule(t, o, "*"))
		}
	}
	for _, p := range probes {
		if rapid.IntRange(0, 2).Draw(t, "rule") > 0 {
			rules = append(rules, randomRule(t, p.obj, p.key))
		}
	}
	probeKey := "probe"
	perms := []access.Permission{}
	for _, o := range []access.Object{access.Customer, access.Contact} {
		for _, act := range []access.Action{access.View, access.Edit, access.Export} {
			perms = append(perms, access.Permission{Object: o, Action: act, Scope: access.All})
		}
	}
	noFns := []access.Function{}
	if _, err := svc.SaveRole(ctx, adm, "", service.RoleInput{Key: &probeKey, Name: &probeKey, Permissions: &perms, Functions: &noFns, Fields: &rules}); err != nil {
		t.Fatal(err)
	}
	roleKeys := []string{probeKey}
	roleRules := [][]access.FieldRule{rules}
	if extra := rapid.SampledFrom([]string{"", "marketing", "customer_service", "auditor", "read_only", "sales_rep"}).Draw(t, "preset"); extra != "" {
		roleKeys = append(roleKeys, extra)
		for _, p := range access.Presets() {
			if p.Key == extra {
				roleRules = append(roleRules, p.Fields)
			}
		}
	}
	email, name, pw := "u@"+slug+".example", "User", "another-long-pass-phrase"
	u, err := svc.CreateUser(ctx, adm, org.UserInput{Email: &email, Name: &name, Password: &pw, DepartmentID: &admin.DepartmentID, Roles: &roleKeys})
	if err != nil {
		t.Fatal(err)
	}
	// One customer with a contact, every probe field holding a unique value.
	values := map[string]string{}
	cin := crm.CustomerInput{Custom: crm.Custom{}}
	kin := crm.ContactInput{Custom: crm.Custom{}}
	for _, p := range probes {
		v := p.value(t, string(p.obj)+"."+p.key)
		values[string(p.obj)+"."+p.key] = v
		setProbe(&cin, &kin, p, v)
	}
	cust, err := svc.CreateCustomer(ctx, adm, cin)
	if err != nil {
		t.Fatal(err)
	}
	contact, err := svc.SaveContact(ctx, adm, cust.ID, 0, kin)
	if err != nil {
		t.Fatal(err)
	}

	a := mustActor(t, svc, tn.ID, u.ID)
	got, err := svc.Customer(ctx, a, cust.ID)
	if err != nil {
		t.Fatal(err)
	}
	page, err := svc.Customers(ctx, a, store.CustomerQuery{Sort: "last_activity_at", Desc: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	contacts, err := svc.Contacts(ctx, a, cust.ID, store.ChildPage{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	oneContact, err := svc.Contact(ctx, a, contact.ID)
	if err != nil {
		t.Fatal(err)
	}
	explained, err := svc.Explain(ctx, a, cust.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string][]byte{"customer": jsonOf(t, got), "list": jsonOf(t, page), "contacts": jsonOf(t, contacts),
		"contact": jsonOf(t, oneContact), "explain": jsonOf(t, explained), "export": exportOf(ctx, t, svc, a)}
	own := map[access.Object][]byte{access.Customer: outputs["customer"], access.Contact: outputs["contact"]}

	for _, p := range probes {
		v := values[string(p.obj)+"."+p.key]
		acc, reveal := modelAccess(roleRules, p.obj, p.key, p.field.Sensitive || !p.custom && (p.key == "phone" || p.key == "email" || p.key == "address"))
		if d := a.Subject.Field(p.obj, p.key); d.Access != acc || d.Reveal != reveal {
			t.Fatalf("%s.%s: engine says %s (reveal %v), the model %s (reveal %v)", p.obj, p.key, d.Access, d.Reveal, acc, reveal)
		}
		if acc.Readable() {
			if !strings.Contains(string(own[p.obj]), v) {
				t.Fatalf("%s.%s is %s but its value is not in the %s output", p.obj, p.key, acc, p.obj)
			}
			continue
		}
		for channel, out := range outputs {
			if strings.Contains(string(out), v) {
				t.Fatalf("%s.%s is %s but its value appears in the %s output: %s", p.obj, p.key, acc, channel, out)
			}
		}
		var rec map[string]any
		if err := json.Unmarshal(own[p.obj], &rec); err != nil {
			t.Fatal(err)
		}
		holder := rec
		if p.custom {
			holder = rec["custom"].(map[string]any)
		}
		_, present := holder[p.key]
		if acc == access.FieldHidden && present {
			t.Fatalf("%s.%s is hidden but its key is in the output", p.obj, p.key)
		}
		if acc == access.FieldMasked {
			f, _ := a.Fields.Get(p.obj, p.key)
			if m := f.MaskText(v); holder[p.key] != m {
				t.Fatalf("%s.%s is masked: got %v, want the mask %q", p.obj, p.key, holder[p.key], m)
			}
		}
		checkReveal(ctx, t, svc, a, p, cust.ID, contact.ID, v, reveal)
	}
	checkFieldQueries(ctx, t, svc, a, roleRules, cust.ID, values)
	checkFieldWrite(ctx, t, svc, a, adm, roleRules, probes, cust.ID, values)
}

// exportOf exports every customer the user may export, with every field
// they may see, as CSV or XLSX, and returns the file.
func exportOf(ctx context.Context, t *rapid.T, svc *service.Service, a *service.Actor) []byte {
	format := rapid.SampledFrom([]string{"csv", "xlsx"}).Draw(t, "format")
	e, err := svc.RequestExport(ctx, a, service.ExportRequest{Object: "customer", Format: format})
	if err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	_, write, err := svc.DownloadExport(ctx, a, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	if format == "csv" {
		return b.Bytes()
	}
	return xlsxText(t, b.Bytes())
}

// xlsxText is the text of every cell of a workbook's first sheet, which is
// where a value would show (the file itself is compressed).
func xlsxText(t *rapid.T, data []byte) []byte {
	r, err := sheet.NewReader(bytes.NewReader(data), sheet.XLSX, sheet.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := []byte(strings.Join(r.Header(), ",") + "\n")
	for {
		row, _, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join(row, ",")+"\n"...)
	}
}

func randomRule(t *rapid.T, o access.Object, key string) access.FieldRule {
	acc := rapid.SampledFrom(access.FieldAccesses).Draw(t, "access")
	return access.FieldRule{Object: o, Field: key, Access: acc, Reveal: acc == access.FieldMasked && rapid.Bool().Draw(t, "reveal")}
}

func setProbe(cin *crm.CustomerInput, kin *crm.ContactInput, p probeField, v string) {
	if p.custom {
		if p.obj == access.Customer {
			cin.Custom[p.key] = v
		} else {
			kin.Custom[p.key] = v
		}
		return
	}
	ptr := &v
	switch string(p.obj) + "." + p.key {
	case "customer.name":
		cin.Name = ptr
	case "customer.industry":
		cin.Industry = ptr
	case "customer.phone":
		cin.Phone = ptr
	case "customer.email":
		cin.Email = ptr
	case "customer.address":
		cin.Address = ptr
	case "customer.notes":
		cin.Notes = ptr
	case "contact.name":
		kin.Name = ptr
	case "contact.phone":
		kin.Phone = ptr
	case "contact.email":
		kin.Email = ptr
	}
}

func checkReveal(ctx context.Context, t *rapid.T, svc *service.Service, a *service.Actor, p probeField, customerID, contactID int64, v string, reveal bool) {
	name := p.key
	if p.custom {
		name = "custom." + p.key
	}
	var got service.Revealed
	var err error
	if p.obj == access.Customer {
		got, err = svc.RevealCustomer(ctx, a, customerID, service.RevealRequest{Fields: []string{name}})
	} else {
		got, err = svc.RevealContact(ctx, a, contactID, service.RevealRequest{Fields: []string{name}})
	}
	switch {
	case reveal && (err != nil || got.Values[name] != v):
		t.Fatalf("reveal of %s.%s with reveal: got %v (%v), want the value", p.obj, name, got.Values[name], err)
	case !reveal && (err == nil || errs.As(err).Code != "reveal_not_allowed" || errs.As(err).Field != name):
		t.Fatalf("reveal of %s.%s without reveal: got %v (%v), want reveal_not_allowed naming it", p.obj, name, got.Values, err)
	}
}

// checkFieldQueries: a search finds the customer by a value only through
// fields the user may read; sorting by an unreadable name is refused.
func checkFieldQueries(ctx context.Context, t *rapid.T, svc *service.Service, a *service.Actor, roles [][]access.FieldRule, id int64, values map[string]string) {
	searchable := false
	for _, key := range []string{"name", "phone", "email"} {
		acc, _ := modelAccess(roles, access.Customer, key, key != "name")
		searchable = searchable || acc.Readable()
	}
	for _, key := range []string{"name", "phone", "email"} {
		acc, _ := modelAccess(roles, access.Customer, key, key != "name")
		page, err := svc.Customers(ctx, a, store.CustomerQuery{Text: values["customer."+key], Sort: "last_activity_at", Desc: true, Limit: 10})
		if !searchable {
			if errs.As(err).Code != "field_not_readable" || errs.As(err).Field != "q" {
				t.Fatalf("search with no readable text field: got %v, want field_not_readable on q", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("search by %s: %v", key, err)
		}
		found := slices.ContainsFunc(page.Items, func(c crm.Customer) bool { return c.ID == id })
		if found != acc.Readable() {
			t.Fatalf("search by the customer's %s (access %s): found %v", key, acc, found)
		}
	}
	acc, _ := modelAccess(roles, access.Customer, "name", false)
	_, err := svc.Customers(ctx, a, store.CustomerQuery{Sort: "name", Limit: 10})
	if acc.Readable() != (err == nil) || err != nil && errs.As(err).Code != "field_not_readable" {
		t.Fatalf("sort by name with access %s: %v", acc, err)
	}
}

// checkFieldWrite changes one random field: it succeeds only with edit
// access, and a refusal names the field and changes nothing.
func checkFieldWrite(ctx context.Context, t *rapid.T, svc *service.Service, a, adm *service.Actor, roles [][]access.FieldRule, probes []probeField, id int64, values map[string]string) {
	var customerProbes []probeField
	for _, p := range probes {
		if p.obj == access.Customer {
			customerProbes = append(customerProbes, p)
		}
	}
	p := rapid.SampledFrom(customerProbes).Draw(t, "write")
	acc, _ := modelAccess(roles, access.Customer, p.key, p.field.Sensitive || !p.custom && (p.key == "phone" || p.key == "email" || p.key == "address"))
	nv := p.value(t, "w")
	in := crm.CustomerInput{Custom: crm.Custom{}}
	setProbe(&in, &crm.ContactInput{Custom: crm.Custom{}}, p, nv)
	_, err := svc.UpdateCustomer(ctx, a, id, in)
	name := p.key
	if p.custom {
		name = "custom." + p.key
	}
	if acc == access.FieldEdit {
		if err != nil {
			t.Fatalf("write of %s with edit access: %v", name, err)
		}
		return
	}
	if err == nil || errs.As(err).Code != "field_not_editable" || errs.As(err).Field != name {
		t.Fatalf("write of %s with %s access: got %v, want field_not_editable naming it", name, acc, err)
	}
	stored, err := svc.Customer(ctx, adm, id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(jsonOf(t, stored)), values["customer."+p.key]) {
		t.Fatalf("a refused write of %s changed the stored value", name)
	}
}

func mustActor(t *rapid.T, svc *service.Service, tenantID, userID int64) *service.Actor {
	a, err := svc.ActorFor(context.Background(), tenantID, userID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func jsonOf(t *rapid.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
