package service_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"steward/internal/crm"
	"steward/internal/demo"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// Deleting a tenant destroys its data keys and then every row it has, in
// every table that holds tenants' rows (the schema is read to find them
// all), on both engines; nobody signs in to it again, its slug is not
// taken again, and another tenant is untouched.
func TestDeleteTenant(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db, dsn := storetest.OpenAt(t, e)
			raw := rawDB(t, e, dsn)
			now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			svc := newService(db, &now)
			t.Cleanup(svc.Wait)
			if _, err := demo.Seed(ctx, svc); err != nil {
				t.Fatal(err)
			}
			var demoID int64
			if err := raw.QueryRow(`SELECT id FROM tenants WHERE slug = $1`, demo.Tenant).Scan(&demoID); err != nil {
				t.Fatal(err)
			}
			res := must[service.LoginResult](t)(svc.Login(ctx, demo.Tenant, "admin@demo.example", demo.Password))
			admin := must[*service.Actor](t)(svc.Authenticate(ctx, res.Token))
			var someCustomer int64
			if err := raw.QueryRow(`SELECT MIN(id) FROM customers WHERE tenant_id = $1`, demoID).Scan(&someCustomer); err != nil {
				t.Fatal(err)
			}
			must[store.LegalHold](t)(svc.PlaceLegalHold(ctx, admin, someCustomer, "litigation"))
			must[store.PrivacyRequest](t)(svc.CreatePrivacyRequest(ctx, admin, service.PrivacyRequestInput{Kind: "access", SubjectType: "customer", SubjectID: someCustomer}))

			other, otherAdmin, err := svc.CreateTenant(ctx, service.NewTenant{Slug: "other", Name: "Other Co", AdminEmail: "a@other.example",
				AdminPassword: "correct-horse-battery-staple"})
			if err != nil {
				t.Fatal(err)
			}
			oa := must[*service.Actor](t)(svc.ActorFor(ctx, other.ID, otherAdmin.ID))
			name, phone := "Kept Ltd", "+86 138 0000 4242"
			kept := must[crm.Customer](t)(svc.CreateCustomer(ctx, oa, crm.CustomerInput{Name: &name, Phone: &phone}))

			tables := tenantTables(t, e, raw)
			for _, table := range tables {
				if !slices.Contains(store.TenantTables, table) {
					t.Errorf("table %s holds tenants' rows and is not in store.TenantTables", table)
				}
			}
			// Part of the demo's trail chained, part still queued.
			if _, err := svc.ChainAudit(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(`INSERT INTO audit_queue (tenant_id, at, actor_type, actor_id, session_id, source_ip, action, target_type, target_id,
				outcome, details, request_id) VALUES ($1, 0, 'system', 0, 0, '', 'test.queued', '', '', 'success', '{}', '')`, demoID); err != nil {
				t.Fatal(err)
			}
			before := map[string]int{}
			for _, table := range []string{"customers", "contacts", "activities", "users", "departments", "data_keys", "audit_events", "audit_queue", "legal_holds", "privacy_requests"} {
				before[table] = countRows(t, raw, table, demoID)
				if before[table] == 0 {
					t.Fatalf("the demo tenant has no %s: the test deletes nothing there", table)
				}
			}

			d, err := svc.DeleteTenant(ctx, demo.Tenant, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d.KeysDestroyed != int64(before["data_keys"]) || d.Rows["customers"] != int64(before["customers"]) {
				t.Errorf("deletion report: %+v; before: %v", d, before)
			}
			for _, table := range tables {
				if n := countRows(t, raw, table, demoID); n != 0 {
					t.Errorf("%s still holds %d rows of the deleted tenant", table, n)
				}
			}
			var tombstone sql.NullInt64
			if err := raw.QueryRow(`SELECT deleted_at FROM tenants WHERE id = $1`, demoID).Scan(&tombstone); err != nil || !tombstone.Valid {
				t.Errorf("the tenant's row: deleted_at %v, %v", tombstone, err)
			}
			if _, err := svc.Login(ctx, demo.Tenant, "admin@demo.example", demo.Password); errs.As(err) == nil {
				t.Error("signing in to the deleted tenant succeeded")
			}
			if _, err := svc.DeleteTenant(ctx, demo.Tenant, nil); errs.KindOf(err) != errs.NotFound {
				t.Errorf("deleting it again: %v", err)
			}
			_, _, err = svc.CreateTenant(ctx, service.NewTenant{Slug: demo.Tenant, Name: "Again", AdminEmail: "a@again.example",
				AdminPassword: "correct-horse-battery-staple"})
			if errs.As(err) == nil || errs.As(err).Code != "tenant_exists" {
				t.Errorf("a new tenant with the deleted one's slug: %v", err)
			}
			// Resuming a finished deletion deletes nothing more and fails nothing.
			again := must[service.TenantDeletion](t)(svc.ResumeTenantDeletion(ctx, demoID, nil))
			for table, n := range again.Rows {
				if n != 0 {
					t.Errorf("resuming deleted %d more rows of %s", n, table)
				}
			}

			if err := db.Read(ctx, func(tx *store.Tx) error {
				c, err := tx.Customer(ctx, other.ID, kept.ID)
				if err == nil && c.Phone != phone {
					t.Errorf("the other tenant's customer reads %q", c.Phone)
				}
				return err
			}); err != nil {
				t.Fatalf("the other tenant after the deletion: %v", err)
			}
		})
	}
}

// tenantTables lists, from the schema, the tables with a tenant_id
// column, and the two that hang off one without it.
func tenantTables(t *testing.T, e store.Engine, raw *sql.DB) []string {
	t.Helper()
	q := `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'tenant_id' ORDER BY 1`
	if e == store.Postgres {
		q = `SELECT table_name FROM information_schema.columns WHERE column_name = 'tenant_id' AND table_schema = current_schema() ORDER BY 1`
	}
	rows, err := raw.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []string{"export_chunks", "review_generation"}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if len(out) < 40 {
		t.Fatalf("found only %d tables with tenant_id: %v", len(out), out)
	}
	return out
}

func countRows(t *testing.T, raw *sql.DB, table string, tenantID int64) int {
	t.Helper()
	where := `tenant_id = $1`
	switch table {
	case "export_chunks":
		where = `export_id IN (SELECT id FROM exports WHERE tenant_id = $1)`
	case "review_generation":
		where = `campaign_id IN (SELECT id FROM review_campaigns WHERE tenant_id = $1)`
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE `+where, tenantID).Scan(&n); err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	return n
}
