package service_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// exportFixture is a tenant with an administrator, a sales department with
// a manager (export scope: department; phone read-only, e-mail masked by a
// custom role) and customers inside and outside that department.
type exportFixture struct {
	svc            *service.Service
	now            *time.Time
	tenant         int64
	admin, manager *service.Actor
	mine, other    []int64 // customers in the manager's department, and outside it
}

func newExportFixture(t *testing.T, e store.Engine) exportFixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, e)
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	f := exportFixture{svc: newService(db, &now), now: &now}
	t.Cleanup(f.svc.Wait)
	relaxed := service.DefaultSecurity()
	relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
	tn, admin, err := f.svc.CreateTenant(ctx, service.NewTenant{Slug: "exp", Name: "Export Test Co", AdminEmail: "a@exp.example",
		AdminPassword: "correct-horse-battery-staple", Security: &relaxed})
	if err != nil {
		t.Fatal(err)
	}
	f.tenant = tn.ID
	f.admin = must[*service.Actor](t)(f.svc.ActorFor(ctx, tn.ID, admin.ID))
	deptName := "Sales"
	dept := must[org.Department](t)(f.svc.CreateDepartment(ctx, f.admin, org.DepartmentInput{Name: &deptName, ParentID: &admin.DepartmentID}))
	// Managers here see e-mail addresses masked: a role beside the preset
	// that narrows nothing but adds no reveal either.
	key, name := "mgr_fields", "Manager fields"
	rules := []access.FieldRule{{Object: access.Customer, Field: "email", Access: access.FieldMasked}, {Object: access.Customer, Field: "phone", Access: access.FieldRead}}
	perms, fns := []access.Permission{}, []access.Function{}
	must[access.Role](t)(f.svc.SaveRole(ctx, f.admin, "", service.RoleInput{Key: &key, Name: &name, Permissions: &perms, Functions: &fns, Fields: &rules}))
	mgrRoles := []string{"sales_manager"}
	email, uname, pw := "m@exp.example", "Li Na", "another-long-pass-phrase"
	u := must[org.User](t)(f.svc.CreateUser(ctx, f.admin, org.UserInput{Email: &email, Name: &uname, Password: &pw, DepartmentID: &dept.ID, Roles: &mgrRoles}))
	f.manager = must[*service.Actor](t)(f.svc.ActorFor(ctx, tn.ID, u.ID))
	for i, n := range []string{"Alpha Ltd", "=HYPERLINK(\"http://evil.example\",\"x\")", "Gamma 公司"} {
		phone, mail := "1380000000"+string(rune('1'+i)), "buyer"+string(rune('a'+i))+"@client.example"
		c := must[crm.Customer](t)(f.svc.CreateCustomer(ctx, f.manager, crm.CustomerInput{Name: &n, Phone: &phone, Email: &mail}))
		f.mine = append(f.mine, c.ID)
	}
	// sales_manager gives e-mail edit through contactDetails; replace it
	// with the narrower custom role to see masking in the file.
	noFields := []access.FieldRule{}
	must[access.Role](t)(f.svc.SaveRole(ctx, f.admin, "sales_manager", service.RoleInput{Fields: &noFields}))
	if err := f.svc.GrantRole(ctx, f.admin, u.ID, service.RoleGrant{Role: key, Reason: "export test"}); err != nil {
		t.Fatal(err)
	}
	f.manager = must[*service.Actor](t)(f.svc.ActorFor(ctx, tn.ID, u.ID))
	outside := "Outside Co"
	f.other = append(f.other, must[crm.Customer](t)(f.svc.CreateCustomer(ctx, f.admin, crm.CustomerInput{Name: &outside})).ID)
	return f
}

