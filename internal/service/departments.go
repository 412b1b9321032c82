package service

import (
	"context"
	"slices"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/org"
	"steward/internal/store"
)

// Departments lists the tenant's org tree; every member may read it.
func (s *Service) Departments(ctx context.Context, a *Actor) ([]org.Department, error) {
	var out []org.Department
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Departments(ctx, a.TenantID)
		return err
	})
	return out, err
}

// Department returns one department.
func (s *Service) Department(ctx context.Context, a *Actor, id int64) (org.Department, error) {
	var d org.Department
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		d, err = tx.Department(ctx, a.TenantID, id)
		return err
	})
	return d, err
}

// CreateDepartment adds a department under an existing one.
func (s *Service) CreateDepartment(ctx context.Context, a *Actor, in org.DepartmentInput) (org.Department, error) {
	var d org.Department
	if err := a.need(access.ManageOrg); err != nil {
		return d, err
	}
	name, err := fieldcheck.Name("name", deref(in.Name), 100)
	if err != nil {
		return d, err
	}
	if in.ParentID == nil {
		return d, errs.Field("parent_id", "field_required", "parent_id is required: a tenant has one root department")
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		parent, err := tx.Department(ctx, a.TenantID, *in.ParentID)
		if err != nil {
			return errs.Field("parent_id", "invalid_reference", "parent_id names no department")
		}
		if parent.Depth >= org.MaxDepth {
			return errs.Field("parent_id", "department_too_deep", "departments may be at most %d levels deep", org.MaxDepth)
		}
		if d, err = tx.CreateDepartment(ctx, a.TenantID, &parent, name, s.now()); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "department.create", targetType: "department", targetID: d.ID, details: map[string]any{"parent_id": parent.ID}})
	})
	return d, err
}

// UpdateDepartment renames a department or moves it (with its subtree) under
// another parent. A move that would put a department under itself is refused.
func (s *Service) UpdateDepartment(ctx context.Context, a *Actor, id int64, in org.DepartmentInput) (org.Department, error) {
	var d org.Department
	if err := a.need(access.ManageOrg); err != nil {
		return d, err
	}
	var name string
	if in.Name != nil {
		var err error
		if name, err = fieldcheck.Name("name", *in.Name, 100); err != nil {
			return d, err
		}
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Department(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		now := s.now()
		if in.Name != nil {
			if err := tx.RenameDepartment(ctx, a.TenantID, id, name, now); err != nil {
				return err
			}
			if err := s.rec(ctx, tx, a, event{action: "department.rename", targetType: "department", targetID: id, details: map[string]any{"fields": []string{"name"}}}); err != nil {
				return err
			}
		}
		if in.ParentID != nil && (cur.ParentID == nil || *cur.ParentID != *in.ParentID) {
			if err := s.moveDepartment(ctx, tx, a, cur, *in.ParentID); err != nil {
				return err
			}
			if err := tx.BumpPolicy(ctx, a.TenantID); err != nil {
				return err
			}
			if err := s.rec(ctx, tx, a, event{action: "department.move", targetType: "department", targetID: id,
				details: map[string]any{"before": map[string]any{"parent_id": cur.ParentID, "path": cur.Path}, "after": map[string]any{"parent_id": *in.ParentID}}}); err != nil {
				return err
			}
		}
		d, err = tx.Department(ctx, a.TenantID, id)
		return err
	})
	return d, err
}

func (s *Service) moveDepartment(ctx context.Context, tx *store.Tx, a *Actor, cur org.Department, parentID int64) error {
	if cur.ParentID == nil {
		return errs.Field("parent_id", "cannot_move_root", "the root department cannot be moved")
	}
	parent, err := tx.Department(ctx, a.TenantID, parentID)
	if err != nil {
		return errs.Field("parent_id", "invalid_reference", "parent_id names no department")
	}
	if slices.Contains(parent.Path, cur.ID) {
		return errs.Field("parent_id", "department_cycle", "a department cannot be moved under itself or its own sub-department")
	}
	span, err := tx.SubtreeDepth(ctx, a.TenantID, cur)
	if err != nil {
		return err
	}
	if parent.Depth+span > org.MaxDepth {
		return errs.Field("parent_id", "department_too_deep", "the move would make the tree deeper than %d levels", org.MaxDepth)
	}
	return tx.MoveDepartment(ctx, a.TenantID, cur, parent, s.now())
}

// DeleteDepartment removes an empty department.
func (s *Service) DeleteDepartment(ctx context.Context, a *Actor, id int64) error {
	if err := a.need(access.ManageOrg); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		d, err := tx.Department(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		if d.ParentID == nil {
			return errs.E(errs.Conflict, "cannot_delete_root", "the root department cannot be deleted")
		}
		if err := tx.DeleteDepartment(ctx, a.TenantID, id); err != nil {
			return err
		}
		// Pools and shares may name the department.
		if err := tx.BumpPolicy(ctx, a.TenantID); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "department.delete", targetType: "department", targetID: id, details: map[string]any{"parent_id": d.ParentID}})
	})
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
