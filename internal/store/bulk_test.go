package store_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

var bulkNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// bulkFixture is a migrated database with a tenant, its root department and
// one user, plus a plain connection for reading the catalog.
type bulkFixture struct {
	db     *store.DB
	raw    *sql.DB
	engine store.Engine
	tenant int64
	root   org.Department
	user   org.User
}

func newBulkFixture(t *testing.T, e store.Engine) bulkFixture {
	t.Helper()
	ctx := context.Background()
	dsn := storetest.DSN(t, e)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	driver, source := "pgx", dsn
	if e == store.SQLite {
		driver, source = "sqlite", strings.TrimPrefix(dsn, "sqlite:")
	}
	raw, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	f := bulkFixture{db: db, raw: raw, engine: e}
	err = db.Write(ctx, func(tx *store.Tx) error {
		tn, err := tx.CreateTenant(ctx, "acme", "Acme", bulkNow)
		if err != nil {
			return err
		}
		f.tenant = tn.ID
		if f.root, err = tx.CreateDepartment(ctx, tn.ID, nil, "Acme", bulkNow); err != nil {
			return err
		}
		f.user = org.User{Email: "rep@acme.example", Name: "Rep", DepartmentID: f.root.ID, Status: org.StatusActive}
		return tx.CreateUser(ctx, tn.ID, &f.user, "hash", bulkNow)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// indexes returns the catalog's definitions of the secondary indexes of
// customers and contacts (not those of their primary keys), by name.
func (f bulkFixture) indexes(t *testing.T) []string {
	t.Helper()
	q := `SELECT name || ': ' || sql FROM sqlite_master
		WHERE type = 'index' AND tbl_name IN ('customers', 'contacts') AND sql IS NOT NULL ORDER BY name`
	if f.engine == store.Postgres {
		q = `SELECT indexname || ': ' || indexdef FROM pg_indexes
			WHERE schemaname = current_schema() AND tablename IN ('customers', 'contacts')
			AND indexname NOT LIKE '%\_pkey' ORDER BY indexname`
	}
	rows, err := f.raw.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// customers returns n bulk customers of the fixture's user, ids from first.
func (f bulkFixture) customers(first int64, n int) []store.BulkCustomer {
	out := make([]store.BulkCustomer, n)
	for i := range out {
		out[i] = store.BulkCustomer{ID: first + int64(i), Name: "Customer", OwnerID: f.user.ID, DeptPath: f.root.Path,
			CreatedAt: bulkNow, LastActivityAt: bulkNow.Add(time.Duration(i) * time.Second)}
	}
	return out
}

// A load leaves exactly the migrated indexes, whether it rebuilds them and
// finishes, fails halfway (Close rebuilds what is still dropped), or is too
// small to drop them and finds one that a killed earlier load left dropped.
func TestBulkIndexes(t *testing.T) {
	for _, c := range []struct {
		name   string
		plan   int
		killed string // an index dropped before the load
		finish bool
		during int // indexes during the load
	}{
		{name: "finished", plan: 100, finish: true},
		{name: "abandoned", plan: 100},
		{name: "repairing", killed: "customers_owner", finish: true, during: 17},
	} {
		t.Run(c.name, func(t *testing.T) {
			eachEngine(t, func(t *testing.T, e store.Engine) {
				ctx := context.Background()
				f := newBulkFixture(t, e)
				migrated := f.indexes(t)
				// PostgreSQL has the trigram index on names too, made by a
				// migration step, not a statement: a load keeps it.
				want, kept := 18, 0
				if e == store.Postgres {
					want, kept = 19, 1
				}
				if len(migrated) != want {
					t.Fatalf("migrated indexes: got %d, want the 14 of customers and 4 of contacts (and the trigram index on PostgreSQL)", len(migrated))
				}
				if c.killed != "" {
					if _, err := f.raw.Exec(`DROP INDEX ` + c.killed); err != nil {
						t.Fatal(err)
					}
				}
				load, err := f.db.BeginBulk(ctx, f.tenant, store.BulkPlan{Customers: c.plan})
				if err != nil {
					t.Fatal(err)
				}
				if got := f.indexes(t); len(got) != c.during+kept {
					t.Errorf("during the load: got %d indexes, want %d", len(got), c.during+kept)
				}
				first, err := load.ReserveIDs(ctx, "customers", 100)
				if err != nil {
					t.Fatal(err)
				}
				if err := load.Customers(ctx, f.customers(first, 100)); err != nil {
					t.Fatal(err)
				}
				if c.finish {
					if err := load.BuildIndexes(ctx); err != nil {
						t.Fatal(err)
					}
					if err := load.Analyze(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if err := load.Close(ctx); err != nil {
					t.Fatal(err)
				}
				if got := f.indexes(t); !slices.Equal(got, migrated) {
					t.Errorf("after the load: got indexes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(migrated, "\n"))
				}
			})
		})
	}
}

// Reserved ids are never handed out again, by the load or by the ordinary
// inserts after it, and the loaded rows read back as the store writes them.
func TestBulkReserveIDs(t *testing.T) {
	eachEngine(t, func(t *testing.T, e store.Engine) {
		ctx := context.Background()
		f := newBulkFixture(t, e)
		load, err := f.db.BeginBulk(ctx, f.tenant, store.BulkPlan{})
		if err != nil {
			t.Fatal(err)
		}
		a, errA := load.ReserveIDs(ctx, "customers", 10)
		b, errB := load.ReserveIDs(ctx, "customers", 5)
		if errA != nil || errB != nil || b < a+10 {
			t.Fatalf("two reservations: got %d (%v) and %d (%v), want disjoint blocks", a, errA, b, errB)
		}
		if err := load.Customers(ctx, append(f.customers(a, 10), f.customers(b, 5)...)); err != nil {
			t.Fatal(err)
		}
		if err := load.Close(ctx); err != nil {
			t.Fatal(err)
		}
		var later crm.Customer
		err = f.db.Write(ctx, func(tx *store.Tx) error {
			later = crm.Customer{Name: "Later", OwnerID: &f.user.ID, OwnerDeptID: &f.root.ID, DeptPath: f.root.Path}
			return tx.CreateCustomer(ctx, f.tenant, &later, bulkNow)
		})
		if err != nil || later.ID < b+5 {
			t.Fatalf("insert after the load: got id %d (%v), want one after %d", later.ID, err, b+4)
		}
		var n int64
		err = f.db.Read(ctx, func(tx *store.Tx) error {
			c, err := tx.Customer(ctx, f.tenant, a+3)
			if err == nil && (c.OwnerDeptID == nil || *c.OwnerDeptID != f.root.ID || !slices.Equal(c.DeptPath, f.root.Path)) {
				t.Errorf("loaded customer: owner department %v, path %v; want %d, %v", c.OwnerDeptID, c.DeptPath, f.root.ID, f.root.Path)
			}
			n, _ = tx.CountCustomers(ctx, f.tenant, access.Filter{OwnerIDs: []int64{f.user.ID}}, store.CustomerQuery{})
			return err
		})
		if err != nil || n != 16 {
			t.Errorf("customers of the user: got %d (%v), want 16", n, err)
		}
	})
}

// Bad rows fail with Steward's errors, not the driver's.
func TestBulkErrors(t *testing.T) {
	eachEngine(t, func(t *testing.T, e store.Engine) {
		ctx := context.Background()
		f := newBulkFixture(t, e)
		load, err := f.db.BeginBulk(ctx, f.tenant, store.BulkPlan{})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := load.Close(ctx); err != nil {
				t.Errorf("close after errors: %v", err)
			}
		}()
		bad := store.BulkDepartment{ID: 999, ParentID: f.root.ID, Name: "Bad", Path: []int64{f.root.ID, 998}}
		if err := load.Departments(ctx, []store.BulkDepartment{bad}, bulkNow); errs.As(err).Code != "invalid_department" {
			t.Errorf("department with a wrong path: got %v, want invalid_department", err)
		}
		orphan := f.customers(1_000_000, 1)
		orphan[0].OwnerID = 424242
		if err := load.Customers(ctx, orphan); errs.As(err).Code != "invalid_reference" {
			t.Errorf("customer of a missing owner: got %v, want invalid_reference", err)
		}
		if _, err := load.ReserveIDs(ctx, "deals", 1); err == nil {
			t.Error("reserving deal ids: got no error, want one")
		}
	})
}

// eachEngine runs fn as one subtest per engine; the fixture opens its own
// database, as it also needs a plain connection to it.
func eachEngine(t *testing.T, fn func(t *testing.T, e store.Engine)) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) { fn(t, e) })
	}
}