// must unwraps a value and an error, failing the test on the error:
// must[T](t)(call()).
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestExportHoldsScopeAndFields: an export holds exactly the customers of
// the requester's export scope, masked fields masked, formula cells
// neutralised, a watermark line, and the SHA-256 the audit trail records;
// downloads are the requester's only, counted and limited.
func TestExportHoldsScopeAndFields(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			ex, err := f.svc.RequestExport(ctx, f.manager, service.ExportRequest{Object: "customer", Format: "csv", Reason: "call list"})
			if err != nil {
				t.Fatal(err)
			}
			f.svc.Wait()
			ex = mustExport(t, f.svc, f.manager, ex.ID, store.ExportDone)
			if ex.RowsWritten != int64(len(f.mine)) {
				t.Fatalf("rows: got %d, want the %d customers of the manager's department", ex.RowsWritten, len(f.mine))
			}
			file := download(t, f.svc, f.manager, ex.ID)
			sum := sha256.Sum256(file)
			if hex.EncodeToString(sum[:]) != ex.SHA256 {
				t.Fatal("the downloaded file's SHA-256 differs from the recorded one")
			}
			text := string(file)
			lines := strings.Split(strings.TrimPrefix(text, "\ufeff"), "\r\n")
			if !strings.HasPrefix(lines[0], "# ") || !strings.Contains(lines[0], "exp_") || !strings.Contains(lines[0], "Li Na") {
				t.Fatalf("first line is not the watermark: %q", lines[0])
			}
			for _, want := range []string{"13800000001", "b***@client.example", `'=HYPERLINK`} {
				if !strings.Contains(text, want) {
					t.Errorf("the file lacks %q:\n%s", want, text)
				}
			}
			for _, leak := range []string{"buyera@client.example", "Outside Co", "\n=HYPERLINK", ",=HYPERLINK"} {
				if strings.Contains(text, leak) {
					t.Errorf("the file holds %q, which it must not:\n%s", leak, text)
				}
			}
			// The audit trail records the hash with rows, filter and fields.
			entries := must[[]audit.Entry](t)(f.svc.AuditEvents(ctx, f.admin, store.AuditQuery{Action: "export.complete", Limit: 10}))
			if len(entries) != 1 {
				t.Fatalf("export.complete entries: got %d, want 1", len(entries))
			}
			var details struct {
				SHA256 string            `json:"sha256"`
				Rows   int64             `json:"rows"`
				Fields []string          `json:"fields"`
				Filter map[string]string `json:"filter"`
			}
			if err := json.Unmarshal(entries[0].Details, &details); err != nil || details.SHA256 != ex.SHA256 || details.Rows != ex.RowsWritten ||
				len(details.Fields) == 0 || details.Filter == nil {
				t.Fatalf("export.complete details: %s (%v)", entries[0].Details, err)
			}
			// Only the requester downloads; approvers are told so.
			if _, _, err := f.svc.DownloadExport(ctx, f.admin, ex.ID); errs.As(err).Code != "not_export_owner" {
				t.Fatalf("an approver downloading: got %v, want not_export_owner", err)
			}
			download(t, f.svc, f.manager, ex.ID)
			download(t, f.svc, f.manager, ex.ID)
			if _, _, err := f.svc.DownloadExport(ctx, f.manager, ex.ID); errs.As(err).Code != "download_unavailable" {
				t.Fatalf("a fourth download of three allowed: got %v", err)
			}
		})
	}
}

func mustExport(t *testing.T, svc *service.Service, a *service.Actor, id int64, status string) store.Export {
	t.Helper()
	e, err := svc.Export(context.Background(), a, id)
	if err != nil || e.Status != status {
		t.Fatalf("export %d: got %s (%s) %v, want %s", id, e.Status, e.Error, err, status)
	}
	return e
}

