package httpapi

import (
	"encoding/base64"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/org"
	"steward/internal/policy"
	"steward/internal/service"
	"steward/internal/store"
)

// fuzzNow is the clock of the domain checks that take one.
var fuzzNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// bodyTarget is a request body type and the domain checks that run on a
// decoded value of it, as the service would run them.
type bodyTarget struct {
	fresh func() any        // a pointer to a new zero value, to decode into
	check func(v any) error // the domain checks, given that pointer
}

// bodyTargets lists every request body type of the route table, keyed by type.
func bodyTargets() map[reflect.Type]bodyTarget {
	return map[reflect.Type]bodyTarget{
		reflect.TypeFor[LoginRequest]():        target(func(in LoginRequest) error { return org.CheckSlug(in.Tenant) }),
		reflect.TypeFor[TransferRequest]():     target(func(TransferRequest) error { return nil }),
		reflect.TypeFor[org.DepartmentInput](): target(checkDepartment),
		reflect.TypeFor[org.UserInput]():       target(checkUser),
		reflect.TypeFor[org.GroupInput]():      target(checkGroup),
		reflect.TypeFor[GroupMemberRequest]():  target(func(GroupMemberRequest) error { return nil }),
		reflect.TypeFor[service.RoleInput]():   target(checkRole),
		reflect.TypeFor[service.RoleGrant]():   target(checkGrant),
		reflect.TypeFor[crm.CustomerInput]():   target(checkCustomer),
		reflect.TypeFor[crm.ContactInput]():    target(checkContact),
		reflect.TypeFor[crm.DealInput]():       target(checkDeal),
		reflect.TypeFor[crm.ActivityInput]():   target(checkActivity),
		reflect.TypeFor[service.TeamInput]():   target(func(service.TeamInput) error { return nil }),
		reflect.TypeFor[service.ShareInput]():  target(func(service.ShareInput) error { return nil }),
		reflect.TypeFor[service.SharingRuleInput](): target(func(in service.SharingRuleInput) error {
			return in.Criteria.Validate("criteria")
		}),
		reflect.TypeFor[service.RestrictionInput](): target(func(in service.RestrictionInput) error {
			return in.Criteria.Validate("criteria")
		}),
		reflect.TypeFor[service.PoolInput]():             target(func(service.PoolInput) error { return nil }),
		reflect.TypeFor[service.ClaimRequest]():          target(func(service.ClaimRequest) error { return nil }),
		reflect.TypeFor[service.ReturnRequest]():         target(func(service.ReturnRequest) error { return nil }),
		reflect.TypeFor[MFARequest]():                    target(func(MFARequest) error { return nil }),
		reflect.TypeFor[MFATokenRequest]():               target(func(MFATokenRequest) error { return nil }),
		reflect.TypeFor[service.CodeFactorInput]():       target(func(in service.CodeFactorInput) error { _, err := service.CheckCodeFactorInput(in); return err }),
		reflect.TypeFor[StepUpRequest]():                 target(func(StepUpRequest) error { return nil }),
		reflect.TypeFor[PasswordResetRequest]():          target(func(PasswordResetRequest) error { return nil }),
		reflect.TypeFor[PasswordChangeRequest]():         target(func(PasswordChangeRequest) error { return nil }),
		reflect.TypeFor[CodeRequest]():                   target(func(CodeRequest) error { return nil }),
		reflect.TypeFor[service.SecuritySettingsInput](): target(service.CheckSecuritySettings),
		reflect.TypeFor[service.APIKeyInput]():           target(func(service.APIKeyInput) error { return nil }),
		reflect.TypeFor[service.FieldInput]():            target(checkField),
		reflect.TypeFor[service.RevealRequest]():         target(func(service.RevealRequest) error { return nil }),
		reflect.TypeFor[service.ExportRequest](): target(func(in service.ExportRequest) error {
			_, err := service.ExportQuery(in.Filter)
			return err
		}),
		reflect.TypeFor[DecisionRequest]():      target(func(DecisionRequest) error { return nil }),
		reflect.TypeFor[store.ExportSettings](): target(service.CheckExportSettings),

		// Moves and offboarding.
		reflect.TypeFor[service.MoveInput]():         target(service.CheckMove),
		reflect.TypeFor[service.OffboardInput]():     target(func(in service.OffboardInput) error { return service.CheckOffboard(&in) }),
		reflect.TypeFor[service.LifecycleSettings](): target(service.CheckLifecycleSettings),

		// Access requests.
		reflect.TypeFor[service.AccessRequestInput](): target(service.CheckAccessRequest),
		reflect.TypeFor[AccessDecision]():             target(func(AccessDecision) error { return nil }),

		// Separation of duties.
		reflect.TypeFor[service.SoDRuleInput]():    target(service.CheckSoDRule),
		reflect.TypeFor[service.SoDProfileInput](): target(func(service.SoDProfileInput) error { return nil }),

		// Least-privilege proposals.
		reflect.TypeFor[service.ProposalInput](): target(service.CheckProposal),

		// Access review campaigns.
		reflect.TypeFor[service.ReviewInput]():         target(service.CheckReview),
		reflect.TypeFor[service.ReviewDecisionInput](): target(service.CheckReviewDecisions),

		// Retention.
		reflect.TypeFor[service.RetentionRuleInput](): target(service.CheckRetentionRule),
		reflect.TypeFor[LegalHoldInput](): target(func(in LegalHoldInput) error {
			_, err := fieldcheck.Name("reason", in.Reason, 500)
			return err
		}),

		// Privacy requests.
		reflect.TypeFor[service.PrivacyRequestInput](): target(service.CheckPrivacyRequest),
		reflect.TypeFor[service.ConsentInput]():        target(service.CheckConsent),
		reflect.TypeFor[service.PrivacyClose](): target(func(in service.PrivacyClose) error {
			if err := fieldcheck.OneOf("status", in.Status, false, "done", "refused"); err != nil {
				return err
			}
			_, err := fieldcheck.Name("outcome", in.Outcome, 1000)
			return err
		}),

		// Policy as code (POST /policy reads YAML too: policy.FuzzParsePolicy).
		reflect.TypeFor[policy.Document](): target(func(d policy.Document) error { return d.Validate() }),
	}
}

