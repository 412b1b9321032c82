package service

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// Groups lists the tenant's groups.
func (s *Service) Groups(ctx context.Context, a *Actor) ([]org.Group, error) {
	var out []org.Group
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Groups(ctx, a.TenantID)
		return err
	})
	if out == nil {
		out = []org.Group{}
	}
	return out, err
}

// Group returns one group.
func (s *Service) Group(ctx context.Context, a *Actor, id int64) (org.Group, error) {
	var g org.Group
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		g, err = tx.Group(ctx, a.TenantID, id)
		return err
	})
	return g, err
}

// SaveGroup creates (id 0) or updates a group.
func (s *Service) SaveGroup(ctx context.Context, a *Actor, id int64, in org.GroupInput) (org.Group, error) {
	return s.saveGroup(ctx, a, id, func(g *org.Group) error { return in.Apply(g, id == 0) })
}

// AddGroupMember and RemoveGroupMember change one member of a group,
// reading the members inside the change's own transaction with the group
// held: two administrators editing one group at once cannot undo each
// other's change, as writing back a list read earlier could.
// A user already in the group is a conflict, not a change: the caller's
// view of the group was out of date, and nothing is recorded. An unknown
// user is reported on user_id.
func (s *Service) AddGroupMember(ctx context.Context, a *Actor, id, userID int64) (org.Group, error) {
	g, err := s.saveGroup(ctx, a, id, func(g *org.Group) error {
		if slices.Contains(g.Members, userID) {
			return errs.E(errs.Conflict, "already_member", "user %d is already a member of the group", userID)
		}
		g.Members = append(g.Members, userID)
		return nil
	})
	if e := errs.As(err); e.Kind == errs.Invalid && strings.HasPrefix(e.Field, "members[") {
		err = errs.Field("user_id", e.Code, "user_id names no user with id %d", userID)
	}
	return g, err
}

// RemoveGroupMember: see AddGroupMember.
func (s *Service) RemoveGroupMember(ctx context.Context, a *Actor, id, userID int64) (org.Group, error) {
	return s.saveGroup(ctx, a, id, func(g *org.Group) error {
		if !slices.Contains(g.Members, userID) {
			return errs.NotVisible("member")
		}
		g.Members = slices.DeleteFunc(g.Members, func(x int64) bool { return x == userID })
		return nil
	})
}

// saveGroup creates (id 0) or changes a group with change, in one
// transaction that holds the group while it reads and writes it.
func (s *Service) saveGroup(ctx context.Context, a *Actor, id int64, change func(*org.Group) error) (org.Group, error) {
	var g org.Group
	if err := a.need(access.ManageUsers); err != nil {
		return g, err
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var before []int64
		g = org.Group{}
		if id != 0 {
			var err error
			if g, err = tx.GroupForUpdate(ctx, a.TenantID, id); err != nil {
				return err
			}
			before = slices.Clone(g.Members)
		}
		if err := change(&g); err != nil {
			return err
		}
		for i, uid := range g.Members {
			if _, err := tx.User(ctx, a.TenantID, uid); err != nil {
				return errs.Field("members["+strconv.Itoa(i)+"]", "invalid_reference", "members names no user with id %d", uid)
			}
		}
		if err := tx.SaveGroup(ctx, a.TenantID, &g, s.now()); err != nil {
			return err
		}
		if g.Members == nil {
			g.Members = []int64{}
		}
		action := "group.update"
		if id == 0 {
			action = "group.create"
		}
		if err := s.rec(ctx, tx, a, event{action: action, targetType: "group", targetID: g.ID,
			details: map[string]any{"members": map[string]any{"before": before, "after": g.Members}}}); err != nil {
			return err
		}
		return tx.BumpPolicy(ctx, a.TenantID)
	})
	return g, err
}

// DeleteGroup removes a group.
func (s *Service) DeleteGroup(ctx context.Context, a *Actor, id int64) error {
	if err := a.need(access.ManageUsers); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		g, err := tx.Group(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteGroup(ctx, a.TenantID, id); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "group.delete", targetType: "group", targetID: id, details: map[string]any{"members": g.Members}}); err != nil {
			return err
		}
		return tx.BumpPolicy(ctx, a.TenantID)
	})
}