func download(t *testing.T, svc *service.Service, a *service.Actor, id int64) []byte {
	t.Helper()
	_, write, err := svc.DownloadExport(context.Background(), a, id)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestExportApprovalAndLimits: above the threshold an export waits; its
// requester cannot approve it; a refusal needs a reason; a role's row limit
// refuses a larger export outright; a field hidden from the requester
// cannot be asked for; the link expires and its file is deleted.
func TestExportApprovalAndLimits(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			set := service.DefaultExportSettings()
			set.ApprovalThreshold, set.RoleLimits = 2, map[string]int64{"sales_manager": 3, "mgr_fields": 1}
			must[store.ExportSettings](t)(f.svc.SaveExportSettings(ctx, f.admin, set))
			req := service.ExportRequest{Object: "customer", Format: "xlsx", Fields: []string{"name", "email"}}
			ex := must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, req))
			if ex.Status != store.ExportPending || ex.RowsTotal != 3 {
				t.Fatalf("3 rows over a threshold of 2: got %s with %d rows, want pending_approval", ex.Status, ex.RowsTotal)
			}
			// The manager holds approve_exports? No: sales_manager does not;
			// the administrator does, but not for their own exports.
			if _, err := f.svc.DecideExport(ctx, f.manager, ex.ID, true, ""); errs.As(err).Code != "forbidden" {
				t.Fatalf("the requester approving: got %v", err)
			}
			own := must[store.Export](t)(f.svc.RequestExport(ctx, f.admin, req))
			if _, err := f.svc.DecideExport(ctx, f.admin, own.ID, true, ""); errs.As(err).Code != "own_export" {
				t.Fatalf("an approver approving their own export: got %v, want own_export", err)
			}
			if _, err := f.svc.DecideExport(ctx, f.admin, ex.ID, false, " "); errs.As(err).Field != "reason" {
				t.Fatalf("a refusal without a reason: got %v", err)
			}
			must[store.Export](t)(f.svc.DecideExport(ctx, f.admin, ex.ID, true, "campaign"))
			f.svc.Wait()
			done := mustExport(t, f.svc, f.manager, ex.ID, store.ExportDone)
			if file := download(t, f.svc, f.manager, ex.ID); !bytes.HasPrefix(file, []byte("PK")) || done.Size != int64(len(file)) {
				t.Fatalf("the xlsx download is %d bytes starting %q, recorded %d", len(file), file[:min(4, len(file))], done.Size)
			}
			// A limit of 3 (the larger of the manager's roles) refuses 4 rows.
			extra := "Delta Ltd"
			must[crm.Customer](t)(f.svc.CreateCustomer(ctx, f.manager, crm.CustomerInput{Name: &extra}))
			if _, err := f.svc.RequestExport(ctx, f.manager, req); errs.As(err).Code != "export_row_limit" {
				t.Fatalf("4 rows over a limit of 3: got %v, want export_row_limit", err)
			}
			// Hidden fields cannot be asked for; unknown ones are refused.
			hidden := []access.FieldRule{{Object: access.Customer, Field: "notes", Access: access.FieldHidden}}
			must[access.Role](t)(f.svc.SaveRole(ctx, f.admin, "mgr_fields", service.RoleInput{Fields: &hidden}))
			must[access.Role](t)(f.svc.SaveRole(ctx, f.admin, "sales_manager", service.RoleInput{Fields: &hidden}))
			mgr := must[*service.Actor](t)(f.svc.ActorFor(ctx, f.tenant, f.manager.UserID))
			req.Fields = []string{"name", "notes"}
			if _, err := f.svc.RequestExport(ctx, mgr, req); errs.As(err).Code != "field_not_readable" || errs.As(err).Field != "notes" {
				t.Fatalf("exporting a hidden field: got %v", err)
			}
			// After the link's hours the file is gone and cannot be fetched.
			*f.now = f.now.Add(25 * time.Hour)
			if n := must[int64](t)(f.svc.ExpireExports(ctx)); n != 1 {
				t.Fatalf("expired exports: got %d, want 1", n)
			}
			if _, _, err := f.svc.DownloadExport(ctx, f.manager, ex.ID); errs.As(err).Code != "download_unavailable" {
				t.Fatalf("downloading an expired export: got %v", err)
			}
		})
	}
}

// TestExportTakeover: a running export whose node stopped sending
// heartbeats is run again by whichever node polls next, once; a live one
// is left alone.
func TestExportTakeover(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			ex := must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, service.ExportRequest{Object: "customer", Format: "csv"}))
			f.svc.Wait()
			mustExport(t, f.svc, f.manager, ex.ID, store.ExportDone)
			// A queued export left behind by a node that stopped before running it.
			set := service.DefaultExportSettings()
			set.ApprovalThreshold = 0
			must[store.ExportSettings](t)(f.svc.SaveExportSettings(ctx, f.admin, set))
			held := must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, service.ExportRequest{Object: "customer", Format: "csv"}))
			if err := f.svc.DB.Write(ctx, func(tx *store.Tx) error {
				return tx.DecideExport(ctx, f.tenant, held.ID, f.admin.UserID, store.ExportQueued, "", *f.now)
			}); err != nil {
				t.Fatal(err)
			}
			if n := must[int](t)(f.svc.RunPendingExports(ctx)); n != 1 {
				t.Fatalf("pending exports run: got %d, want 1", n)
			}
			mustExport(t, f.svc, f.manager, held.ID, store.ExportDone)
			if n := must[int](t)(f.svc.RunPendingExports(ctx)); n != 0 {
				t.Fatalf("a second poll ran %d exports, want none", n)
			}
			// A node claims an export and dies: while its heartbeat is fresh
			// nobody else runs it; once stale, the next poll does.
			dead := must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, service.ExportRequest{Object: "customer", Format: "csv"}))
			if err := f.svc.DB.Write(ctx, func(tx *store.Tx) error {
				if err := tx.DecideExport(ctx, f.tenant, dead.ID, f.admin.UserID, store.ExportQueued, "", *f.now); err != nil {
					return err
				}
				_, err := tx.ClaimExport(ctx, f.tenant, dead.ID, *f.now, f.now.Add(-time.Hour))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			*f.now = f.now.Add(time.Minute)
			if n := must[int](t)(f.svc.RunPendingExports(ctx)); n != 0 {
				t.Fatalf("a poll took over an export with a fresh heartbeat (%d)", n)
			}
			*f.now = f.now.Add(2 * time.Minute)
			if n := must[int](t)(f.svc.RunPendingExports(ctx)); n != 1 {
				t.Fatalf("a poll after the heartbeat went stale ran %d exports, want 1", n)
			}
			mustExport(t, f.svc, f.manager, dead.ID, store.ExportDone)
		})
	}
}