// target builds a bodyTarget from a typed check.
func target[T any](check func(T) error) bodyTarget {
	return bodyTarget{fresh: func() any { return new(T) }, check: func(v any) error { return check(*v.(*T)) }}
}

func checkDepartment(in org.DepartmentInput) error {
	if in.Name == nil {
		return nil
	}
	_, err := fieldcheck.Name("name", *in.Name, 100)
	return err
}

func checkUser(in org.UserInput) error {
	if err := in.Apply(&org.User{}, true); err != nil {
		return err
	}
	return in.Apply(&org.User{Status: org.StatusActive}, false)
}

func checkGroup(in org.GroupInput) error {
	if err := in.Apply(&org.Group{}, true); err != nil {
		return err
	}
	return in.Apply(&org.Group{}, false)
}

// checkRole builds the role as the service does and validates it.
func checkRole(in service.RoleInput) error {
	r := access.Role{Permissions: []access.Permission{}, Functions: []access.Function{}}
	if in.Key != nil {
		r.Key = *in.Key
	}
	if in.Fields != nil {
		r.Fields = *in.Fields
	}
	if in.Permissions != nil {
		r.Permissions = append(r.Permissions, *in.Permissions...)
	}
	if in.Functions != nil {
		r.Functions = append(r.Functions, *in.Functions...)
	}
	return r.Validate()
}

func checkGrant(in service.RoleGrant) error {
	_, err := fieldcheck.Optional("reason", in.Reason, 500)
	return err
}

func checkCustomer(in crm.CustomerInput) error {
	if _, err := in.Apply(&crm.Customer{}, true); err != nil {
		return err
	}
	_, err := in.Apply(&crm.Customer{Name: "Acme"}, false)
	return err
}

func checkContact(in crm.ContactInput) error {
	if _, err := in.Apply(&crm.Contact{}, true); err != nil {
		return err
	}
	_, err := in.Apply(&crm.Contact{Name: "Li"}, false)
	return err
}

func checkDeal(in crm.DealInput) error {
	if _, err := in.Apply(&crm.Deal{}, true); err != nil {
		return err
	}
	_, err := in.Apply(&crm.Deal{Name: "Renewal", Currency: "CNY", Stage: "lead"}, false)
	return err
}

func checkActivity(in crm.ActivityInput) error {
	if _, err := in.Apply(&crm.Activity{}, true, fuzzNow); err != nil {
		return err
	}
	_, err := in.Apply(&crm.Activity{Type: "call"}, false, fuzzNow)
	return err
}

// TestFuzzCoversEveryBody keeps FuzzDecodeBodies in step with the route table.
func TestFuzzCoversEveryBody(t *testing.T) {
	targets := bodyTargets()
	for _, rt := range Routes() {
		if rt.Body == nil {
			continue
		}
		if _, ok := targets[reflect.TypeOf(rt.Body)]; !ok {
			t.Errorf("%s %s: body %T has no entry in bodyTargets", rt.Method, rt.Path, rt.Body)
		}
	}
}

