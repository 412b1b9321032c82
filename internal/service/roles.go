package service

import (
	"context"
	"strconv"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// Roles lists the tenant's roles with their matrix cells.
func (s *Service) Roles(ctx context.Context, a *Actor) ([]access.Role, error) {
	if err := a.needAny(access.ManageRoles, access.ManageUsers, access.ViewAudit); err != nil {
		return nil, err
	}
	var out []access.Role
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Roles(ctx, a.TenantID)
		return err
	})
	return out, err
}

// Role returns one role by key.
func (s *Service) Role(ctx context.Context, a *Actor, key string) (access.Role, error) {
	var r access.Role
	if err := a.needAny(access.ManageRoles, access.ManageUsers, access.ViewAudit); err != nil {
		return r, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		r, err = tx.Role(ctx, a.TenantID, key)
		return err
	})
	return r, err
}

// RoleInput is a role as a caller writes it.
type RoleInput struct {
	Key         *string              `json:"key"`
	Name        *string              `json:"name"`
	Description *string              `json:"description"`
	Permissions *[]access.Permission `json:"permissions"`
	Functions   *[]access.Function   `json:"functions"`
	Fields      *[]access.FieldRule  `json:"fields"`
	// Justification is needed only when the change puts holders in breach
	// of a justify separation-of-duties rule; it is not part of the role.
	Justification string `json:"justification,omitempty" doc:"why holders' conflicts a separation-of-duties rule allows with a justification are accepted; at least 10 characters"`
}

// SaveRole creates a role (key "") or replaces the given parts of one. The
// change takes effect for every holder on their next request. It needs a
// step-up, and a role does not gain a function or permission that requires
// a second factor while a holder has none.
func (s *Service) SaveRole(ctx context.Context, a *Actor, key string, in RoleInput) (access.Role, error) {
	var r access.Role
	if err := a.need(access.ManageRoles); err != nil {
		return r, err
	}
	// Restartable (see UpdateUser): r is set afresh by each run.
	err := s.DB.WriteRestartable(ctx, func(tx *store.Tx) error {
		var err error
		r, err = s.saveRole(ctx, tx, a, key, in)
		return err
	})
	return r, err
}

// saveRole is SaveRole inside the caller's transaction: a least-privilege
// proposal narrows a role inside its measured preview (insights_apply.go).
func (s *Service) saveRole(ctx context.Context, tx *store.Tx, a *Actor, key string, in RoleInput) (access.Role, error) {
	var r access.Role
	if err := s.needStepUp(ctx, tx, a); err != nil {
		return r, err
	}
	var before *access.Role
	if key != "" {
		var err error
		if r, err = tx.Role(ctx, a.TenantID, key); err != nil {
			return r, err
		}
		b := r
		before = &b
		if in.Key != nil && *in.Key != key {
			return r, errs.Field("key", "field_read_only", "a role's key cannot change")
		}
	} else {
		r.Key = deref(in.Key)
		if in.Name == nil {
			return r, errs.Field("name", "field_required", "name is required")
		}
	}
	if err := applyRole(&r, in); err != nil {
		return r, err
	}
	if err := s.knownFields(ctx, tx, a.TenantID, r.Fields); err != nil {
		return r, err
	}
	st, err := s.sodStateOf(ctx, tx, a.TenantID)
	if err != nil {
		return r, err
	}
	if f, ok := st.ungivable(a, r.Functions); ok {
		return r, errs.E(errs.Forbidden, "grant_exceeds_own", "you cannot give a role the %s function, which you do not hold", f)
	}
	if before != nil {
		if err := s.holdersCanBear(ctx, tx, a.TenantID, *before, r); err != nil {
			return r, err
		}
	}
	justified, err := s.enforceSoD(ctx, tx, a, st, SoDChange{Roles: []access.Role{r}, Field: roleField(in),
		Justification: SoDJustifyInfo{Text: in.Justification, Field: "justification"}})
	if err != nil {
		return r, err
	}
	if err := tx.SaveRole(ctx, a.TenantID, &r, s.now()); err != nil {
		return r, err
	}
	if err := s.recordJustified(ctx, tx, a, justified, store.GrantRoleEdit, r.ID, r.ID, in.Justification); err != nil {
		return r, err
	}
	action := "role.update"
	if before == nil {
		action = "role.create"
	}
	if err := s.rec(ctx, tx, a, event{action: action, targetType: "role", targetID: r.ID,
		details: map[string]any{"key": r.Key, "before": roleState(before), "after": roleState(&r)}}); err != nil {
		return r, err
	}
	return r, tx.BumpPolicy(ctx, a.TenantID)
}

