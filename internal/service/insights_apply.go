package service

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// Applying a proposal, previewed first: as for moves (move.go, change), the
// change is made in a transaction that is rolled back for a preview and
// committed otherwise, by the same code, so the preview is the result. What
// it does to each affected user is measured inside that transaction: their
// subject (cells, functions, field access) is built before and after, and
// their visible records are compared by the moves' own measure
// (access_diff.go). A role removal is made by RevokeRole's code and a
// narrowing by SaveRole's, with their checks and audit entries.

// ProposalResult is what applying a proposal did, or previewed would do.
type ProposalResult struct {
	Preview  bool          `json:"preview"`
	Proposal ProposalInput `json:"proposal"`
	ActorID  int64         `json:"actor_id"`
	At       time.Time     `json:"at"`
	// Grants are, per user whose grants change, the cells, functions and
	// field access before and after.
	Grants []GrantChange `json:"grants"`
	// AccessChanges are the records each affected user gains or loses sight
	// of. VisibilityMeasured is false for a narrowing that touches no view
	// cell: only view cells (and grants, which it leaves alone) decide
	// what a user sees, so nobody's sight can change and it is not read.
	AccessChanges      []AccessChange `json:"access_changes"`
	VisibilityMeasured bool           `json:"visibility_measured"`
}

// GrantChange is how one user's grants change.
type GrantChange struct {
	UserID        int64             `json:"user_id"`
	Name          string            `json:"name"`
	Cells         []CellChange      `json:"cells"`
	FunctionsLost []access.Function `json:"functions_lost"`
	Fields        []FieldChange     `json:"fields"`
}

// CellChange is a cell whose scopes (one per role giving it) change.
type CellChange struct {
	Object access.Object  `json:"object"`
	Action access.Action  `json:"action"`
	Before []access.Scope `json:"before"`
	After  []access.Scope `json:"after"`
}

// FieldChange is a field whose access changes.
type FieldChange struct {
	Object access.Object `json:"object"`
	Field  string        `json:"field"`
	Before string        `json:"before"`
	After  string        `json:"after"`
}

// ApplyProposal makes a proposal's change (with preview, in a transaction
// rolled back) and answers who it changes and how. Removing a role needs
// manage_users, as RevokeRole does; narrowing one needs manage_roles and a
// recent sign-in, as SaveRole does (for the preview too, since it runs
// SaveRole's code).
func (s *Service) ApplyProposal(ctx context.Context, a *Actor, in ProposalInput, preview bool) (ProposalResult, error) {
	res := ProposalResult{Preview: preview, Proposal: in, ActorID: a.UserID, Grants: []GrantChange{}, AccessChanges: []AccessChange{}}
	if err := CheckProposal(in); err != nil {
		return res, err
	}
	need := access.ManageUsers
	if in.Kind == ProposeNarrowRole {
		need = access.ManageRoles
	}
	if err := a.need(need); err != nil {
		return res, err
	}
	err := s.change(ctx, preview, func(tx *store.Tx) error {
		res.At = s.now()
		c, err := s.proposalChange(ctx, tx, a, in)
		if err != nil {
			return err
		}
		before, err := s.grantStates(ctx, tx, a.TenantID, c.users, res.At)
		if err != nil {
			return err
		}
		if res.VisibilityMeasured = c.view; c.view {
			p := &diffPlan{full: c.users}
			p.relate(c.relation, c.users...)
			if res.AccessChanges, err = s.measure(ctx, tx, a, p, c.apply); err != nil {
				return err
			}
		} else if err := c.apply(); err != nil {
			return err
		}
		after, err := s.grantStates(ctx, tx, a.TenantID, c.users, res.At)
		if err != nil {
			return err
		}
		if res.Grants, err = grantChanges(ctx, tx, a.TenantID, c.users, before, after); err != nil || preview {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "insights.apply", targetType: c.targetType, targetID: c.targetID, links: c.links,
			details: map[string]any{"kind": in.Kind, "role": in.Role, "user_id": in.UserID, "cells": in.Cells, "functions": in.Functions,
				"users_changed": len(res.Grants), "users_seeing_less_or_more": len(res.AccessChanges)}})
	})
	res.Preview = preview
	return res, err
}

// proposed is a proposal made concrete: whom it touches and how to make it.
type proposed struct {
	users      []int64
	relation   string
	view       bool // it can change what users see
	apply      func() error
	targetType string
	targetID   int64
	links      store.AuditLinks
}

func (s *Service) proposalChange(ctx context.Context, tx *store.Tx, a *Actor, in ProposalInput) (proposed, error) {
	r, err := tx.Role(ctx, a.TenantID, in.Role)
	if err != nil {
		return proposed{}, errs.Field("role", "invalid_reference", "no role has the key %q", in.Role)
	}
	if in.Kind == ProposeRemoveRole {
		if _, err := tx.User(ctx, a.TenantID, in.UserID); err != nil {
			return proposed{}, err
		}
		return proposed{users: []int64{in.UserID}, relation: "role_removed", view: true, targetType: "user", targetID: in.UserID,
			links: store.AuditLinks{User: in.UserID},
			apply: func() error { return s.revoke(ctx, tx, a, in.UserID, r.Key) }}, nil
	}
	perms, fns, err := narrowed(r, in)
	if err != nil {
		return proposed{}, err
	}
	holders, err := tx.RoleHolders(ctx, a.TenantID, r.ID, s.now())
	if err != nil {
		return proposed{}, err
	}
	c := proposed{relation: "role_holder", targetType: "role", targetID: r.ID,
		view: slices.ContainsFunc(in.Cells, func(p access.Permission) bool { return p.Action == access.View }),
		apply: func() error {
			_, err := s.saveRole(ctx, tx, a, r.Key, RoleInput{Permissions: &perms, Functions: &fns})
			return err
		}}
	for _, h := range holders {
		c.users = append(c.users, h.UserID)
	}
	return c, nil
}