// bodySeeds are valid and hostile request bodies.
var bodySeeds = []string{
	`{"tenant":"acme","email":"admin@acme.example","password":"a-long-enough-password-1"}`,
	`{"owner_id":7}`,
	`{"name":"Sales","parent_id":1}`,
	`{"email":"rep@acme.example","name":"Rep","password":"another-long-password-2","department_id":2,"manager_id":0,"roles":["sales_rep"]}`,
	`{"name":"Key accounts","description":"top ten","members":[1,2,2,3]}`,
	`{"user_id":3}`, `{"user_id":-1}`, `{"user_id":"3"}`, `{"user_id":1e400}`,
	`{"key":"intern","name":"Intern","permissions":[{"object":"customer","action":"view","scope":"own"}],"functions":["view_audit"]}`,
	`{"role":"auditor","expires_at":"2030-01-01T00:00:00Z","reason":"review"}`,
	`{"mfa_token":"abc","code":"123 456"}`,
	`{"channel":"sms","address":"+86 138 0013 8000"}`, `{"channel":"email","address":"Rep <rep@acme.example>"}`,
	`{"tenant":"acme","token":"t","new_password":"a-long-enough-password-1"}`,
	`{"profile":"dengbao-l3","lockout_threshold":10,"allowed_networks":["10.0.0.0/8","2001:db8::/32"],"role_networks":{"auditor":["192.0.2.1"]},"login_hours":{"sales_rep":"mon-fri 08:00-18:00"},"time_zone":"Asia/Shanghai"}`,
	`{"profile":"default","idle_minutes":0,"login_hours":{"nope":"* 25:00-26:00"},"time_zone":"../../etc/passwd"}`,
	`{"name":"ci","roles":["sales_rep"],"expires_at":"2030-01-01T00:00:00Z"}`,
	`{"name":"Acme Ltd","industry":"retail","level":"A","region":"North","source":"web","phone":"+86 10 1234 5678","email":"info@acme.example","address":"1 Road","notes":"line 1\nline 2"}`,
	`{"name":"Li Wei","title":"CTO","phone":"138-0000-0000","email":"li@acme.example","notes":""}`,
	`{"name":"Renewal","amount":"1234.50","currency":"CNY","stage":"won","expected_close":"2025-12-31"}`,
	`{"type":"call","note":"intro","occurred_at":"2024-05-01T10:00:00Z"}`,
	`{"name":"r","criteria":{"all":[{"field":"region","op":"equals","value":"East"},{"any":[{"field":"level","op":"in","values":["A"]},{"field":"last_activity_at","op":"range","min":"2024-01-01T00:00:00Z"}]}]},"principal":{"type":"department","id":2,"include_subdepartments":true},"level":"read"}`,
	`{"name":"r","criteria":{"all":[{"all":[{"all":[{"all":[{"all":[{"field":"name","op":"prefix","value":"x"}]}]}]}]}]},"principals":[{"type":"user","id":1}]}`,
	`{"name":"p","departments":[1],"holding_cap":5,"cooldown_days":7,"auto_return_days":30}`,
	`{"principal":{"type":"group","id":3},"level":"edit","expires_at":"2030-01-01T00:00:00Z"}`,
	`{"department_id":4,"manager_id":0,"records":"stay","successor_id":7}`, `{"move_records":"follow"}`,
	`{"successor_id":5,"successors":[{"successor_id":6,"customer_ids":[1,2]}],"return_to_pool":true,"pool_id":2,"reports_to":0,"reason":"left"}`,
	`{"kind":"customer","customer_id":42,"level":"edit","reason":"covering Li's accounts","duration":"72h"}`,
	`{"kind":"role","role":"auditor","reason":"year-end audit","duration":"90d"}`, `{"comment":"ok for the audit"}`,
	`{"name":"four eyes","holdings":["customer.export","function:approve_exports"],"mode":"justify","description":"exporters do not approve"}`,
	`{"name":"x","holdings":["duty:system","duty:janitor","function:root","tenant.view",""],"mode":"warn"}`, `{"separation_of_duties":true}`,
	`{"role":"sales_director","reason":"cover","justification":"covering the director's leave"}`,
	`{"kind":"remove_role","user_id":7,"role":"exporter"}`,
	`{"kind":"narrow_role","role":"sales_rep","cells":[{"object":"contact","action":"delete","scope":"none"}],"functions":["manage_pools"]}`,
	`{"kind":"narrow_role","role":"x","user_id":3,"cells":[{"object":"tenant","action":"view","scope":"wide"},{"object":"tenant","action":"view","scope":"wide"}]}`,
	`{"name":"Q3 review","scope":{"departments":[2],"include_subdepartments":true,"functions":["export","approve_exports"],"kinds":["role","share"]},"reviewers":{"rule":"named","users":[4,5]},"deadline":"2030-01-01T00:00:00Z","undecided":"escalate","escalation_days":7,"fallback":"revoke","recurrence_days":90}`,
	`{"name":"r","scope":{"all":true,"roles":["x"]},"reviewers":{"rule":"boss","users":[0,0]},"deadline":"0001-01-01T00:00:00Z","undecided":"keep","escalation_days":-1}`,
	`{"decisions":[{"item_id":1,"decision":"certify"},{"item_id":2,"decision":"revoke","comment":"left the team"},{"item_id":1,"decision":"maybe"}]}`,
	`{"version":1,"roles":[{"key":"intern","name":"Intern","permissions":{"customer":{"view":"own"}},"fields":{"contact":{"phone":"masked"}},"reveal":{"contact":["phone"]}}],"pools":[{"name":"p","departments":[2],"holding_cap":5}]}`,
	`{"version":1,"sharing_rules":[{"name":"s","criteria":{"field":"level","op":"equals","value":"A"},"principal":{"role":"x","group":2},"level":"own"}],"restriction_rules":null}`,
	// wrong types, unknown, server-set and duplicate fields
	`{"name":5}`, `{"name":["a"]}`, `{"members":"1,2"}`, `{"parent_id":"1"}`, `{"occurred_at":"yesterday"}`,
	`{"nmae":"typo"}`, `{"owner_id":1,"name":"x"}`, `{"tenant_id":2}`, `{"id":1}`, `{"name":"a","name":"b"}`,
	`{"NAME":"case"}`, `{"permissions":[{"object":"customer","action":"view","scope":"own","extra":1}]}`,
	`{"permissions":[{"object":"customer","action":"view","scope":"own"},{"object":"customer","action":"view","scope":"all"}]}`,
	`{"permissions":[{"object":"tenant","action":"view","scope":"all"}],"functions":["root"]}`,
	// nesting, numbers, shapes
	`{"name":{"a":{"b":{"c":[[[[{}]]]]}}}}`, `[{"name":"x"}]`, `"name"`, `null`, ``, `{}`, `{"name":"x"}{"name":"y"}`,
	`{"parent_id":99999999999999999999999}`, `{"parent_id":1e400}`, `{"parent_id":-1}`, `{"owner_id":1.5}`,
	`{"amount":"999999999999999.99"}`, `{"amount":"-0.01"}`, `{"amount":1234.5}`, `{"amount":"1e3"}`,
	`{"occurred_at":"0001-01-01T00:00:00Z"}`, `{"occurred_at":"9999-12-31T23:59:59Z"}`, `{"expected_close":"2025-02-30"}`,
	// names that disguise themselves
	"{\"name\":\"Acme\u202Eetirw\"}", "{\"name\":\"a\\u0000b\"}", "{\"name\":\"\\u202e evil\"}", "{\"name\":\"tab\\there\"}",
	"{\"name\":\"\xff\xfe\"}", "{\"name\":\"\ufeffbom\"}", `{"email":"a@b"}`, `{"email":"\"quoted\"@acme.example"}`,
	`{"phone":"+++"}`, `{"roles":null,"manager_id":null}`, `{"type":null}`, `{"key":"x"}`, `{"key":"` + strings.Repeat("k", 41) + `"}`,
}