func applyRole(r *access.Role, in RoleInput) error {
	if in.Name != nil {
		n, err := fieldcheck.Name("name", *in.Name, 100)
		if err != nil {
			return err
		}
		r.Name = n
	}
	if in.Description != nil {
		d, err := fieldcheck.Optional("description", *in.Description, 500)
		if err != nil {
			return err
		}
		r.Description = d
	}
	if in.Permissions != nil {
		r.Permissions = append([]access.Permission{}, (*in.Permissions)...)
	}
	if in.Functions != nil {
		r.Functions = append([]access.Function{}, (*in.Functions)...)
	}
	if in.Fields != nil {
		r.Fields = append([]access.FieldRule{}, (*in.Fields)...)
	}
	if r.Permissions == nil {
		r.Permissions = []access.Permission{}
	}
	if r.Functions == nil {
		r.Functions = []access.Function{}
	}
	return r.Validate()
}

// holdersCanBear refuses a change that makes a role require a second
// factor while some of its holders have none: they would hold it with a
// session fit only for enrolling, as a grant of such a role would (which
// needFactorFor refuses with the same code).
func (s *Service) holdersCanBear(ctx context.Context, tx *store.Tx, tenantID int64, before, after access.Role) error {
	st, err := securityOf(ctx, tx, tenantID)
	if err != nil || !st.requiresMFA([]access.Role{after}) || st.requiresMFA([]access.Role{before}) {
		return err
	}
	n, err := tx.RoleHoldersWithoutFactor(ctx, tenantID, after.ID, s.now())
	if err != nil || n == 0 {
		return err
	}
	return errs.E(errs.Conflict, "mfa_required_for_role",
		"the role %s would require a second factor, and %d of its holders have none; they enrol one first", after.Key, n)
}

// DeleteRole removes a role nobody holds. It needs a step-up.
func (s *Service) DeleteRole(ctx context.Context, a *Actor, key string) error {
	if err := a.need(access.ManageRoles); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error { return s.deleteRole(ctx, tx, a, key) })
}

// deleteRole is DeleteRole inside the caller's transaction: a policy
// document removes roles through it (policy_apply.go).
func (s *Service) deleteRole(ctx context.Context, tx *store.Tx, a *Actor, key string) error {
	if err := s.needStepUp(ctx, tx, a); err != nil {
		return err
	}
	r, err := tx.Role(ctx, a.TenantID, key)
	if err != nil {
		return err
	}
	if err := tx.DeleteRole(ctx, a.TenantID, r); err != nil {
		return err
	}
	if err := tx.BumpPolicy(ctx, a.TenantID); err != nil {
		return err
	}
	return s.rec(ctx, tx, a, event{action: "role.delete", targetType: "role", targetID: r.ID, details: map[string]any{"key": r.Key, "before": roleState(&r)}})
}

// roleState is a role's grants as the audit trail keeps them.
func roleState(r *access.Role) any {
	if r == nil {
		return nil
	}
	return map[string]any{"name": r.Name, "permissions": r.Permissions, "functions": r.Functions, "fields": r.Fields}
}

// knownFields refuses field rules naming a field the catalogue lacks.
func (s *Service) knownFields(ctx context.Context, tx *store.Tx, tenantID int64, rules []access.FieldRule) error {
	cat, err := catalogueOf(ctx, tx, tenantID)
	if err != nil {
		return err
	}
	for i, f := range rules {
		if _, ok := cat.Get(f.Object, f.Field); !ok && f.Field != access.AllFields {
			return errs.Field("fields["+strconv.Itoa(i)+"].field", "unknown_field", "%s is not a field of %s", f.Field, f.Object)
		}
	}
	return nil
}
