package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// Both engines must have the same migrations, in the same order.
func TestMigrationsMatch(t *testing.T) {
	a, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Version != b[i].Version || a[i].Name != b[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, a[i].Name, b[i].Name)
		}
	}
}

// TestConformance runs the same assertions on every engine.
func TestConformance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC)

		// Migrating again applies nothing.
		if n, err := db.Migrate(ctx); err != nil || n != 0 {
			t.Fatalf("second migrate: %d, %v", n, err)
		}

		var tn org.Tenant
		var root, sales, east org.Department
		var rep org.User
		var cust crm.Customer
		err := db.Write(ctx, func(tx *store.Tx) error {
			var err error
			if tn, err = tx.CreateTenant(ctx, "acme", "Acme", now); err != nil {
				return err
			}
			if root, err = tx.CreateDepartment(ctx, tn.ID, nil, "Acme", now); err != nil {
				return err
			}
			if sales, err = tx.CreateDepartment(ctx, tn.ID, &root, "Sales", now); err != nil {
				return err
			}
			if east, err = tx.CreateDepartment(ctx, tn.ID, &sales, "East", now); err != nil {
				return err
			}
			rep = org.User{Email: "rep@acme.example", Name: "Rep", DepartmentID: east.ID, Status: org.StatusActive}
			if err := tx.CreateUser(ctx, tn.ID, &rep, "hash", now); err != nil {
				return err
			}
			cust = crm.Customer{Name: "Globex", OwnerID: &rep.ID, OwnerDeptID: &east.ID, DeptPath: east.Path}
			return tx.CreateCustomer(ctx, tn.ID, &cust, now)
		})
		if err != nil {
			t.Fatal(err)
		}

		// Times round-trip to the microsecond, in UTC.
		err = db.Read(ctx, func(tx *store.Tx) error {
			got, err := tx.Customer(ctx, tn.ID, cust.ID)
			if err != nil {
				return err
			}
			if !got.CreatedAt.Equal(now) || got.CreatedAt.Location() != time.UTC {
				t.Errorf("created_at %v, want %v", got.CreatedAt, now)
			}
			if !slices.Equal(got.DeptPath, []int64{root.ID, sales.ID, east.ID}) {
				t.Errorf("dept path %v", got.DeptPath)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// Unique violations are conflicts; missing references are invalid input.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.CreateTenant(ctx, "acme", "Again", now)
			return err
		})
		if errs.KindOf(err) != errs.Conflict {
			t.Errorf("duplicate tenant slug: %v, want a conflict", err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			u := org.User{Email: "x@acme.example", Name: "X", DepartmentID: 987654, Status: org.StatusActive}
			return tx.CreateUser(ctx, tn.ID, &u, "h", now)
		})
		if e := errs.As(err); e.Code != "invalid_reference" {
			t.Errorf("user in a missing department: %v, want invalid_reference", err)
		}

		// A failed transaction leaves nothing behind.
		_ = db.Write(ctx, func(tx *store.Tx) error {
			c := crm.Customer{Name: "Ghost"}
			if err := tx.CreateCustomer(ctx, tn.ID, &c, now); err != nil {
				return err
			}
			return errs.E(errs.Invalid, "abort", "abort")
		})
		all := access.Filter{All: true}
		q := store.CustomerQuery{Sort: "name", Limit: 10}
		err = db.Read(ctx, func(tx *store.Tx) error {
			n, err := tx.CountCustomers(ctx, tn.ID, all, q)
			if n != 1 {
				t.Errorf("%d customers after a rolled-back insert, want 1", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// Moving a department rewrites its subtree's paths and its customers' ancestor columns.
		var west org.Department
		err = db.Write(ctx, func(tx *store.Tx) error {
			var err error
			if west, err = tx.CreateDepartment(ctx, tn.ID, &root, "West", now); err != nil {
				return err
			}
			return tx.MoveDepartment(ctx, tn.ID, sales, west, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Read(ctx, func(tx *store.Tx) error {
			e, err := tx.Department(ctx, tn.ID, east.ID)
			if err != nil {
				return err
			}
			want := []int64{root.ID, west.ID, sales.ID, east.ID}
			if !slices.Equal(e.Path, want) || e.Depth != 4 {
				t.Errorf("east after move: path %v depth %d, want %v depth 4", e.Path, e.Depth, want)
			}
			got, err := tx.Customer(ctx, tn.ID, cust.ID)
			if !slices.Equal(got.DeptPath, want) {
				t.Errorf("customer path after move: %v, want %v", got.DeptPath, want)
			}
			// The west subtree now finds the customer through its ancestor column.
			list, err := tx.Customers(ctx, tn.ID, access.Filter{Subtrees: []access.Subtree{{DeptID: west.ID, Depth: 2}}}, q)
			if len(list) != 1 {
				t.Errorf("west subtree lists %d customers, want 1", len(list))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// Rows of one tenant are invisible through another tenant's id.
		err = db.Read(ctx, func(tx *store.Tx) error {
			if _, err := tx.Customer(ctx, tn.ID+1000, cust.ID); errs.KindOf(err) != errs.NotFound {
				t.Errorf("customer through another tenant: %v", err)
			}
			n, err := tx.CountCustomers(ctx, tn.ID+1000, all, q)
			if n != 0 {
				t.Errorf("another tenant counts %d customers", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