// TestExportSizeHoldsAtRunTime: an export that grows past what its approver
// saw while it waited fails instead of writing the extra rows, and so does
// one past the requester's row limit as it runs.
func TestExportSizeHoldsAtRunTime(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			set := service.DefaultExportSettings()
			set.ApprovalThreshold, set.RoleLimits = 2, map[string]int64{}
			must[store.ExportSettings](t)(f.svc.SaveExportSettings(ctx, f.admin, set))
			req := service.ExportRequest{Object: "customer", Format: "csv"}
			ex := must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, req))
			extra := "Late Co"
			must[crm.Customer](t)(f.svc.CreateCustomer(ctx, f.manager, crm.CustomerInput{Name: &extra}))
			must[store.Export](t)(f.svc.DecideExport(ctx, f.admin, ex.ID, true, "3 rows, fine"))
			f.svc.Wait()
			if got := must[store.Export](t)(f.svc.Export(ctx, f.manager, ex.ID)); got.Status != store.ExportFailed || got.Error != "export_grown" {
				t.Fatalf("an export grown past its approval: got %s (%s)", got.Status, got.Error)
			}
			// Queued under a limit of 10, run after the limit became 3.
			set.ApprovalThreshold, set.RoleLimits = 100, map[string]int64{"sales_manager": 10, "mgr_fields": 10}
			must[store.ExportSettings](t)(f.svc.SaveExportSettings(ctx, f.admin, set))
			var queued store.Export
			if err := f.svc.DB.Write(ctx, func(tx *store.Tx) error {
				queued = store.Export{TenantID: f.tenant, UserID: f.manager.UserID, Object: "customer", Format: "csv", Filter: map[string]string{},
					Fields: []string{"name"}, Status: store.ExportQueued, RowsTotal: 4, MaxDownloads: 3, CreatedAt: *f.now}
				return tx.CreateExport(ctx, &queued)
			}); err != nil {
				t.Fatal(err)
			}
			set.RoleLimits = map[string]int64{"sales_manager": 3, "mgr_fields": 3}
			must[store.ExportSettings](t)(f.svc.SaveExportSettings(ctx, f.admin, set))
			must[int](t)(f.svc.RunPendingExports(ctx))
			if got := must[store.Export](t)(f.svc.Export(ctx, f.manager, queued.ID)); got.Status != store.ExportFailed || got.Error != "export_row_limit" {
				t.Fatalf("an export over the limit as it runs: got %s (%s)", got.Status, got.Error)
			}
		})
	}
}

// TestContactExport: a contact export holds the contacts of the customers
// of the requester's contact export scope, their fields as the requester
// sees them (phone and e-mail masked by default), and nothing else.
func TestContactExport(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			add := func(a *service.Actor, customer int64, name, phone string) {
				must[crm.Contact](t)(f.svc.SaveContact(ctx, a, customer, 0, crm.ContactInput{Name: &name, Phone: &phone}))
			}
			add(f.admin, f.mine[0], "Zhou Min", "13912340001")
			add(f.admin, f.mine[1], "Wu Fang", "13912340002")
			add(f.admin, f.other[0], "Outside Person", "13912340003")
			ex := must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, service.ExportRequest{Object: "contact", Format: "csv"}))
			if ex.RowsTotal != 2 {
				t.Fatalf("contacts counted: %d, want 2", ex.RowsTotal)
			}
			f.svc.Wait()
			mustExport(t, f.svc, f.manager, ex.ID, store.ExportDone)
			text := string(download(t, f.svc, f.manager, ex.ID))
			for _, want := range []string{"id,customer_id,created_at,name,title,phone,email,notes", "Zhou Min", "139****0001", "Wu Fang"} {
				if !strings.Contains(text, want) {
					t.Errorf("the contact export lacks %q:\n%s", want, text)
				}
			}
			for _, leak := range []string{"13912340001", "Outside Person", "13912340003"} {
				if strings.Contains(text, leak) {
					t.Errorf("the contact export holds %q:\n%s", leak, text)
				}
			}
		})
	}
}