// FuzzDecodeBodies decodes arbitrary bytes into every request body type.
// Decoding and the domain checks after it may refuse the input, but only
// with an error that tells the client what is wrong: never a panic, never
// an internal error.
func FuzzDecodeBodies(f *testing.F) {
	for _, s := range bodySeeds {
		f.Add([]byte(s))
	}
	targets := bodyTargets()
	f.Fuzz(func(t *testing.T, body []byte) {
		for typ, tg := range targets {
			v := tg.fresh()
			if err := decodeBytes(body, v); err != nil {
				requireClientError(t, typ.String()+" decode", err)
				continue
			}
			requireClientError(t, typ.String()+" checks", tg.check(v))
		}
	})
}

// requireClientError fails unless err is nil or an *errs.Error that blames
// the input: a code, and a kind other than Internal.
func requireClientError(t *testing.T, what string, err error) *errs.Error {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := err.(*errs.Error)
	if !ok {
		t.Fatalf("%s: got %T %v, want an *errs.Error", what, err, err)
	}
	if e.Code == "" || e.Kind == errs.Internal {
		t.Fatalf("%s: got kind %d code %q (%v), want a client error with a code", what, e.Kind, e.Code, e)
	}
	return e
}

// FuzzCustomerListParams parses arbitrary query strings as customer list
// parameters. A refusal names a parameter of the query (which may be the
// empty name, as in "=0"); an acceptance stays within the whitelists the
// store builds SQL from.
func FuzzCustomerListParams(f *testing.F) {
	for _, s := range []string{
		"", "limit=10", "limit=0", "limit=201", "limit=-1", "limit=1e2", "limit=10&limit=20",
		"sort=name", "sort=-created_at", "sort=--name", "sort=-", "sort=id;DROP TABLE customers",
		"q=acme", "q=%00", "q=%E2%80%AE", "industry=retail&level=A&region=North&source=web",
		"owner_id=3", "owner_id=0", "owner_id=-3", "owner_id=99999999999999999999",
		"tenant_id=1", "password=x", "cursor=", "cursor=abc", "sort=name&cursor=bmFtZQBhADEAeA",
		"industry=" + strings.Repeat("x", 201), "level=%FF", "=0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return // the API refuses a malformed query string before this
		}
		q, err := service.CustomerList(v)
		if e := requireClientError(t, "CustomerList", err); e != nil {
			if _, given := v[e.Field]; !given {
				t.Fatalf("CustomerList(%q): error %v names no parameter of the query", raw, e)
			}
			return
		}
		checkCustomerQuery(t, raw, q)
	})
}

