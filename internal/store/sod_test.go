package store_test

import (
	"context"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// Separation-of-duties rules, justifications, the profile switch, the
// holders of roles and migration 0016's preset roles, on every engine.
func TestSoDStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		var tn org.Tenant
		var u org.User
		var roles [3]access.Role
		err := db.Write(ctx, func(tx *store.Tx) error {
			var err error
			if tn, err = tx.CreateTenant(ctx, "acme", "Acme", now); err != nil {
				return err
			}
			root, err := tx.CreateDepartment(ctx, tn.ID, nil, "Acme", now)
			if err != nil {
				return err
			}
			u = org.User{Email: "u@acme.example", Name: "U", DepartmentID: root.ID, Status: org.StatusActive}
			if err := tx.CreateUser(ctx, tn.ID, &u, "h", now); err != nil {
				return err
			}
			// A tenant's own role with a preset's key is kept by the migration step.
			for i, key := range []string{"a", "b", "system_admin"} {
				roles[i] = access.Role{Key: key, Name: key, Functions: []access.Function{}}
				if err := tx.SaveRole(ctx, tn.ID, &roles[i], now); err != nil {
					return err
				}
			}
			past := now.Add(-time.Hour)
			for i, exp := range []*time.Time{nil, &past, nil} {
				if err := tx.Assign(ctx, tn.ID, &store.Assignment{UserID: u.ID, RoleID: roles[i].ID, ExpiresAt: exp}, now); err != nil {
					return err
				}
			}
			return tx.PresetDutyRoles(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}

		rule := store.StoredSoDRule{SoDRule: access.SoDRule{Name: "export/approve", Mode: access.SoDJustify,
			Holdings: []access.Holding{"customer.export", "function:approve_exports"}}, Description: "four eyes", CreatedBy: &u.ID}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.SaveSoDRule(ctx, tn.ID, &rule, now) }); err != nil {
			t.Fatal(err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			dup := store.StoredSoDRule{SoDRule: access.SoDRule{Name: rule.Name, Mode: access.SoDRefuse, Holdings: rule.Holdings}}
			return tx.SaveSoDRule(ctx, tn.ID, &dup, now)
		})
		if errs.As(err).Code != "name_taken" {
			t.Errorf("a second rule of the same name: %v, want name_taken", err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			rule.Mode = access.SoDRefuse
			if err := tx.SaveSoDRule(ctx, tn.ID, &rule, now.Add(time.Minute)); err != nil {
				return err
			}
			j := store.SoDJustification{RuleID: rule.ID, RuleName: rule.Name, UserID: u.ID, RoleID: roles[0].ID, GrantKind: store.GrantRoleAssignment,
				GrantID: 7, Justification: "first reason", JustifiedBy: &u.ID, CreatedAt: now}
			if err := tx.AddSoDJustification(ctx, tn.ID, &j); err != nil {
				return err
			}
			j.Justification, j.GrantKind = "second reason", store.GrantRoleEdit
			if err := tx.AddSoDJustification(ctx, tn.ID, &j); err != nil {
				return err
			}
			if on, err := tx.SoDProfile(ctx, tn.ID); err != nil || on {
				t.Errorf("profile before any switch: %v, %v; want off", on, err)
			}
			return tx.SetSoDProfile(ctx, tn.ID, true, u.ID, now)
		})
		if err != nil {
			t.Fatal(err)
		}

		err = db.Read(ctx, func(tx *store.Tx) error {
			rs, err := tx.SoDRules(ctx, tn.ID)
			if err != nil {
				return err
			}
			if len(rs) != 1 || rs[0].Mode != access.SoDRefuse || len(rs[0].Holdings) != 2 || rs[0].Holdings[1] != "function:approve_exports" ||
				rs[0].Description != "four eyes" || *rs[0].CreatedBy != u.ID || !rs[0].UpdatedAt.Equal(now.Add(time.Minute)) {
				t.Errorf("rules: %+v", rs)
			}
			js, err := tx.LatestSoDJustifications(ctx, tn.ID)
			if err != nil {
				return err
			}
			if j := js[[2]int64{u.ID, rule.ID}]; len(js) != 1 || j.Justification != "second reason" || j.GrantKind != store.GrantRoleEdit || j.RoleID != roles[0].ID {
				t.Errorf("latest justifications: %+v", js)
			}
			if on, err := tx.SoDProfile(ctx, tn.ID); err != nil || !on {
				t.Errorf("profile after switching on: %v, %v", on, err)
			}
			held, err := tx.HeldRoleIDs(ctx, tn.ID, now, 0, 0)
			if err != nil {
				return err
			}
			if got := held[u.ID]; len(held) != 1 || len(got) != 2 || got[0] != roles[0].ID || got[1] != roles[2].ID {
				t.Errorf("held roles (the expired one left out): %v", held)
			}
			if held, err := tx.HeldRoleIDs(ctx, tn.ID, now, 0, roles[1].ID); err != nil || len(held) != 0 {
				t.Errorf("holders of an expired assignment: %v, %v; want none", held, err)
			}
			if held, err := tx.HeldRoleIDs(ctx, tn.ID, now, u.ID, roles[2].ID); err != nil || len(held[u.ID]) != 2 {
				t.Errorf("one user's roles, as a holder of one: %v, %v; want both", held, err)
			}
			if held, err := tx.HeldRoleIDs(ctx, tn.ID, now, u.ID+1, 0); err != nil || len(held) != 0 {
				t.Errorf("another user's roles: %v, %v; want none", held, err)
			}
			all, err := tx.Roles(ctx, tn.ID)
			if err != nil {
				return err
			}
			keys := map[string]access.Role{}
			for _, r := range all {
				keys[r.Key] = r
			}
			if keys["system_admin"].ID != roles[2].ID || len(keys["system_admin"].Functions) != 0 {
				t.Errorf("the tenant's own system_admin role was replaced: %+v", keys["system_admin"])
			}
			if r := keys["audit_admin"]; !r.Preset || len(r.Functions) != 1 || r.Functions[0] != access.ViewAudit {
				t.Errorf("audit_admin after the migration step: %+v", r)
			}
			if _, ok := keys["security_admin"]; !ok {
				t.Error("security_admin missing after the migration step")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		err = db.Write(ctx, func(tx *store.Tx) error {
			if err := tx.LockSoD(ctx, tn.ID); err != nil {
				return err
			}
			if err := tx.DeleteSoDRule(ctx, tn.ID, rule.ID); err != nil {
				return err
			}
			js, err := tx.LatestSoDJustifications(ctx, tn.ID)
			if err == nil && len(js) != 0 {
				t.Errorf("justifications after the rule's removal: %v", js)
			}
			if err := tx.DeleteSoDRule(ctx, tn.ID, rule.ID); errs.KindOf(err) != errs.NotFound {
				t.Errorf("deleting a removed rule: %v, want not found", err)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
