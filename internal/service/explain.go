package service

import (
	"context"
	"slices"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// Explanation answers "why can (or can't) this user do this with this
// customer?": every object and action, each with its grant paths, the
// restrictions that applied, or what is missing.
type Explanation struct {
	CustomerID int64             `json:"customer_id"`
	UserID     int64             `json:"user_id"`
	Decisions  []access.Decision `json:"decisions"`
	// Fields is the user's access to each field of the customer and of the
	// records under it, and which roles gave it.
	Fields []access.FieldDecision `json:"fields"`
}

// mayExplainOthers is who may ask about any user: the people who manage
// users or audit access.
func (a *Actor) mayExplainOthers() bool {
	return a.Subject.Can(access.ManageUsers) || a.Subject.Can(access.ViewAudit)
}

// Explain explains a user's access to a customer. Anyone may ask about
// themselves, for customers they can see; holders of manage_users or
// view_audit may ask about anyone and any customer of the tenant.
func (s *Service) Explain(ctx context.Context, a *Actor, customerID, userID int64) (Explanation, error) {
	ex := Explanation{CustomerID: customerID, UserID: userID}
	if userID == 0 {
		ex.UserID = a.UserID
	}
	if ex.UserID != a.UserID && !a.mayExplainOthers() {
		return ex, errs.E(errs.Forbidden, "forbidden", "explaining another user's access needs manage_users or view_audit")
	}
	target := a
	if ex.UserID != a.UserID {
		var err error
		if target, err = s.actorForExplain(ctx, a.TenantID, ex.UserID); err != nil {
			return ex, err
		}
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var c, err = tx.Customer(ctx, a.TenantID, customerID)
		if err != nil {
			return err
		}
		rec, err := recordOf(ctx, tx, a.TenantID, c)
		if err != nil {
			return err
		}
		if !a.mayExplainOthers() && !a.Subject.Check(access.Customer, access.View, rec).Allowed {
			return errs.NotVisible("customer")
		}
		for _, o := range access.Objects {
			for _, act := range access.Actions {
				ex.Decisions = append(ex.Decisions, target.Subject.Check(o, act, rec))
			}
		}
		only := inPool(c) && poolOnlyRecord(target, rec)
		ex.Fields = []access.FieldDecision{}
		for _, o := range access.Objects {
			for _, f := range target.Subject.FieldsOf(o) {
				d := target.fieldAccess(o, f.Field, only)
				if d.Access != f.Access {
					d.Roles = append(slices.Clone(d.Roles), "pool:seen only through a pool until claimed")
				}
				ex.Fields = append(ex.Fields, d)
			}
		}
		return nil
	})
	return ex, err
}

// actorForExplain builds the subject of any user, active or not, so that an
// administrator can see why a suspended user can no longer do anything.
func (s *Service) actorForExplain(ctx context.Context, tenantID, userID int64) (*Actor, error) {
	var a *Actor
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, tenantID, userID)
		if err != nil {
			return errs.Field("user_id", "invalid_reference", "user_id names no user of this tenant")
		}
		sub, cat, err := s.subject(ctx, tx, tenantID, u, s.now())
		if err != nil {
			return err
		}
		if u.Status != "active" {
			// An inactive user can do nothing, whatever their roles say.
			sub = access.NewSubject(access.SubjectFacts{TenantID: tenantID, UserID: u.ID, DeptID: sub.DeptID, DeptPath: sub.DeptPath, Now: sub.Now, Fields: cat.Refs()})
		}
		a = &Actor{TenantID: tenantID, UserID: u.ID, User: u, Subject: sub, Fields: cat}
		return nil
	})
	return a, err
}

// EffectivePermissions is everything a user may do, with where it comes from.
type EffectivePermissions struct {
	UserID       int64               `json:"user_id"`
	Status       string              `json:"status"`
	Roles        []store.Assignment  `json:"roles"`
	Matrix       map[string][]string `json:"matrix"` // "customer.view" → scopes
	Functions    []access.Function   `json:"functions"`
	Groups       []int64             `json:"groups"`
	SharingRules []int64             `json:"sharing_rules"` // rules that name this user
	Restrictions []int64             `json:"restrictions"`  // restriction rules that apply
	Pools        []int64             `json:"pools"`
}

// EffectivePermissions lists a user's effective permissions. Anyone may ask
// about themselves; manage_users or view_audit may ask about anyone.
func (s *Service) EffectivePermissions(ctx context.Context, a *Actor, userID int64) (EffectivePermissions, error) {
	ep := EffectivePermissions{UserID: userID, Matrix: map[string][]string{}}
	if userID != a.UserID && !a.mayExplainOthers() {
		return ep, errs.E(errs.Forbidden, "forbidden", "another user's permissions need manage_users or view_audit")
	}
	target, err := s.actorForExplain(ctx, a.TenantID, userID)
	if err != nil {
		return ep, hideAs(err, "user")
	}
	ep.Status = target.User.Status
	sub := target.Subject
	for _, o := range access.Objects {
		for _, act := range access.Actions {
			for _, sc := range sub.ScopesFor(o, act) {
				k := string(o) + "." + string(act)
				ep.Matrix[k] = append(ep.Matrix[k], string(sc))
			}
		}
	}
	ep.Functions, ep.Groups, ep.Pools = sub.Functions(), orEmpty(sub.Groups), orEmpty(sub.PoolIDs())
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		if ep.Roles, err = tx.Assignments(ctx, a.TenantID, userID); err != nil {
			return err
		}
		rules, err := tx.SharingRules(ctx, a.TenantID)
		for _, r := range rules {
			if sub.Names(r.Principal) {
				ep.SharingRules = append(ep.SharingRules, r.ID)
			}
		}
		return err
	})
	ep.Restrictions = sub.RestrictionIDs()
	ep.SharingRules, ep.Restrictions, ep.Roles = orEmpty(ep.SharingRules), orEmpty(ep.Restrictions), orEmpty(ep.Roles)
	if ep.Functions == nil {
		ep.Functions = []access.Function{}
	}
	return ep, err
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clip(s)
}
