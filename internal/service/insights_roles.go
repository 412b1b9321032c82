package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"steward/internal/access"
	"steward/internal/store"
)

// Role analysis: roles that give exactly what another gives, roles that
// give nothing beyond another, roles nobody holds, and what of each role
// its holders used, with proposals to narrow a role to what they use.

// RoleAnalysis is GET /insights/roles.
type RoleAnalysis struct {
	Period
	Roles []RoleSummary `json:"roles"`
	// Identical are groups of roles that give the same cells (scopes that
	// cover each other), functions and field access on every catalogue field.
	Identical [][]string `json:"identical"`
	// Subsets are roles that give nothing beyond another role.
	Subsets []RoleSubset `json:"subsets"`
	// Empty are roles no active user holds through an unexpired assignment.
	Empty     []string   `json:"empty"`
	Proposals []Proposal `json:"proposals"`
}

// RoleSubset is a role and the roles that give everything it gives and more.
type RoleSubset struct {
	Role   string   `json:"role"`
	Within []string `json:"within"`
}

// RoleSummary is one role, its holders and what they used of it.
type RoleSummary struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Preset      bool   `json:"preset"`
	Holders     int    `json:"holders" doc:"active users holding it through an unexpired assignment"`
	Assignments int    `json:"assignments" doc:"every assignment row, expired ones and those of inactive users too"`
	// HeldWholePeriod says every holder held the role, as it is now, since
	// before the period: only then is narrowing it proposed.
	HeldWholePeriod bool `json:"held_whole_period"`
	// Cells and Functions say whether any holder used each in the period.
	Cells     []CellUse     `json:"cells"`
	Functions []FunctionUse `json:"functions"`
}

// keptFunctions are never proposed for removal from a role: they are what
// repairs every other grant, and a tenant without a holder of them cannot
// give them back.
var keptFunctions = []access.Function{access.ManageUsers, access.ManageRoles}

// holderChunk bounds the ids of one usage query.
const holderChunk = 500

// AnalyseRoles compares the tenant's roles and judges each against what
// its holders did in the last days days.
func (s *Service) AnalyseRoles(ctx context.Context, a *Actor, days int) (RoleAnalysis, error) {
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return RoleAnalysis{}, err
	}
	out := RoleAnalysis{Roles: []RoleSummary{}, Identical: [][]string{}, Subsets: []RoleSubset{}, Empty: []string{}, Proposals: []Proposal{}}
	if err := needInsights(a); err != nil {
		return out, err
	}
	if err := s.foldTrail(ctx, a.TenantID); err != nil {
		return out, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if out.Period, err = s.period(ctx, tx, a.TenantID, days); err != nil {
			return err
		}
		roles, err := tx.Roles(ctx, a.TenantID)
		if err != nil {
			return err
		}
		cat, err := catalogueOf(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		out.Identical, out.Subsets = compareRoles(roles, cat.Refs())
		counts, err := tx.RoleHolderCounts(ctx, a.TenantID, out.At)
		if err != nil {
			return err
		}
		for _, r := range roles {
			sum, p, err := s.roleUse(ctx, tx, a.TenantID, r, counts[r.ID], out.Period)
			if err != nil {
				return err
			}
			out.Roles = append(out.Roles, sum)
			if sum.Holders == 0 {
				out.Empty = append(out.Empty, r.Key)
			}
			if p != nil {
				out.Proposals = append(out.Proposals, *p)
			}
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	return out, s.recordRead(ctx, a, "roles", days)
}

// compareRoles finds groups of identical roles and roles within others.
func compareRoles(roles []access.Role, cat []access.FieldRef) ([][]string, []RoleSubset) {
	identical, subsets := [][]string{}, []RoleSubset{}
	grouped := map[int]bool{}
	for i, a := range roles {
		var group []string
		var within []string
		for k, b := range roles {
			if k == i {
				continue
			}
			ab, ba := access.Covers(b, a, cat), access.Covers(a, b, cat)
			switch {
			case ab && ba && !grouped[i]:
				if group == nil {
					group = []string{a.Key}
				}
				group = append(group, b.Key)
				grouped[k] = true
			case ab && !ba:
				within = append(within, b.Key)
			}
		}
		if group != nil {
			identical = append(identical, group)
		}
		if within != nil {
			subsets = append(subsets, RoleSubset{Role: a.Key, Within: within})
		}
	}
	return identical, subsets
}

// roleUse judges a role's cells and functions against everything its
// holders did, and proposes narrowing it to what they used.
func (s *Service) roleUse(ctx context.Context, tx *store.Tx, tenantID int64, r access.Role, c store.RoleCounts, per Period) (RoleSummary, *Proposal, error) {
	sum := RoleSummary{Key: r.Key, Name: r.Name, Preset: r.Preset, Holders: c.Holders, Assignments: c.Assignments,
		Cells: []CellUse{}, Functions: []FunctionUse{}}
	holders, err := tx.RoleHolders(ctx, tenantID, r.ID, per.At)
	if err != nil {
		return sum, nil, err
	}
	ids := make([]int64, len(holders))
	whole := !r.UpdatedAt.After(per.Since)
	for i, h := range holders {
		ids[i] = h.UserID
		whole = whole && !h.CreatedAt.After(per.Since)
	}
	sum.HeldWholePeriod = whole && len(holders) > 0
	j := judging{since: per.Since, uses: map[string]time.Time{}, idle: true}
	for start := 0; start < len(ids); start += holderChunk {
		chunk := ids[start:min(start+holderChunk, len(ids))]
		uses, err := tx.ActionUses(ctx, tenantID, chunk, actionsOf(r))
		if err != nil {
			return sum, nil, err
		}
		for _, byAction := range uses {
			for act, at := range byAction {
				if prev, ok := j.uses[act]; !ok || at.After(prev) {
					j.uses[act] = at
				}
			}
		}
		acts, err := tx.UsersActivity(ctx, tenantID, chunk)
		if err != nil {
			return sum, nil, err
		}
		for _, u := range acts {
			j.idle = j.idle && (u.LastActive == nil || u.LastActive.Before(per.Since))
		}
	}
	narrow := ProposalInput{Kind: ProposeNarrowRole, Role: r.Key}
	for _, p := range r.Permissions {
		u := j.cell(p.Object, p.Action)
		sum.Cells = append(sum.Cells, CellUse{Object: p.Object, Action: p.Action, Scope: p.Scope, Use: u})
		if u.Status == UseUnused {
			narrow.Cells = append(narrow.Cells, access.Permission{Object: p.Object, Action: p.Action, Scope: access.None})
		}
	}
	for _, f := range r.Functions {
		u := j.function(f)
		sum.Functions = append(sum.Functions, FunctionUse{Function: f, Use: u})
		if u.Status == UseUnused && !slices.Contains(keptFunctions, f) {
			narrow.Functions = append(narrow.Functions, f)
		}
	}
	if !sum.HeldWholePeriod || len(narrow.Cells)+len(narrow.Functions) == 0 {
		return sum, nil, nil
	}
	return sum, &Proposal{Apply: narrow, Certain: true, Unknown: []string{}, Holders: len(holders),
		Why: fmt.Sprintf("none of the %d holders of %s used these in the last %d days", len(holders), r.Key, per.Days)}, nil
}

// actionsOf lists the actions that show a use of the role's grants.
func actionsOf(r access.Role) []string {
	var out []string
	for _, p := range r.Permissions {
		out = append(out, cellMeasures[cellKey{p.Object, p.Action}].actions...)
	}
	for _, f := range r.Functions {
		out = append(out, functionMeasures[f].actions...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
