package main

import (
	"strconv"
	"testing"

	"steward/internal/store/storetest"
)

// TestMoveAcrossProcesses runs two `steward serve` processes on one
// database (a SQLite file, and PostgreSQL when STEWARD_TEST_POSTGRES is
// set). A user moved through the first process sees their new access on
// their very next request to the second.
func TestMoveAcrossProcesses(t *testing.T) {
	bin := buildSteward(t)
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			env, _ := newInstallation(t, bin, storetest.DSN(t, engine))
			addr1, addr2 := freeAddr(t), freeAddr(t)
			for _, addr := range []string{addr1, addr2} {
				srv := startServe(t, bin, env, addr)
				t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
			}
			var codes recoveryCodes
			admin := login(t, addr1, &codes)
			must := func(status int, want int, what string) {
				t.Helper()
				if status != want {
					t.Fatalf("%s: got %d, want %d", what, status, want)
				}
			}
			var me struct {
				User struct {
					DepartmentID int64 `json:"department_id"`
				} `json:"user"`
			}
			must(call(addr1, admin, "GET", "/me", nil, &me), 200, "me")
			var east, west, owner, viewer, cust struct{ ID int64 }
			must(call(addr1, admin, "POST", "/departments", map[string]any{"name": "East", "parent_id": me.User.DepartmentID}, &east), 201, "east")
			must(call(addr1, admin, "POST", "/departments", map[string]any{"name": "West", "parent_id": me.User.DepartmentID}, &west), 201, "west")
			must(call(addr1, admin, "POST", "/roles", map[string]any{"key": "dept_viewer", "name": "Department viewer",
				"permissions": []map[string]string{{"object": "customer", "action": "view", "scope": "department"}}}, nil), 201, "role")
			pw := "a-long-enough-password-1"
			must(call(addr1, admin, "POST", "/users", map[string]any{"email": "owner@acme.example", "name": "Owner", "password": pw,
				"department_id": east.ID, "roles": []string{"sales_rep"}}, &owner), 201, "owner")
			must(call(addr1, admin, "POST", "/users", map[string]any{"email": "viewer@acme.example", "name": "Viewer", "password": pw,
				"department_id": east.ID, "roles": []string{"dept_viewer"}}, &viewer), 201, "viewer")
			must(call(addr1, admin, "POST", "/customers", map[string]any{"name": "East Co"}, &cust), 201, "customer")
			must(call(addr1, admin, "POST", "/customers/"+strconv.FormatInt(cust.ID, 10)+"/transfer", map[string]any{"owner_id": owner.ID}, nil), 200, "transfer")

			var sess struct{ Token string }
			must(call(addr2, "", "POST", "/auth/login", map[string]string{"tenant": "acme", "email": "viewer@acme.example", "password": pw}, &sess), 200, "viewer login")
			var cnt struct{ Count int64 }
			must(call(addr2, sess.Token, "GET", "/customers/count", nil, &cnt), 200, "count before")
			if cnt.Count != 1 {
				t.Fatalf("the viewer sees %d customers of East before the move, want 1", cnt.Count)
			}
			must(call(addr1, admin, "POST", "/users/"+strconv.FormatInt(viewer.ID, 10)+"/move", map[string]any{"department_id": west.ID}, nil), 200, "move")
			must(call(addr2, sess.Token, "GET", "/customers/count", nil, &cnt), 200, "count after")
			if cnt.Count != 0 {
				t.Fatalf("on the other process the viewer sees %d customers right after moving to West, want 0", cnt.Count)
			}
		})
	}
}
