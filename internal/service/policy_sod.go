package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/store"
)

// saveSoDRuleIn is the body of SaveSoDRule's transaction (sod.go), for a
// policy document, which saves its separation-of-duties rules inside its
// own transaction: the same checks, stored form and audit entry.
func (s *Service) saveSoDRuleIn(ctx context.Context, tx *store.Tx, a *Actor, id int64, in SoDRuleInput) error {
	r, err := in.rule(id)
	if err != nil {
		return err
	}
	by := a.UserID
	r.CreatedBy = &by
	before, err := findRule(ctx, tx, a.TenantID, id, (*store.Tx).SoDRules, func(x store.StoredSoDRule) int64 { return x.ID })
	if err != nil {
		return err
	}
	if before != nil {
		r.CreatedBy, r.CreatedAt = before.CreatedBy, before.CreatedAt
	}
	if err := tx.SaveSoDRule(ctx, a.TenantID, &r, s.now()); err != nil {
		return err
	}
	counts, err := s.violationCounts(ctx, tx, a.TenantID)
	if err != nil {
		return err
	}
	ev := ruleEvent("sod_rule", id, r.ID, sodRuleState(before), sodRuleState(&r))
	ev.details.(map[string]any)["violations"] = counts[r.ID]
	return s.rec(ctx, tx, a, ev)
}

// deleteSoDRuleIn is the body of DeleteSoDRule's transaction (sod.go).
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

// sodInput is a document's rule as SaveSoDRule takes it.
func sodInput(name string, holdings []string, mode, description string) SoDRuleInput {
	in := SoDRuleInput{Name: name, Mode: access.SoDMode(mode), Description: description, Holdings: []access.Holding{}}
	for _, h := range holdings {
		in.Holdings = append(in.Holdings, access.Holding(h))
	}
	return in
}
