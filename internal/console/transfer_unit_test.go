package console

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fields"
)

// An empty role limit means none and leaves the role out; a bad number is
// refused naming its input; a huge count cannot wrap into an allowed one.
func TestExportSettingsInput(t *testing.T) {
	in := url.Values{"approval_threshold": {" 500 "}, "link_hours": {"48"}, "max_downloads": {"99999999999999"},
		"role_limits.sales_rep": {""}, "role_limits.marketing": {"100"}, "csrf": {"x"}}
	st, err := exportSettingsInput(in)
	if err != nil {
		t.Fatal(err)
	}
	if st.ApprovalThreshold != 500 || st.LinkHours != 48 || st.MaxDownloads != 1<<30 || !onlyLimit(st.RoleLimits, "marketing", 100) {
		t.Errorf("got %+v; want 500, 48, 1<<30 and only marketing at 100", st)
	}
	in.Set("role_limits.marketing", "lots")
	if _, err := exportSettingsInput(in); errs.As(err).Field != "role_limits.marketing" {
		t.Errorf("a limit of %q: %v, want an error on role_limits.marketing", "lots", err)
	}
}

func onlyLimit(m map[string]int64, key string, want int64) bool { return len(m) == 1 && m[key] == want }

// The import template offers only columns the user may edit, and the
// contact columns only to those who may import contacts.
func TestImportColumns(t *testing.T) {
	role := access.Role{Key: "importer", Permissions: []access.Permission{{Object: access.Customer, Action: access.Import, Scope: access.Own}},
		Fields: []access.FieldRule{{Object: access.Customer, Field: "notes", Access: access.FieldRead}}}
	sub := access.NewSubject(access.SubjectFacts{Roles: []access.Role{role}, Fields: fields.NewCatalogue(nil).Refs(), Now: time.Now()})
	got := importColumns(sub)
	want := []string{"name", "industry", "level", "region", "source"} // phone, e-mail and address are sensitive: masked
	if !slices.Equal(got, want) {
		t.Errorf("columns %q, want %q", got, want)
	}
	role.Permissions = append(role.Permissions, access.Permission{Object: access.Contact, Action: access.Import, Scope: access.Own})
	role.Fields = append(role.Fields, access.FieldRule{Object: access.Contact, Field: access.AllFields, Access: access.FieldEdit})
	sub = access.NewSubject(access.SubjectFacts{Roles: []access.Role{role}, Fields: fields.NewCatalogue(nil).Refs(), Now: time.Now()})
	if got := importColumns(sub); !slices.Contains(got, "contact_phone") || slices.Contains(got, "notes") {
		t.Errorf("with contact import: %q, want contact_phone and no notes", got)
	}
}

// A key in two parts of the catalogue is a mistake the package refuses to
// start with.
func TestJoinCataloguesRefusesDuplicates(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("joining two catalogues with one key did not panic")
		}
	}()
	joinCatalogues(map[string][2]string{"a": {"A", "甲"}}, map[string][2]string{"a": {"B", "乙"}})
}
