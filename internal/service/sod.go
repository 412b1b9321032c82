package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// Who may do what with separation of duties: the rules, like roles and the
// matrix, are the security administrator's, so writing them (and switching
// the 三员分立 profile, sod_profile.go) needs manage_roles and a recent
// sign-in. Reading them and the conflicts report needs what reading roles
// needs: manage_roles, manage_users or view_audit.

// SoDRuleInput is a separation-of-duties rule as a caller writes it.
type SoDRuleInput struct {
	Name        string           `json:"name"`
	Holdings    []access.Holding `json:"holdings" doc:"2 to 10 of function:NAME, object.action (held at any scope but none) and duty:system|security|audit"`
	Mode        access.SoDMode   `json:"mode" doc:"refuse: a grant that breaks the rule is refused; justify: it needs a justification"`
	Description string           `json:"description,omitempty"`
}

// SoDRuleView is a stored rule with how many users break it now.
type SoDRuleView struct {
	store.StoredSoDRule
	Violations int `json:"violations" doc:"users who break the rule now (GET /sod-rules/conflicts lists them)"`
}

// rule builds the stored form of an input, checked.
func (in SoDRuleInput) rule(id int64) (store.StoredSoDRule, error) {
	r := store.StoredSoDRule{SoDRule: access.SoDRule{ID: id, Holdings: in.Holdings, Mode: in.Mode}}
	var err error
	if r.Name, err = fieldcheck.Name("name", in.Name, 100); err != nil {
		return r, err
	}
	if r.Description, err = fieldcheck.Optional("description", in.Description, 500); err != nil {
		return r, err
	}
	return r, r.Validate()
}

// CheckSoDRule checks a rule as SaveSoDRule does, without a database: for
// the fuzz targets of the API's request bodies.
func CheckSoDRule(in SoDRuleInput) error {
	_, err := in.rule(0)
	return err
}

// SoDRules lists the tenant's rules, each with its current violations.
// The profile's own rules are listed by SoDProfileOf.
func (s *Service) SoDRules(ctx context.Context, a *Actor) ([]SoDRuleView, error) {
	if err := a.needAny(access.ManageRoles, access.ManageUsers, access.ViewAudit); err != nil {
		return nil, err
	}
	var out []SoDRuleView
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		rules, err := tx.SoDRules(ctx, a.TenantID)
		if err != nil {
			return err
		}
		counts, err := s.violationCounts(ctx, tx, a.TenantID)
		out = make([]SoDRuleView, len(rules))
		for i, r := range rules {
			out[i] = SoDRuleView{StoredSoDRule: r, Violations: counts[r.ID]}
		}
		return err
	})
	return out, err
}

// SaveSoDRule creates (id 0) or replaces a rule. A rule that users already
// break is saved all the same: it refuses new conflicts from now on, and
// its violations count and the conflicts report show the existing ones.
func (s *Service) SaveSoDRule(ctx context.Context, a *Actor, id int64, in SoDRuleInput) (SoDRuleView, error) {
	var out SoDRuleView
	if err := a.need(access.ManageRoles); err != nil {
		return out, err
	}
	if _, err := in.rule(id); err != nil { // a bad body is refused before step-up is asked for
		return out, err
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		var err error
		out, err = s.saveSoDRuleIn(ctx, tx, a, id, in)
		return err
	})
	return out, err
}

// saveSoDRuleIn saves a rule in the caller's transaction: SaveSoDRule's,
// or a policy document's, which saves its rules inside its own.
func (s *Service) saveSoDRuleIn(ctx context.Context, tx *store.Tx, a *Actor, id int64, in SoDRuleInput) (SoDRuleView, error) {
	var out SoDRuleView
	r, err := in.rule(id)
	if err != nil {
		return out, err
	}
	by := a.UserID
	r.CreatedBy = &by
	before, err := findRule(ctx, tx, a.TenantID, id, (*store.Tx).SoDRules, func(x store.StoredSoDRule) int64 { return x.ID })
	if err != nil {
		return out, err
	}
	if before != nil {
		r.CreatedBy, r.CreatedAt = before.CreatedBy, before.CreatedAt
	}
	if err := tx.SaveSoDRule(ctx, a.TenantID, &r, s.now()); err != nil {
		return out, err
	}
	counts, err := s.violationCounts(ctx, tx, a.TenantID)
	if err != nil {
		return out, err
	}
	out = SoDRuleView{StoredSoDRule: r, Violations: counts[r.ID]}
	ev := ruleEvent("sod_rule", id, r.ID, sodRuleState(before), sodRuleState(&r))
	ev.details.(map[string]any)["violations"] = out.Violations
	return out, s.rec(ctx, tx, a, ev)
}

// DeleteSoDRule removes a rule; the justifications recorded under it stay
// in the audit trail.
func (s *Service) DeleteSoDRule(ctx context.Context, a *Actor, id int64) error {
	if err := a.need(access.ManageRoles); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		return s.deleteSoDRuleIn(ctx, tx, a, id)
	})
}

// deleteSoDRuleIn removes a rule in the caller's transaction.
func (s *Service) deleteSoDRuleIn(ctx context.Context, tx *store.Tx, a *Actor, id int64) error {
	before, err := findRule(ctx, tx, a.TenantID, id, (*store.Tx).SoDRules, func(x store.StoredSoDRule) int64 { return x.ID })
	if err != nil {
		return err
	}
	if err := tx.DeleteSoDRule(ctx, a.TenantID, id); err != nil {
		return err
	}
	return s.rec(ctx, tx, a, event{action: "sod_rule.delete", targetType: "sod_rule", targetID: id,
		details: map[string]any{"before": sodRuleState(before)}})
}

// sodRuleState is a rule as the audit trail keeps it.
func sodRuleState(r *store.StoredSoDRule) any {
	if r == nil {
		return nil
	}
	return map[string]any{"name": r.Name, "holdings": r.Holdings, "mode": r.Mode, "description": r.Description}
}
