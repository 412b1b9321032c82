package server_test

import (
	"context"
	"database/sql"
	"strconv"
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

// failInserts makes every insert into table fail, as a full disk or a
// broken constraint would, until the function it returns is called.
// when, if not empty, limits it to the rows it holds for (an SQL
// condition on NEW).
func failInserts(t *testing.T, e store.Engine, raw *sql.DB, table, when string) func() {
	t.Helper()
	cond := ""
	if when != "" {
		cond = ` WHEN (` + when + `)`
	}
	stmts := []string{`CREATE TRIGGER fail_inserts BEFORE INSERT ON ` + table + ` FOR EACH ROW` + cond + ` BEGIN SELECT RAISE(ABORT, 'injected fault'); END`}
	drop := `DROP TRIGGER fail_inserts`
	if e == store.Postgres {
		stmts = []string{`CREATE OR REPLACE FUNCTION fail_inserts() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER fail_inserts BEFORE INSERT ON ` + table + ` FOR EACH ROW` + cond + ` EXECUTE FUNCTION fail_inserts()`}
		drop += ` ON ` + table
	}
	for _, q := range stmts {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		t.Helper()
		if _, err := raw.Exec(drop); err != nil {
			t.Fatal(err)
		}
	}
}

// If the audit record cannot be written, the change fails and nothing of it stays.
func TestAuditFailureRollsBackTheChange(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db, raw := openNode(t, e)
			env := start(t, db)
			admin := env.tenant("acme")
			cust := admin.mkCustomer("Initech")
			heal := failInserts(t, e, raw, "audit_queue", "")
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
			heal()
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

// A change records its entry in the audit queue; if moving a tenant's
// entries onto the chain fails (here the chain's table refuses that
// tenant's rows), changes still succeed with their entries kept in the
// queue, readers of that tenant's trail fail rather than show less than
// what committed, other tenants' trails chain and read as ever, and once
// the fault is gone every entry is chained and the trails verify.
func TestAuditChainingFaultKeepsEntries(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db, raw := openNode(t, e)
			env := start(t, db)
			admin := env.tenant("acme")
			other := env.tenant("other")
			cust := admin.mkCustomer("Initech")
			admin.must("GET", "/audit/verify", nil, 200, nil) // chains what the set-up queued
			var acme int64
			if err := raw.QueryRow(`SELECT id FROM tenants WHERE slug = 'acme'`).Scan(&acme); err != nil {
				t.Fatal(err)
			}
			heal := failInserts(t, e, raw, "audit_events", "NEW.tenant_id = "+strconv.FormatInt(acme, 10))
			admin.must("PATCH", p("/customers/%d", cust), map[string]any{"name": "Changed"}, 200, nil)
			admin.must("POST", "/customers", map[string]any{"name": "New"}, 201, nil)
			other.mkCustomer("Globex")
			if r := admin.do("GET", "/audit/events", nil); r.status != 500 || r.errCode() != "internal" {
				t.Errorf("reading the trail while chaining fails: got %d %s, want 500", r.status, r.body)
			}
			// Another tenant's trail chains and reads as ever.
			var others struct {
				Items []struct{ Action string }
			}
			other.must("GET", "/audit/events?action=customer.create", nil, 200, &others)
			if len(others.Items) != 1 {
				t.Errorf("the other tenant reads %d customer.create entries while acme's fail to chain, want 1", len(others.Items))
			}
			var queued int
			if err := raw.QueryRow(`SELECT COUNT(*) FROM audit_queue WHERE action IN ('customer.update', 'customer.create')`).Scan(&queued); err != nil {
				t.Fatal(err)
			}
			if queued != 2 {
				t.Errorf("%d of acme's 2 acknowledged changes' entries are queued, want 2 (and none of the other tenant's)", queued)
			}
			heal()
			var page struct {
				Items []struct {
					Action   string
					TargetID string `json:"target_id"`
				}
			}
			admin.must("GET", "/audit/events?action=customer.update", nil, 200, &page)
			if len(page.Items) != 1 || page.Items[0].TargetID != strconv.FormatInt(cust, 10) {
				t.Errorf("after the fault, customer.update entries: %+v", page.Items)
			}
			var rep struct {
				OK      bool  `json:"ok"`
				Entries int64 `json:"entries"`
			}
			admin.must("GET", "/audit/verify", nil, 200, &rep)
			if !rep.OK {
				t.Errorf("trail does not verify after the fault: %+v", rep)
			}
			if err := raw.QueryRow(`SELECT COUNT(*) FROM audit_queue`).Scan(&queued); err != nil || queued != 0 {
				t.Errorf("%d entries left queued (%v)", queued, err)
			}
			other.must("GET", "/audit/verify", nil, 200, &rep)
			if !rep.OK {
				t.Errorf("the other tenant's trail does not verify: %+v", rep)
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
