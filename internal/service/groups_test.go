package service_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"steward/internal/org"
	"steward/internal/store/storetest"
)

// One administrator adds a member while another removes a different one:
// each change is made from the members as they stand in its own
// transaction, with the group held, so neither undoes the other, on both
// engines (writing back a list read earlier put a removed member back).
func TestGroupMemberChangesDoNotUndoEachOther(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			a, b := f.admin.UserID, f.manager.UserID
			name := "Key accounts"
			for round := range 10 {
				g := must[org.Group](t)(f.svc.SaveGroup(ctx, f.admin, 0, org.GroupInput{Name: &name, Members: &[]int64{a}}))
				name += "+"
				var wg sync.WaitGroup
				errc := make(chan error, 2)
				wg.Add(2)
				go func() { defer wg.Done(); _, err := f.svc.AddGroupMember(ctx, f.admin, g.ID, b); errc <- err }()
				go func() { defer wg.Done(); _, err := f.svc.RemoveGroupMember(ctx, f.admin, g.ID, a); errc <- err }()
				wg.Wait()
				close(errc)
				for err := range errc {
					if err != nil {
						t.Fatal(err)
					}
				}
				got := must[org.Group](t)(f.svc.Group(ctx, f.admin, g.ID))
				if !slices.Equal(got.Members, []int64{b}) {
					t.Fatalf("round %d: members %v after adding %d and removing %d at once, want [%d]", round, got.Members, b, a, b)
				}
			}
			if _, err := f.svc.RemoveGroupMember(ctx, f.admin, 1<<40, a); err == nil {
				t.Error("removing a member of a group that does not exist succeeded")
			}
		})
	}
}
