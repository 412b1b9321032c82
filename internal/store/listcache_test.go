package store

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
)

// TestListStatementsPrepared: a list query runs unprepared the first time,
// prepared afterwards, with the same rows; statements pushed out of the
// cache while transactions use them are closed without breaking anyone.
func TestListStatementsPrepared(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var tenantID int64
	err = db.Write(ctx, func(tx *Tx) error {
		if err := tx.tx.QueryRowContext(ctx, `INSERT INTO tenants (slug, name, created_at) VALUES ('t', 'T', 0) RETURNING id`).Scan(&tenantID); err != nil {
			return err
		}
		for i := range 300 {
			c := crm.Customer{Name: "C", LastActivityAt: now.Add(time.Duration(i) * time.Minute)}
			if err := tx.CreateCustomer(ctx, tenantID, &c, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Each owner id list makes its own statement text: more texts than the
	// cache holds, so that it evicts.
	list := func(n int) []int64 {
		owners := []int64{}
		for i := range n % 20 {
			owners = append(owners, int64(1000+i))
		}
		f := access.Filter{OwnerIDs: owners, Pools: []int64{int64(n)}, DeptIDs: []int64{int64(n)}}
		if n%3 == 0 {
			f = access.Filter{All: true, Exclude: []access.Criteria{{Field: "name", Op: "equals", Value: "Z"}}}
		}
		var ids []int64
		err := db.Read(ctx, func(tx *Tx) error {
			cs, err := tx.Customers(ctx, tenantID, f, CustomerQuery{Sort: "last_activity_at", Desc: true, Limit: 7})
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			return err
		})
		if err != nil {
			t.Fatalf("list %d: %v", n, err)
		}
		return ids
	}
	first := list(0)
	if len(first) != 7 {
		t.Fatalf("first page has %d rows", len(first))
	}
	if db.lists.entries.Len() != 1 {
		t.Fatalf("after one list, %d statements are prepared, want 1", db.lists.entries.Len())
	}
	if again := list(0); !slices.Equal(again, first) {
		t.Fatalf("prepared list %v differs from unprepared %v", again, first)
	}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range listStmtsSize + 40 {
				if got := list(n + w); (n+w)%3 == 0 && !slices.Equal(got, first) {
					t.Errorf("list %d: %v, want %v", n+w, got, first)
				}
			}
		}()
	}
	wg.Wait()
	if n := db.lists.entries.Len(); n > listStmtsSize {
		t.Fatalf("%d statements cached, more than %d", n, listStmtsSize)
	}
}
