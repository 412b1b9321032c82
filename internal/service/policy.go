package service

import (
	"context"
	"strconv"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/policy"
	"steward/internal/store"
)

// Policy as code (docs/policy-as-code.md): the tenant's roles, rules, pools
// and separation-of-duties rules are exported as one document and applied
// from one. The document is internal/policy's; reading it from the data is
// here, applying it is policy_apply.go, and measuring whom it changes is
// policy_measure.go.

// ExportPolicy returns the tenant's policy as a document in its canonical
// form. Reading the whole policy is what reading roles and rules needs:
// manage_roles, or view_audit for auditors.
func (s *Service) ExportPolicy(ctx context.Context, a *Actor) (policy.Document, error) {
	var d policy.Document
	if err := a.needAny(access.ManageRoles, access.ViewAudit); err != nil {
		return d, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		d, err = s.currentPolicy(ctx, tx, a.TenantID)
		return err
	})
	return d.Canonical(), err
}

// currentPolicy reads the tenant's policy, every section given, with the
// names of departments and groups for the YAML form's comments.
func (s *Service) currentPolicy(ctx context.Context, tx *store.Tx, tenantID int64) (policy.Document, error) {
	d := policy.Document{Version: policy.FormatVersion, Labels: map[string]string{}}
	t, err := tx.Tenant(ctx, tenantID)
	if err != nil {
		return d, err
	}
	d.Tenant = t.Slug
	roles, err := tx.Roles(ctx, tenantID)
	if err != nil {
		return d, err
	}
	rs := make([]policy.Role, len(roles))
	keys := map[int64]string{}
	for i, r := range roles {
		rs[i] = policy.RoleOf(r)
		keys[r.ID] = r.Key
	}
	d.Roles = &rs
	key := func(id int64) (string, bool) { k, ok := keys[id]; return k, ok }
	if err := s.currentRules(ctx, tx, tenantID, &d, key); err != nil {
		return d, err
	}
	if err := s.currentPools(ctx, tx, tenantID, &d); err != nil {
		return d, err
	}
	return d, s.policyLabels(ctx, tx, tenantID, &d)
}

func (s *Service) currentRules(ctx context.Context, tx *store.Tx, tenantID int64, d *policy.Document, key func(int64) (string, bool)) error {
	shares, err := tx.SharingRules(ctx, tenantID)
	if err != nil {
		return err
	}
	sr := make([]policy.SharingRule, len(shares))
	for i, r := range shares {
		sr[i] = policy.SharingRule{Name: r.Name, Criteria: r.Criteria, Principal: policy.PrincipalOf(r.Principal, key), Level: r.Level, Reason: r.Reason}
	}
	d.SharingRules = &sr
	restrictions, err := tx.RestrictionRules(ctx, tenantID)
	if err != nil {
		return err
	}
	rr := make([]policy.RestrictionRule, len(restrictions))
	for i, r := range restrictions {
		rr[i] = policy.RestrictionRule{Name: r.Name, Criteria: r.Criteria, Reason: r.Reason, Principals: []policy.Principal{}}
		for _, p := range r.Principals {
			rr[i].Principals = append(rr[i].Principals, policy.PrincipalOf(p, key))
		}
	}
	d.RestrictionRules = &rr
	sod, err := tx.SoDRules(ctx, tenantID)
	if err != nil {
		return err
	}
	so := make([]policy.SoDRule, len(sod))
	for i, r := range sod {
		so[i] = policy.SoDRule{Name: r.Name, Mode: string(r.Mode), Description: r.Description, Holdings: []string{}}
		for _, h := range r.Holdings {
			so[i].Holdings = append(so[i].Holdings, string(h))
		}
	}
	d.SoDRules = &so
	return nil
}

func (s *Service) currentPools(ctx context.Context, tx *store.Tx, tenantID int64, d *policy.Document) error {
	pools, err := tx.Pools(ctx, tenantID)
	if err != nil {
		return err
	}
	ps := make([]policy.Pool, len(pools))
	for i, p := range pools {
		ps[i] = policy.Pool{Name: p.Name, Departments: p.Departments, HoldingCap: p.HoldingCap, CooldownDays: p.CooldownDays, AutoReturnDays: p.AutoReturnDays}
	}
	d.Pools = &ps
	return nil
}

// policyLabels names the departments and groups the document may mention.
func (s *Service) policyLabels(ctx context.Context, tx *store.Tx, tenantID int64, d *policy.Document) error {
	depts, err := tx.Departments(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, dp := range depts {
		d.Labels["department:"+strconv.FormatInt(dp.ID, 10)] = dp.Name
	}
	groups, err := tx.Groups(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		d.Labels["group:"+strconv.FormatInt(g.ID, 10)] = g.Name
	}
	return nil
}

// PolicyActor is the actor on whose behalf the command line reads or
// applies a tenant's policy: the active user with the e-mail given, or,
// without one, the tenant's first administrator (the active holder of the
// administrator role with the lowest id). The command line has no session,
// so a change it makes needs no recent sign-in, as for jobs; its audit
// entries name that user.
func (s *Service) PolicyActor(ctx context.Context, slug, email string) (*Actor, error) {
	var tenantID, userID int64
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		t, err := tx.TenantBySlug(ctx, slug)
		if err != nil {
			return errs.E(errs.NotFound, "not_found", "no tenant has the slug %q", slug)
		}
		tenantID = t.ID
		if email == "" {
			if userID, err = tx.FirstHolder(ctx, t.ID, "administrator", s.now()); err != nil {
				return errs.E(errs.NotFound, "not_found", "the tenant %q has no active administrator; name a user with --as", slug)
			}
			return nil
		}
		u, _, err := tx.UserCredentials(ctx, t.ID, email)
		if err != nil {
			return errs.E(errs.NotFound, "not_found", "the tenant %q has no user %s", slug, email)
		}
		userID = u.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.ActorFor(ctx, tenantID, userID)
}
