package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// DefaultExportSettings are a new tenant's export controls: more than
// 10,000 rows wait for an approver; files can be fetched three times within
// a day; sales representatives take out at most 2,000 rows at once,
// managers 20,000 and marketing 50,000 (roles without a limit have none).
func DefaultExportSettings() store.ExportSettings {
	return store.ExportSettings{ApprovalThreshold: 10_000, LinkHours: 24, MaxDownloads: 3,
		RoleLimits: map[string]int64{"sales_rep": 2_000, "sales_manager": 20_000, "marketing": 50_000}}
}

func exportSettingsOf(ctx context.Context, tx *store.Tx, tenantID int64) (store.ExportSettings, error) {
	st, ok, err := tx.LoadExportSettings(ctx, tenantID)
	if err != nil || !ok {
		return DefaultExportSettings(), err
	}
	return st, nil
}

// exportLimit is the most rows one export of the subject may hold: the
// most generous of the roles that give them export; unlimited (false)
// when one of those roles has no limit.
func exportLimit(st store.ExportSettings, sub *access.Subject) (int64, bool) {
	var limit int64
	for _, key := range sub.RolesGranting(access.Customer, access.Export) {
		l, ok := st.RoleLimits[key]
		if !ok {
			return 0, false
		}
		limit = max(limit, l)
	}
	return limit, true
}

// ExportSettings returns the tenant's export controls.
func (s *Service) ExportSettings(ctx context.Context, a *Actor) (store.ExportSettings, error) {
	var st store.ExportSettings
	if err := a.needAny(access.ManageSecurity, access.ApproveExports); err != nil {
		return st, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		st, err = exportSettingsOf(ctx, tx, a.TenantID)
		return err
	})
	return st, err
}

// SaveExportSettings replaces the tenant's export controls (manage_security).
func (s *Service) SaveExportSettings(ctx context.Context, a *Actor, in store.ExportSettings) (store.ExportSettings, error) {
	if err := a.need(access.ManageSecurity); err != nil {
		return in, err
	}
	if err := CheckExportSettings(in); err != nil {
		return in, err
	}
	if in.RoleLimits == nil {
		in.RoleLimits = map[string]int64{}
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		before, err := exportSettingsOf(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		for key := range in.RoleLimits {
			if _, err := tx.Role(ctx, a.TenantID, key); err != nil {
				return errs.Field("role_limits."+key, "invalid_reference", "role_limits names no role %q", key)
			}
		}
		if err := tx.SaveExportSettings(ctx, a.TenantID, in); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "export.settings", targetType: "tenant", targetID: a.TenantID,
			details: map[string]any{"before": before, "after": in}})
	})
	return in, err
}

// CheckExportSettings validates export controls without storing them.
func CheckExportSettings(in store.ExportSettings) error {
	switch {
	case in.ApprovalThreshold < 0:
		return errs.Field("approval_threshold", "invalid_value", "approval_threshold must be 0 (every export) or more")
	case in.LinkHours < 1 || in.LinkHours > 24*30:
		return errs.Field("link_hours", "invalid_value", "link_hours must be from 1 to 720")
	case in.MaxDownloads < 1 || in.MaxDownloads > 100:
		return errs.Field("max_downloads", "invalid_value", "max_downloads must be from 1 to 100")
	case len(in.RoleLimits) > 200:
		return errs.Field("role_limits", "invalid_value", "role_limits holds at most 200 roles")
	}
	for key, l := range in.RoleLimits {
		if err := fieldcheck.Text("role_limits", key, 40, false); err != nil {
			return err
		}
		if l < 0 {
			return errs.Field("role_limits."+key, "invalid_value", "a row limit is 0 or more")
		}
	}
	return nil
}
