package service

import (
	"context"

	"steward/internal/access"
	"steward/internal/policy"
	"steward/internal/store"
)

// A rule is previewed before it is saved: how many customers its criteria
// match now, and whose sight of customers saving it would change. Like a
// policy dry run (policy_apply.go), the rule is saved with the editor's own
// code in a transaction that is then rolled back, and every active user's
// access is measured before and after (measurePolicy), so the preview
// cannot say other than what saving does.

// RuleReach is what saving a rule as given would reach: the customers its
// criteria match now, and how many users would come to see customers they
// do not see now, or stop seeing some.
type RuleReach struct {
	Customers   int64 `json:"customers"`
	UsersGain   int   `json:"users_gaining"`
	UsersLose   int   `json:"users_losing"`
	UsersChange int   `json:"users_changing" doc:"users whose access changes in any way, gaining and losing included"`
}

// PreviewSharingRule says what saving the sharing rule (id 0: a new one)
// would reach. It needs manage_sharing, as saving does, and refuses what
// saving would refuse; it changes nothing and records nothing.
func (s *Service) PreviewSharingRule(ctx context.Context, a *Actor, id int64, in SharingRuleInput) (RuleReach, error) {
	return s.previewRule(ctx, a, in.Criteria, func(tx *store.Tx) error {
		_, err := s.saveSharingRule(ctx, tx, a, id, in)
		return err
	})
}

// PreviewRestriction says what saving the restriction rule (id 0: a new
// one) would reach, as PreviewSharingRule does for a sharing rule.
func (s *Service) PreviewRestriction(ctx context.Context, a *Actor, id int64, in RestrictionInput) (RuleReach, error) {
	return s.previewRule(ctx, a, in.Criteria, func(tx *store.Tx) error {
		_, err := s.saveRestriction(ctx, tx, a, id, in)
		return err
	})
}

// previewRule counts the customers c matches and measures the users whose
// access save changes, in a transaction rolled back. The count is of every
// customer of the tenant, as the rule reaches them whoever may see them: a
// holder of manage_sharing shapes access to all of them.
func (s *Service) previewRule(ctx context.Context, a *Actor, c access.Criteria, save func(tx *store.Tx) error) (RuleReach, error) {
	var out RuleReach
	if err := a.need(access.ManageSharing); err != nil {
		return out, err
	}
	if err := c.Validate("criteria"); err != nil {
		return out, err
	}
	err := s.change(ctx, true, func(tx *store.Tx) error {
		n, err := tx.CountMatching(ctx, a.TenantID, c)
		if err != nil {
			return err
		}
		out.Customers = n
		users, err := s.measurePolicy(ctx, tx, a, policy.NoChanges(), func() error { return save(tx) })
		if err != nil {
			return err
		}
		out.UsersChange = len(users)
		for _, u := range users {
			if !u.Gained.Zero() {
				out.UsersGain++
			}
			if !u.Lost.Zero() {
				out.UsersLose++
			}
		}
		return nil
	})
	return out, err
}
