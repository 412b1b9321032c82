package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/store"
)

// Matrix is the permission matrix: roles × object.action → scope.
type Matrix struct {
	Objects []access.Object `json:"objects"`
	Actions []access.Action `json:"actions"`
	Roles   []MatrixRole    `json:"roles"`
}

// MatrixRole is one row of the matrix.
type MatrixRole struct {
	Key       string                  `json:"key"`
	Name      string                  `json:"name"`
	Preset    bool                    `json:"preset"`
	Cells     map[string]access.Scope `json:"cells"` // "customer.view" → scope; none for unset
	Functions []access.Function       `json:"functions"`
}

// PermissionMatrix returns every role's matrix row.
func (s *Service) PermissionMatrix(ctx context.Context, a *Actor) (Matrix, error) {
	m := Matrix{Objects: access.Objects, Actions: access.Actions, Roles: []MatrixRole{}}
	if err := a.needAny(access.ManageRoles, access.ManageUsers, access.ViewAudit); err != nil {
		return m, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		roles, err := tx.Roles(ctx, a.TenantID)
		for _, r := range roles {
			row := MatrixRole{Key: r.Key, Name: r.Name, Preset: r.Preset, Cells: map[string]access.Scope{}, Functions: r.Functions}
			for _, o := range access.Objects {
				for _, act := range access.Actions {
					row.Cells[string(o)+"."+string(act)] = r.Scope(o, act)
				}
			}
			m.Roles = append(m.Roles, row)
		}
		return err
	})
	return m, err
}