// checkCustomerQuery holds an accepted query to the whitelists.
func checkCustomerQuery(t *testing.T, raw string, q store.CustomerQuery) {
	t.Helper()
	if _, ok := store.SortColumns[q.Sort]; !ok {
		t.Fatalf("CustomerList(%q): got sort %q, want one of store.SortColumns", raw, q.Sort)
	}
	if q.Limit < 1 || q.Limit > 200 {
		t.Fatalf("CustomerList(%q): got limit %d, want 1..200", raw, q.Limit)
	}
	for k := range q.Equals {
		if !slices.Contains(store.FilterColumns, k) {
			t.Fatalf("CustomerList(%q): got filter on %q, want one of store.FilterColumns", raw, k)
		}
	}
}

// longNameCursor is a cursor as the list hands it out, sorted by name,
// after a customer whose name is the longest allowed (200 runes). The list
// must take back every cursor it gives out, so this seed must be accepted.
func longNameCursor() string {
	raw := "name\x00a\x0042\x00" + strings.Repeat("客", 200)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// FuzzCursor feeds arbitrary cursors to the customer list. A cursor the
// list did not give out is refused as invalid_cursor and nothing else.
func FuzzCursor(f *testing.F) {
	enc := base64.RawURLEncoding.EncodeToString
	for _, s := range []string{
		"", "x", "====", "bmFtZQ", enc([]byte("name\x00a\x001\x00Acme")), enc([]byte("name\x00d\x001\x00Acme")),
		enc([]byte("created_at\x00a\x001\x001700000000000000")), enc([]byte("name\x00a\x00notanid\x00Acme")),
		enc([]byte("name\x00a\x00-1\x00")), enc([]byte("name\x00a\x001")), enc([]byte("name\x00a\x001\x00a\x00b")),
		enc([]byte("name\x00a\x0099999999999999999999\x00x")), longNameCursor(),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		q, err := service.CustomerList(url.Values{"sort": {"name"}, "cursor": {cursor}})
		if e := requireClientError(t, "CustomerList", err); e != nil {
			if e.Code != "invalid_cursor" || e.Field != "cursor" {
				t.Fatalf("cursor %.80q (%d bytes): got code %q field %q, want invalid_cursor on cursor", cursor, len(cursor), e.Code, e.Field)
			}
			return
		}
		if cursor != "" && q.After == nil {
			t.Fatalf("cursor %q: accepted but not applied", cursor)
		}
	})
}

// checkField validates a field definition and, when it holds, a value of
// each kind a client may send for it.
func checkField(in service.FieldInput) error {
	f, err := service.FieldFromInput(in)
	if err != nil {
		return err
	}
	for _, v := range []any{"x", 1.5, true, []any{"a"}, nil} {
		if _, err := f.Check(v); err != nil && errs.As(err).Kind == errs.Internal {
			return err // the harness fails on anything but a client error
		}
	}
	return nil
}
