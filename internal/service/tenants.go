package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/org"
	"steward/internal/store"
)

// NewTenant is what `steward init` and the demo need to start a tenant.
type NewTenant struct {
	Slug          string
	Name          string
	AdminEmail    string
	AdminName     string
	AdminPassword string
	// Security is the tenant's first security settings; nil takes
	// DefaultSecurity (a second factor for administrators, auditors and
	// exporters). The demo relaxes it.
	Security *SecuritySettings
}

func presetKeys() []string {
	var out []string
	for _, r := range access.Presets() {
		out = append(out, r.Key)
	}
	return out
}

// CreateTenant creates a tenant with its root department, the preset roles
// and a first administrator. It refuses a slug that exists.
func (s *Service) CreateTenant(ctx context.Context, in NewTenant) (org.Tenant, org.User, error) {
	var t org.Tenant
	var admin org.User
	if err := org.CheckSlug(in.Slug); err != nil {
		return t, admin, err
	}
	name, err := fieldcheck.Name("name", in.Name, 200)
	if err != nil {
		return t, admin, err
	}
	if in.AdminName == "" {
		in.AdminName = "Administrator"
	}
	if err := (org.UserInput{Email: &in.AdminEmail, Name: &in.AdminName, DepartmentID: new(int64)}).Apply(&admin, true); err != nil {
		return t, admin, err
	}
	if err := s.Passwords.Check("password", in.AdminPassword); err != nil {
		return t, admin, err
	}
	hash, err := s.Hasher.Hash(ctx, in.AdminPassword)
	if err != nil {
		return t, admin, err
	}
	now := s.now()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if taken, err := tx.SlugTaken(ctx, in.Slug); err != nil {
			return err
		} else if taken {
			return errs.E(errs.Conflict, "tenant_exists", "a tenant %q already exists, or existed (a deleted tenant keeps its slug)", in.Slug)
		}
		if t, err = tx.CreateTenant(ctx, in.Slug, name, now); err != nil {
			return err
		}
		if err := tx.CreateAuditHead(ctx, t.ID); err != nil {
			return err
		}
		if in.Security != nil {
			if err := in.Security.validate(presetKeys()); err != nil {
				return err
			}
			if err := s.saveSecurity(ctx, tx, t.ID, *in.Security); err != nil {
				return err
			}
		}
		root, err := tx.CreateDepartment(ctx, t.ID, nil, name, now)
		if err != nil {
			return err
		}
		var adminRole access.Role
		for _, r := range access.Presets() {
			if err := tx.SaveRole(ctx, t.ID, &r, now); err != nil {
				return err
			}
			if r.Key == "administrator" {
				adminRole = r
			}
		}
		admin.DepartmentID = root.ID
		if err := tx.CreateUser(ctx, t.ID, &admin, hash, now); err != nil {
			return err
		}
		admin.Roles = []string{adminRole.Key}
		if err := tx.Assign(ctx, t.ID, &store.Assignment{UserID: admin.ID, RoleID: adminRole.ID, Reason: "first administrator"}, now); err != nil {
			return err
		}
		for _, ev := range []event{
			{action: "tenant.create", targetType: "tenant", targetID: t.ID, details: map[string]any{"slug": t.Slug, "root_department": root.ID}},
			{action: "user.create", targetType: "user", targetID: admin.ID, details: map[string]any{"fields": []string{"email", "name", "department_id"}}, links: store.AuditLinks{User: admin.ID}},
			{action: "role.grant", targetType: "user", targetID: admin.ID, details: map[string]any{"role": adminRole.Key, "reason": "first administrator", "previous": nil}, links: store.AuditLinks{User: admin.ID}},
		} {
			if err := s.record(ctx, tx, nil, t.ID, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return t, admin, err
}
