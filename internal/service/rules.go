package service

import (
	"context"
	"strconv"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// SharingRuleInput is a sharing rule as a caller writes it.
type SharingRuleInput struct {
	Name      string           `json:"name"`
	Criteria  access.Criteria  `json:"criteria"`
	Principal access.Principal `json:"principal"`
	Level     access.Level     `json:"level"`
	Reason    string           `json:"reason,omitempty"`
}

// RestrictionInput is a restriction rule as a caller writes it.
type RestrictionInput struct {
	Name       string             `json:"name"`
	Criteria   access.Criteria    `json:"criteria"`
	Principals []access.Principal `json:"principals"`
	Reason     string             `json:"reason,omitempty"`
}

// SharingRules lists the tenant's sharing rules.
func (s *Service) SharingRules(ctx context.Context, a *Actor) ([]store.StoredSharingRule, error) {
	if err := a.needAny(access.ManageSharing, access.ViewAudit); err != nil {
		return nil, err
	}
	var out []store.StoredSharingRule
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.SharingRules(ctx, a.TenantID)
		return err
	})
	return out, err
}

// SaveSharingRule creates (id 0) or replaces a sharing rule. It takes effect
// on the next request: matching customers are shared from then on.
func (s *Service) SaveSharingRule(ctx context.Context, a *Actor, id int64, in SharingRuleInput) (store.StoredSharingRule, error) {
	if err := a.need(access.ManageSharing); err != nil {
		return store.StoredSharingRule{SharingRule: access.SharingRule{ID: id}}, err
	}
	var r store.StoredSharingRule
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		r, err = s.saveSharingRule(ctx, tx, a, id, in)
		return err
	})
	return r, err
}

// saveSharingRule is SaveSharingRule inside the caller's transaction: a
// policy document applies its rules through it (policy_apply.go).
func (s *Service) saveSharingRule(ctx context.Context, tx *store.Tx, a *Actor, id int64, in SharingRuleInput) (store.StoredSharingRule, error) {
	r := store.StoredSharingRule{SharingRule: access.SharingRule{ID: id, Criteria: in.Criteria, Principal: in.Principal, Level: in.Level}}
	var err error
	if r.Name, r.Reason, err = ruleText(in.Name, in.Reason); err != nil {
		return r, err
	}
	if err := in.Criteria.Validate("criteria"); err != nil {
		return r, err
	}
	if in.Level != access.Read && in.Level != access.EditLevel {
		return r, errs.Field("level", "invalid_value", "level must be read or edit")
	}
	by := a.UserID
	r.CreatedBy = &by
	if err := s.checkPrincipal(ctx, tx, a, in.Principal, "principal"); err != nil {
		return r, err
	}
	before, err := findRule(ctx, tx, a.TenantID, id, (*store.Tx).SharingRules, func(x store.StoredSharingRule) int64 { return x.ID })
	if err != nil {
		return r, err
	}
	if err := tx.SaveSharingRule(ctx, a.TenantID, &r, s.now()); err != nil {
		return r, err
	}
	if err := s.rec(ctx, tx, a, ruleEvent("sharing_rule", id, r.ID, before, r.SharingRule)); err != nil {
		return r, err
	}
	return r, tx.BumpPolicy(ctx, a.TenantID)
}

// DeleteSharingRule removes a sharing rule.
func (s *Service) DeleteSharingRule(ctx context.Context, a *Actor, id int64) error {
	if err := a.need(access.ManageSharing); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error { return s.deleteSharingRule(ctx, tx, a, id) })
}

// deleteSharingRule is DeleteSharingRule inside the caller's transaction.
func (s *Service) deleteSharingRule(ctx context.Context, tx *store.Tx, a *Actor, id int64) error {
	before, err := findRule(ctx, tx, a.TenantID, id, (*store.Tx).SharingRules, func(x store.StoredSharingRule) int64 { return x.ID })
	if err != nil {
		return err
	}
	if err := tx.DeleteSharingRule(ctx, a.TenantID, id); err != nil {
		return err
	}
	if err := s.rec(ctx, tx, a, event{action: "sharing_rule.delete", targetType: "sharing_rule", targetID: id, details: map[string]any{"before": before}}); err != nil {
		return err
	}
	return tx.BumpPolicy(ctx, a.TenantID)
}

