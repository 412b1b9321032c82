package server_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"steward/internal/store"
	"steward/internal/store/storetest"
)

// openNode opens a migrated database at dsn and a raw connection beside it.
func openNode(t *testing.T, e store.Engine) (*store.DB, *sql.DB) {
	t.Helper()
	dsn := storetest.DSN(t, e)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	driver, conn := "sqlite", strings.TrimPrefix(dsn, "sqlite:")
	if e == store.Postgres {
		driver, conn = "pgx", dsn
	}
	raw, err := sql.Open(driver, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, raw
}

// If the audit record cannot be written, the change fails and nothing of it stays.
func TestAuditFailureRollsBackTheChange(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db, raw := openNode(t, e)
			env := start(t, db)
			admin := env.tenant("acme")
			cust := admin.mkCustomer("Initech")
			trigger := []string{`CREATE TRIGGER audit_fail BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'injected fault'); END`}
			if e == store.Postgres {
				trigger = []string{`CREATE FUNCTION audit_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql`,
					`CREATE TRIGGER audit_fail BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_fail()`}
			}
			for _, q := range trigger {
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			for _, req := range []struct {
				method, path string
				body         any
			}{
				{"PATCH", p("/customers/%d", cust), map[string]any{"name": "Changed"}},
				{"POST", "/customers", map[string]any{"name": "New"}},
				{"PATCH", "/roles/sales_rep", map[string]any{"functions": []string{"view_audit"}}},
				{"DELETE", p("/customers/%d", cust), nil},
			} {
				if r := admin.do(req.method, req.path, req.body); r.status != 500 || r.errCode() != "internal" {
					t.Errorf("%s %s with audit failing: got %d %s, want 500", req.method, req.path, r.status, r.body)
				}
			}
			if _, err := raw.Exec(`DROP TRIGGER audit_fail` + map[bool]string{true: " ON audit_events", false: ""}[e == store.Postgres]); err != nil {
				t.Fatal(err)
			}
			var c struct{ Name string }
			admin.must("GET", p("/customers/%d", cust), nil, 200, &c)
			var cnt struct{ Count int64 }
			admin.must("GET", "/customers/count", nil, 200, &cnt)
			var role struct{ Functions []string }
			admin.must("GET", "/roles/sales_rep", nil, 200, &role)
			if c.Name != "Initech" || cnt.Count != 1 || len(role.Functions) != 0 {
				t.Errorf("changes survived a failed audit write: name %q, %d customers, functions %v", c.Name, cnt.Count, role.Functions)
			}
			var rep struct {
				OK bool `json:"ok"`
			}
			admin.must("GET", "/audit/verify", nil, 200, &rep)
			if !rep.OK {
				t.Errorf("trail does not verify after the failed writes")
			}
		})
	}
}

// The trail records changes with before and after, denied attempts and its
// own reading; only holders of view_audit may read it.
func TestAuditTrailContents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		o := newSalesOrg(e)
		cust := o.a.mkCustomer("Globex")
		o.a.must("PATCH", p("/customers/%d", cust), map[string]any{"phone": "13900001111", "notes": "secret note"}, 200, nil)
		o.a.must("POST", p("/customers/%d/shares", cust), map[string]any{"principal": map[string]any{"type": "user", "id": o.ids["w"]}, "level": "read", "reason": "bid"}, 201, nil)
		o.admin.must("POST", p("/users/%d/roles", o.ids["w"]), map[string]any{"role": "auditor", "reason": "Q3 review"}, 201, nil)
		if r := o.b.do("DELETE", p("/customers/%d", cust), nil); r.status != 404 {
			t.Fatalf("b deletes a's customer: %d", r.status)
		}
		if r := o.m.do("GET", "/audit/events", nil); r.status != 403 {
			t.Fatalf("manager reads the audit trail: %d", r.status)
		}

		type entry struct {
			Action, Outcome, TargetID string
			ActorID                   int64 `json:"actor_id"`
			Details                   map[string]any
		}
		var page struct{ Items []entry }
		o.admin.must("GET", "/audit/events?limit=1000", nil, 200, &page)
		byAction := map[string][]entry{}
		for _, en := range page.Items {
			byAction[en.Action] = append(byAction[en.Action], en)
		}
		upd := byAction["customer.update"]
		if len(upd) != 1 || upd[0].ActorID != o.ids["a"] || !strings.Contains(strings.Join(toStrings(upd[0].Details["fields"]), ","), "phone") {
			t.Errorf("customer.update entry: %+v", upd)
		}
		if len(byAction["share.add"]) != 1 || len(byAction["role.grant"]) < 1 || len(byAction["auth.login"]) < 5 {
			t.Errorf("missing entries: share.add %d, role.grant %d, auth.login %d", len(byAction["share.add"]), len(byAction["role.grant"]), len(byAction["auth.login"]))
		}
		if d := byAction["access.denied"]; len(d) != 1 || d[0].Outcome != "denied" || d[0].ActorID != o.ids["m"] {
			t.Errorf("denied attempt entries: %+v", d)
		}
		// No personal value reaches the trail.
		raw := o.admin.must("GET", "/audit/events?format=jsonl&limit=1000", nil, 200, nil).body
		for _, secret := range []string{"13900001111", "13812345678", "secret note", "Globex", "m@acme.example"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("the audit trail contains the personal value %q", secret)
			}
		}
		// Reading the trail is itself recorded.
		o.admin.must("GET", "/audit/events?action=audit.read", nil, 200, &page)
		if len(page.Items) < 2 {
			t.Errorf("audit reads recorded: %d", len(page.Items))
		}
		// Permission history of W: the share to W and the auditor role.
		o.admin.must("GET", p("/users/%d/permission-history", o.ids["w"]), nil, 200, &page)
		var acts []string
		for _, en := range page.Items {
			acts = append(acts, en.Action)
		}
		if !strings.Contains(strings.Join(acts, ","), "role.grant") || !strings.Contains(strings.Join(acts, ","), "share.add") {
			t.Errorf("w's permission history: %v", acts)
		}
		o.a.must("GET", p("/customers/%d/access-history", cust), nil, 200, &page)
		if len(page.Items) < 2 {
			t.Errorf("customer access history: %v", page.Items)
		}
	})
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