// narrowed returns the role's cells and functions with the proposal's
// narrowing made, refusing a cell the role does not give or a scope that
// is not narrower than today's.
func narrowed(r access.Role, in ProposalInput) ([]access.Permission, []access.Function, error) {
	perms := slices.Clone(r.Permissions)
	for i, c := range in.Cells {
		at := "cells[" + strconv.Itoa(i) + "]"
		k := slices.IndexFunc(perms, func(p access.Permission) bool { return p.Object == c.Object && p.Action == c.Action })
		if k < 0 || perms[k].Scope == access.None {
			return nil, nil, errs.Field(at, "not_granted", "the role %s gives no %s.%s", r.Key, c.Object, c.Action)
		}
		if cur := perms[k].Scope; c.Scope == cur || !access.ScopeCovers(cur, c.Scope) {
			return nil, nil, errs.Field(at+".scope", "not_narrower", "%s is not narrower than the role's %s", c.Scope, cur)
		}
		perms[k].Scope = c.Scope // Validate drops cells narrowed to none
	}
	fns := slices.Clone(r.Functions)
	for i, f := range in.Functions {
		k := slices.Index(fns, f)
		if k < 0 {
			return nil, nil, errs.Field("functions["+strconv.Itoa(i)+"]", "not_granted", "the role %s has no %s function", r.Key, f)
		}
		fns = slices.Delete(fns, k, k+1)
	}
	return perms, fns, nil
}

// grantState is what a user's roles give them.
type grantState struct {
	cells     map[cellKey][]access.Scope
	functions []access.Function
	fields    map[[2]string]string
}

// grantStates reads, as the data in tx stands, what the users' roles give
// them: their unexpired assignments and the tenant's roles, through the
// engine's own subject. Cells, functions and field access depend on roles
// alone, so the rest of a subject (org, rules, pools) is not read: a
// narrowing of a role held by thousands costs a few queries, not a few
// thousand subjects.
func (s *Service) grantStates(ctx context.Context, tx *store.Tx, tenantID int64, ids []int64, now time.Time) (map[int64]grantState, error) {
	roles, err := tx.Roles(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]access.Role{}
	for _, r := range roles {
		byID[r.ID] = r
	}
	held, err := tx.AssignmentsOf(ctx, tenantID, ids, now)
	if err != nil {
		return nil, err
	}
	rolesOf := map[int64][]access.Role{}
	for _, h := range held {
		rolesOf[h.UserID] = append(rolesOf[h.UserID], byID[h.RoleID])
	}
	cat, err := catalogueOf(ctx, tx, tenantID)
	if err != nil {
		return nil, err
	}
	out := map[int64]grantState{}
	for _, id := range ids {
		st := grantState{cells: map[cellKey][]access.Scope{}, fields: map[[2]string]string{}}
		out[id] = st
		u, err := tx.User(ctx, tenantID, id)
		if err != nil {
			return nil, err
		}
		if u.Status != org.StatusActive {
			continue // no access at all, before or after
		}
		sub := access.NewSubject(access.SubjectFacts{TenantID: tenantID, UserID: id, Roles: rolesOf[id], Fields: cat.Refs(), Now: now})
		for _, o := range access.Objects {
			for _, act := range access.Actions {
				sc := slices.Clone(sub.ScopesFor(o, act))
				slices.SortFunc(sc, func(x, y access.Scope) int { return slices.Index(access.Scopes, x) - slices.Index(access.Scopes, y) })
				st.cells[cellKey{o, act}] = sc
			}
			for _, f := range sub.FieldsOf(o) {
				st.fields[[2]string{string(o), f.Field}] = fieldLevel(f.Access, f.Reveal)
			}
		}
		st.functions = sub.Functions()
		out[id] = st
	}
	return out, nil
}

// grantChanges compares the states before and after, user by user.
func grantChanges(ctx context.Context, tx *store.Tx, tenantID int64, ids []int64, before, after map[int64]grantState) ([]GrantChange, error) {
	out := []GrantChange{}
	for _, id := range ids {
		b, af := before[id], after[id]
		g := GrantChange{UserID: id, Cells: []CellChange{}, FunctionsLost: []access.Function{}, Fields: []FieldChange{}}
		for _, o := range access.Objects {
			for _, act := range access.Actions {
				k := cellKey{o, act}
				if !slices.Equal(b.cells[k], af.cells[k]) {
					g.Cells = append(g.Cells, CellChange{Object: o, Action: act, Before: nonNil(b.cells[k]), After: nonNil(af.cells[k])})
				}
			}
		}
		for _, f := range b.functions {
			if !slices.Contains(af.functions, f) {
				g.FunctionsLost = append(g.FunctionsLost, f)
			}
		}
		for k, lv := range b.fields {
			if af.fields[k] != lv {
				g.Fields = append(g.Fields, FieldChange{Object: access.Object(k[0]), Field: k[1], Before: lv, After: af.fields[k]})
			}
		}
		slices.SortFunc(g.Fields, func(x, y FieldChange) int {
			return cmp.Or(cmp.Compare(x.Object, y.Object), cmp.Compare(x.Field, y.Field))
		})
		if len(g.Cells)+len(g.FunctionsLost)+len(g.Fields) == 0 {
			continue
		}
		u, err := tx.User(ctx, tenantID, id)
		if err != nil {
			return nil, err
		}
		g.Name = u.Name
		out = append(out, g)
	}
	return out, nil
}

func nonNil(s []access.Scope) []access.Scope {
	if s == nil {
		return []access.Scope{}
	}
	return s
}