// RestrictionRules lists the tenant's restriction rules.
func (s *Service) RestrictionRules(ctx context.Context, a *Actor) ([]store.StoredRestriction, error) {
	if err := a.needAny(access.ManageSharing, access.ViewAudit); err != nil {
		return nil, err
	}
	var out []store.StoredRestriction
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.RestrictionRules(ctx, a.TenantID)
		return err
	})
	return out, err
}

// SaveRestriction creates (id 0) or replaces a restriction rule.
func (s *Service) SaveRestriction(ctx context.Context, a *Actor, id int64, in RestrictionInput) (store.StoredRestriction, error) {
	if err := a.need(access.ManageSharing); err != nil {
		return store.StoredRestriction{RestrictionRule: access.RestrictionRule{ID: id}}, err
	}
	var r store.StoredRestriction
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		r, err = s.saveRestriction(ctx, tx, a, id, in)
		return err
	})
	return r, err
}

// saveRestriction is SaveRestriction inside the caller's transaction.
func (s *Service) saveRestriction(ctx context.Context, tx *store.Tx, a *Actor, id int64, in RestrictionInput) (store.StoredRestriction, error) {
	r := store.StoredRestriction{RestrictionRule: access.RestrictionRule{ID: id, Criteria: in.Criteria, Principals: in.Principals}}
	var err error
	if r.Name, r.Reason, err = ruleText(in.Name, in.Reason); err != nil {
		return r, err
	}
	if err := in.Criteria.Validate("criteria"); err != nil {
		return r, err
	}
	if len(in.Principals) == 0 || len(in.Principals) > 50 {
		return r, errs.Field("principals", "invalid_value", "principals needs 1 to 50 entries")
	}
	by := a.UserID
	r.CreatedBy = &by
	for i, p := range in.Principals {
		if err := s.checkPrincipal(ctx, tx, a, p, "principals["+strconv.Itoa(i)+"]"); err != nil {
			return r, err
		}
	}
	before, err := findRule(ctx, tx, a.TenantID, id, (*store.Tx).RestrictionRules, func(x store.StoredRestriction) int64 { return x.ID })
	if err != nil {
		return r, err
	}
	if err := tx.SaveRestriction(ctx, a.TenantID, &r, s.now()); err != nil {
		return r, err
	}
	if err := s.rec(ctx, tx, a, ruleEvent("restriction_rule", id, r.ID, before, r.RestrictionRule)); err != nil {
		return r, err
	}
	return r, tx.BumpPolicy(ctx, a.TenantID)
}

// DeleteRestriction removes a restriction rule.
func (s *Service) DeleteRestriction(ctx context.Context, a *Actor, id int64) error {
	if err := a.need(access.ManageSharing); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error { return s.deleteRestriction(ctx, tx, a, id) })
}

// deleteRestriction is DeleteRestriction inside the caller's transaction.
func (s *Service) deleteRestriction(ctx context.Context, tx *store.Tx, a *Actor, id int64) error {
	before, err := findRule(ctx, tx, a.TenantID, id, (*store.Tx).RestrictionRules, func(x store.StoredRestriction) int64 { return x.ID })
	if err != nil {
		return err
	}
	if err := tx.DeleteRestriction(ctx, a.TenantID, id); err != nil {
		return err
	}
	if err := s.rec(ctx, tx, a, event{action: "restriction_rule.delete", targetType: "restriction_rule", targetID: id, details: map[string]any{"before": before}}); err != nil {
		return err
	}
	return tx.BumpPolicy(ctx, a.TenantID)
}

func ruleText(name, reason string) (string, string, error) {
	n, err := fieldcheck.Name("name", name, 100)
	if err != nil {
		return "", "", err
	}
	r, err := fieldcheck.Optional("reason", reason, 500)
	return n, r, err
}

// findRule returns the stored rule with the id (nil for id 0), for the
// "before" of an audit entry.
func findRule[T any](ctx context.Context, tx *store.Tx, tenantID, id int64, list func(*store.Tx, context.Context, int64) ([]T, error), idOf func(T) int64) (*T, error) {
	if id == 0 {
		return nil, nil
	}
	all, err := list(tx, ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if idOf(all[i]) == id {
			return &all[i], nil
		}
	}
	return nil, errs.NotVisible("rule")
}

func ruleEvent(kind string, oldID, newID int64, before, after any) event {
	action := kind + ".update"
	if oldID == 0 {
		action = kind + ".create"
	}
	return event{action: action, targetType: kind, targetID: newID, details: map[string]any{"before": before, "after": after}}
}
