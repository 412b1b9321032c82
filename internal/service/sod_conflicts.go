package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/store"
)

// SoDViolation is one user breaking one rule now: through which roles
// they have each of its holdings, and, when a justify rule let the
// conflict through, the latest justification recorded for it.
type SoDViolation struct {
	UserID        int64                   `json:"user_id"`
	UserName      string                  `json:"user_name"`
	UserStatus    string                  `json:"user_status"`
	RuleID        int64                   `json:"rule_id" doc:"0 for a rule of the 三员分立 profile"`
	Rule          string                  `json:"rule"`
	Mode          access.SoDMode          `json:"mode"`
	Builtin       bool                    `json:"builtin"`
	Holdings      []access.HoldingSource  `json:"holdings"`
	Justification *store.SoDJustification `json:"justification" doc:"the latest recorded for this user and rule; null when none was (the rule came after the roles, or refuses)"`
}

// SoDConflicts reports every user who breaks a rule now, by user, then
// rule. Users who are suspended or deactivated are reported too: their
// roles come back with them.
func (s *Service) SoDConflicts(ctx context.Context, a *Actor) ([]SoDViolation, error) {
	if err := a.needAny(access.ManageRoles, access.ManageUsers, access.ViewAudit); err != nil {
		return nil, err
	}
	out := []SoDViolation{}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		st, err := readSoDState(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		found, err := s.tenantConflicts(ctx, tx, a.TenantID, st)
		if err != nil || len(found) == 0 {
			return err
		}
		just, err := tx.LatestSoDJustifications(ctx, a.TenantID)
		if err != nil {
			return err
		}
		for _, f := range found {
			u, err := tx.User(ctx, a.TenantID, f.UserID)
			if err != nil {
				return err
			}
			r := f.Conflict.Rule
			v := SoDViolation{UserID: u.ID, UserName: u.Name, UserStatus: u.Status, RuleID: r.ID, Rule: r.Name, Mode: r.Mode,
				Builtin: r.Builtin, Holdings: f.Conflict.Holdings}
			if j, ok := just[[2]int64{u.ID, r.ID}]; ok && !r.Builtin {
				v.Justification = &j
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// tenantConflicts lists every user's conflicts under the state's rules.
func (s *Service) tenantConflicts(ctx context.Context, tx *store.Tx, tenantID int64, st sodState) ([]SoDFinding, error) {
	if len(st.rules) == 0 {
		return nil, nil
	}
	held, err := tx.HeldRoleIDs(ctx, tenantID, s.now(), 0, 0)
	if err != nil {
		return nil, err
	}
	var out []SoDFinding
	for _, u := range sortedKeys(held) {
		for _, c := range access.Conflicts(st.rules, pick(st.roles, held[u])) {
			out = append(out, SoDFinding{UserID: u, Conflict: c})
		}
	}
	return out, nil
}

// violationCounts counts, per stored rule, the users who break it now.
func (s *Service) violationCounts(ctx context.Context, tx *store.Tx, tenantID int64) (map[int64]int, error) {
	st, err := readSoDState(ctx, tx, tenantID)
	if err != nil {
		return nil, err
	}
	found, err := s.tenantConflicts(ctx, tx, tenantID, st)
	out := map[int64]int{}
	for _, f := range found {
		if !f.Conflict.Rule.Builtin {
			out[f.Conflict.Rule.ID]++
		}
	}
	return out, err
}
