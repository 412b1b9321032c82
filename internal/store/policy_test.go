package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// What applying a policy document needs of the store, on every engine:
// active users; who was ever assigned a role; the first holder of a role.
func TestPolicyStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		err := db.Write(ctx, func(tx *store.Tx) error {
			tn, err := tx.CreateTenant(ctx, "acme", "Acme", now)
			if err != nil {
				return err
			}
			root, err := tx.CreateDepartment(ctx, tn.ID, nil, "Acme", now)
			if err != nil {
				return err
			}
			var ids []int64
			for _, st := range []string{org.StatusActive, org.StatusSuspended, org.StatusActive} {
				u := org.User{Email: st + string(rune('a'+len(ids))) + "@acme.example", Name: "U", DepartmentID: root.ID, Status: st}
				if err := tx.CreateUser(ctx, tn.ID, &u, "h", now); err != nil {
					return err
				}
				ids = append(ids, u.ID)
			}
			admin := access.Role{Key: "administrator", Name: "Admin", Functions: []access.Function{}}
			if err := tx.SaveRole(ctx, tn.ID, &admin, now); err != nil {
				return err
			}
			past := now.Add(-time.Hour)
			for i, id := range ids {
				a := store.Assignment{UserID: id, RoleID: admin.ID}
				if i == 0 {
					a.ExpiresAt = &past // expired: still an assignee, not a holder
				}
				if err := tx.Assign(ctx, tn.ID, &a, now); err != nil {
					return err
				}
			}
			if got, err := tx.RoleAssignees(ctx, tn.ID, admin.ID); err != nil || !slices.Equal(got, ids) {
				t.Errorf("assignees: got %v %v, want %v", got, err, ids)
			}
			if got, err := tx.FirstHolder(ctx, tn.ID, "administrator", now); err != nil || got != ids[2] {
				t.Errorf("first holder: got %d %v, want %d (the first is expired, the second suspended)", got, err, ids[2])
			}
			if _, err := tx.FirstHolder(ctx, tn.ID, "nobody", now); errs.KindOf(err) != errs.NotFound {
				t.Errorf("first holder of a role nobody holds: got %v, want not found", err)
			}
			active, err := tx.ActiveUsers(ctx, tn.ID)
			if err != nil || len(active) != 2 || active[0].ID != ids[0] || active[1].ID != ids[2] {
				t.Errorf("active users: got %+v %v", active, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
