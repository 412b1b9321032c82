package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/policy"
	"steward/internal/store"
)

// Applying a policy document is declarative: each section the document
// gives is made to be what it says, through the code of the editors for
// one role, rule or pool (saveRole, saveSharingRule, savePool, ...), with
// their checks (nobody gives a function they lack, separation of duties,
// second factors for holders) and their audit entries, then one
// policy.apply entry sums it up. A dry run is the same code in a
// transaction rolled back (move.go, change), so its report is the applied
// one.

// PolicyReport is what applying a document did or, in a dry run, would do:
// the plan (what changes in the policy) and whose access changes and how.
type PolicyReport struct {
	DryRun  bool               `json:"dry_run"`
	ActorID int64              `json:"actor_id"`
	At      time.Time          `json:"at"`
	Plan    policy.Plan        `json:"plan"`
	Users   []PolicyUserChange `json:"users" doc:"every user whose access changes, by id; those left out see no change"`
}

// ApplyPolicy applies a document to the actor's tenant, or with dryRun
// makes it and rolls it back, answering the same report either way.
//
// The actor needs what reading the policy needs (manage_roles or
// view_audit), since the plan shows it, and for each section the document
// changes what its editor needs: manage_roles for roles and separation-of-
// duties rules, manage_sharing for sharing and restriction rules,
// manage_pools for pools. Applying needs a recent sign-in (an API key never
// has one); a dry run changes nothing and does not.
func (s *Service) ApplyPolicy(ctx context.Context, a *Actor, doc policy.Document, dryRun bool) (PolicyReport, error) {
	rep := PolicyReport{DryRun: dryRun, ActorID: a.UserID, Plan: policy.NoChanges(), Users: []PolicyUserChange{}}
	if err := a.needAny(access.ManageRoles, access.ViewAudit); err != nil {
		return rep, err
	}
	if err := doc.Validate(); err != nil {
		return rep, err
	}
	err := s.change(ctx, dryRun, func(tx *store.Tx) error {
		rep.At = s.now()
		cur, err := s.currentPolicy(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		if doc.Tenant != "" && doc.Tenant != cur.Tenant {
			return errs.Field("tenant", "tenant_mismatch", "the document is for the tenant %q, not this one (%q); remove tenant to apply it here", doc.Tenant, cur.Tenant)
		}
		rep.Plan = policy.Diff(cur, doc)
		if err := needForPlan(a, rep.Plan); err != nil || rep.Plan.Empty() {
			return err
		}
		actor := a
		if dryRun {
			// The editors' code asks for a recent sign-in; a dry run changes
			// nothing, so it runs as the actor without a session, for whom
			// that check passes (needStepUp), in a transaction rolled back.
			c := *a
			c.SessionID, c.APIKeyID = 0, 0
			actor = &c
		} else if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		if rep.Users, err = s.measurePolicy(ctx, tx, actor, rep.Plan, func() error { return s.applyPlan(ctx, tx, actor, doc, rep.Plan) }); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, actor, event{action: "policy.apply", targetType: "tenant", targetID: a.TenantID, details: planSummary(rep)}); err != nil {
			return err
		}
		return tx.BumpPolicy(ctx, a.TenantID)
	})
	rep.DryRun = dryRun
	return rep, err
}

// needForPlan refuses a plan touching a section whose editor the actor may
// not use.
func needForPlan(a *Actor, p policy.Plan) error {
	for _, n := range []struct {
		changes []policy.Change
		fn      access.Function
		section string
	}{{p.Roles, access.ManageRoles, "roles"}, {p.SoDRules, access.ManageRoles, "sod_rules"},
		{p.SharingRules, access.ManageSharing, "sharing_rules"}, {p.RestrictionRules, access.ManageSharing, "restriction_rules"},
		{p.Pools, access.ManagePools, "pools"}} {
		if len(n.changes) > 0 && !a.Subject.Can(n.fn) {
			return errs.E(errs.Forbidden, "forbidden", "the document changes %s, which needs the %s function", n.section, n.fn)
		}
	}
	return nil
}

// planSummary is the policy.apply audit entry: what changed, by name, and
// how many users; identifiers only.
func planSummary(rep PolicyReport) map[string]any {
	sections := map[string]any{}
	for name, cs := range map[string][]policy.Change{"roles": rep.Plan.Roles, "sharing_rules": rep.Plan.SharingRules,
		"restriction_rules": rep.Plan.RestrictionRules, "pools": rep.Plan.Pools, "sod_rules": rep.Plan.SoDRules} {
		by := map[string][]string{}
		for _, c := range cs {
			by[c.Change] = append(by[c.Change], c.Name)
		}
		if len(by) > 0 {
			sections[name] = by
		}
	}
	return map[string]any{"changes": sections, "users_affected": len(rep.Users)}
}

// applyPlan makes the plan's changes in an order that keeps every step
// valid: separation-of-duties rules first, so that the role changes are
// judged against the rules the document sets; roles created and changed
// before the rules that may name them; roles removed last, once no rule of
// the document names them.
func (s *Service) applyPlan(ctx context.Context, tx *store.Tx, a *Actor, doc policy.Document, p policy.Plan) error {
	if err := s.applySoDRules(ctx, tx, a, doc, p.SoDRules); err != nil {
		return err
	}
	if err := s.applyRoles(ctx, tx, a, doc, p.Roles); err != nil {
		return err
	}
	roleIDs, err := roleIDsByKey(ctx, tx, a.TenantID)
	if err != nil {
		return err
	}
	if err := s.applySharingRules(ctx, tx, a, doc, p.SharingRules, roleIDs); err != nil {
		return err
	}
	if err := s.applyRestrictions(ctx, tx, a, doc, p.RestrictionRules, roleIDs); err != nil {
		return err
	}
	if err := s.applyPools(ctx, tx, a, doc, p.Pools); err != nil {
		return err
	}
	return s.removeRoles(ctx, tx, a, p.Roles)
}

func (s *Service) applySoDRules(ctx context.Context, tx *store.Tx, a *Actor, doc policy.Document, cs []policy.Change) error {
	stored, err := tx.SoDRules(ctx, a.TenantID)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, r := range stored {
		ids[r.Name] = r.ID
	}
	for _, c := range cs {
		if c.Change == policy.Delete {
			if err := s.deleteSoDRuleIn(ctx, tx, a, ids[c.Name]); err != nil {
				return removing("sod_rules", c.Name, err)
			}
			continue
		}
		r := itemNamed(doc.SoDRules, c.Name, func(r policy.SoDRule) string { return r.Name })
		if _, err := s.saveSoDRuleIn(ctx, tx, a, ids[c.Name], sodInput(r.Name, r.Holdings, r.Mode, r.Description)); err != nil {
			return policy.Under(c.Path, err)
		}
	}
	return nil
}

func (s *Service) applyRoles(ctx context.Context, tx *store.Tx, a *Actor, doc policy.Document, cs []policy.Change) error {
	cat, err := catalogueOf(ctx, tx, a.TenantID)
	if err != nil {
		return err
	}
	if err := s.gateRoles(ctx, tx, a, doc, cs); err != nil {
		return err
	}
	for _, c := range cs {
		if c.Change == policy.Delete {
			continue // removeRoles, once the rules are done
		}
		r := itemNamed(doc.Roles, c.Name, func(r policy.Role) string { return r.Key })
		perms, fns, rules := r.Grants()
		for _, f := range rules {
			if _, ok := cat.Get(f.Object, f.Field); !ok && f.Field != access.AllFields {
				return errs.Field(c.Path+".fields."+string(f.Object)+"."+f.Field, "unknown_field", "%s is not a field of %s", f.Field, f.Object)
			}
		}
		in := RoleInput{Key: &r.Key, Name: &r.Name, Description: &r.Description, Permissions: &perms, Functions: &fns, Fields: &rules}
		key := r.Key
		if c.Change == policy.Create {
			key = ""
		}
		if _, err := s.saveRole(ctx, tx, a, key, in); err != nil {
			return policy.Under(c.Path, err)
		}
	}
	return nil
}

// gateRoles passes the document's role changes, all of them at once, through
// the separation-of-duties gate (docs/separation-of-duties.md, "For a
// future policy apply"), so that a refusal names every user in breach.
// Each role then passes it again as saveRole saves it. A document carries
// no justification, so a conflict a justify rule would allow with one is
// refused, with where to make that change instead.
func (s *Service) gateRoles(ctx context.Context, tx *store.Tx, a *Actor, doc policy.Document, cs []policy.Change) error {
	var roles []access.Role
	for _, c := range cs {
		if c.Change == policy.Delete {
			continue
		}
		r := itemNamed(doc.Roles, c.Name, func(r policy.Role) string { return r.Key })
		ar := access.Role{Key: r.Key, Name: r.Name}
		ar.Permissions, ar.Functions, ar.Fields = r.Grants()
		if c.Change == policy.Update {
			cur, err := tx.Role(ctx, a.TenantID, r.Key)
			if err != nil {
				return err
			}
			ar.ID, ar.Preset = cur.ID, cur.Preset
		}
		roles = append(roles, ar)
	}
	if len(roles) == 0 {
		return nil
	}
	st, err := s.sodStateOf(ctx, tx, a.TenantID)
	if err != nil {
		return err
	}
	_, err = s.enforceSoD(ctx, tx, a, st, SoDChange{Roles: roles, Field: "roles"})
	if e := errs.As(err); err != nil && e.Code == "sod_justification_required" {
		c := *e
		c.Message = strings.SplitN(e.Message, ";", 2)[0] + "; the rule allows it with a justification, which a policy document cannot carry: " +
			"make this change with PATCH /roles/{key} and a justification, then export the policy again"
		return &c
	}
	return err
}

func (s *Service) applySharingRules(ctx context.Context, tx *store.Tx, a *Actor, doc policy.Document, cs []policy.Change, roleIDs map[string]int64) error {
	stored, err := tx.SharingRules(ctx, a.TenantID)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, r := range stored {
		ids[r.Name] = r.ID
	}
	for _, c := range cs {
		if c.Change == policy.Delete {
			if err := s.deleteSharingRule(ctx, tx, a, ids[c.Name]); err != nil {
				return removing("sharing_rules", c.Name, err)
			}
			continue
		}
		r := itemNamed(doc.SharingRules, c.Name, func(r policy.SharingRule) string { return r.Name })
		p, err := principalOf(r.Principal, roleIDs, c.Path+".principal")
		if err != nil {
			return err
		}
		in := SharingRuleInput{Name: r.Name, Criteria: r.Criteria, Principal: p, Level: r.Level, Reason: r.Reason}
		if _, err := s.saveSharingRule(ctx, tx, a, ids[c.Name], in); err != nil {
			return policy.Under(c.Path, err)
		}
	}
	return nil
}

func (s *Service) applyRestrictions(ctx context.Context, tx *store.Tx, a *Actor, doc policy.Document, cs []policy.Change, roleIDs map[string]int64) error {
	stored, err := tx.RestrictionRules(ctx, a.TenantID)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, r := range stored {
		ids[r.Name] = r.ID
	}
	for _, c := range cs {
		if c.Change == policy.Delete {
			if err := s.deleteRestriction(ctx, tx, a, ids[c.Name]); err != nil {
				return removing("restriction_rules", c.Name, err)
			}
			continue
		}
		// The canonical order of principals is the stored one, so that an
		// export after the apply lists them as the document does.
		r := itemNamed(doc.Canonical().RestrictionRules, c.Name, func(r policy.RestrictionRule) string { return r.Name })
		in := RestrictionInput{Name: r.Name, Criteria: r.Criteria, Reason: r.Reason}
		for i, pp := range r.Principals {
			p, err := principalOf(pp, roleIDs, fmt.Sprintf("%s.principals[%d]", c.Path, i))
			if err != nil {
				return err
			}
			in.Principals = append(in.Principals, p)
		}
		if _, err := s.saveRestriction(ctx, tx, a, ids[c.Name], in); err != nil {
			return policy.Under(c.Path, err)
		}
	}
	return nil
}

func (s *Service) applyPools(ctx context.Context, tx *store.Tx, a *Actor, doc policy.Document, cs []policy.Change) error {
	stored, err := tx.Pools(ctx, a.TenantID)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, p := range stored {
		ids[p.Name] = p.ID
	}
	for _, c := range cs {
		if c.Change == policy.Delete {
			if err := s.deletePool(ctx, tx, a, ids[c.Name]); err != nil {
				return removing("pools", c.Name, err)
			}
			continue
		}
		p := itemNamed(doc.Pools, c.Name, func(p policy.Pool) string { return p.Name })
		in := PoolInput{Name: p.Name, Departments: slices.Sorted(slices.Values(p.Departments)), HoldingCap: p.HoldingCap,
			CooldownDays: p.CooldownDays, AutoReturnDays: p.AutoReturnDays}
		if _, err := s.savePool(ctx, tx, a, ids[c.Name], in); err != nil {
			return policy.Under(c.Path, err)
		}
	}
	return nil
}

// removeRoles removes the roles the plan deletes. A role still assigned
// (expired assignments count, as for DeleteRole) or named by a rule is
// refused, with whom or what, so that nothing is left pointing at it.
func (s *Service) removeRoles(ctx context.Context, tx *store.Tx, a *Actor, cs []policy.Change) error {
	for _, c := range cs {
		if c.Change != policy.Delete {
			continue
		}
		r, err := tx.Role(ctx, a.TenantID, c.Name)
		if err != nil {
			return err
		}
		users, err := tx.RoleAssignees(ctx, a.TenantID, r.ID)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return &errs.Error{Kind: errs.Conflict, Code: "role_in_use", Field: "roles",
				Message: fmt.Sprintf("the document leaves out the role %s, which users %s still hold (or held until an expiry); revoke it first or keep the role", r.Key, idList(users))}
		}
		if by, err := rulesNaming(ctx, tx, a.TenantID, r.ID); err != nil || by != "" {
			if err == nil {
				err = &errs.Error{Kind: errs.Conflict, Code: "role_in_use", Field: "roles",
					Message: fmt.Sprintf("the document leaves out the role %s, which the %s names", r.Key, by)}
			}
			return err
		}
		if err := s.deleteRole(ctx, tx, a, r.Key); err != nil {
			return removing("roles", r.Key, err)
		}
	}
	return nil
}

// rulesNaming names a rule whose principal is the role, "" when none is.
func rulesNaming(ctx context.Context, tx *store.Tx, tenantID, roleID int64) (string, error) {
	names := func(p access.Principal) bool { return p.Type == access.PrincipalRole && p.ID == roleID }
	shares, err := tx.SharingRules(ctx, tenantID)
	if err != nil {
		return "", err
	}
	for _, r := range shares {
		if names(r.Principal) {
			return fmt.Sprintf("sharing rule %q", r.Name), nil
		}
	}
	denies, err := tx.RestrictionRules(ctx, tenantID)
	if err != nil {
		return "", err
	}
	for _, r := range denies {
		if slices.ContainsFunc(r.Principals, names) {
			return fmt.Sprintf("restriction rule %q", r.Name), nil
		}
	}
	return "", nil
}

func roleIDsByKey(ctx context.Context, tx *store.Tx, tenantID int64) (map[string]int64, error) {
	roles, err := tx.Roles(ctx, tenantID)
	out := map[string]int64{}
	for _, r := range roles {
		out[r.Key] = r.ID
	}
	return out, err
}

// principalOf resolves a document's principal; a role is named by key.
func principalOf(p policy.Principal, roleIDs map[string]int64, at string) (access.Principal, error) {
	out, ok := p.Access(func(k string) (int64, bool) { id, ok := roleIDs[k]; return id, ok })
	if !ok {
		return out, errs.Field(at+".role", "invalid_reference", "no role has the key %q", p.Role)
	}
	return out, nil
}

// itemNamed finds the item of a section with a name; the plan was made
// from the section, so it is there.
func itemNamed[T any](items *[]T, name string, nameOf func(T) string) T {
	for _, it := range *items {
		if nameOf(it) == name {
			return it
		}
	}
	panic("policy: a planned item is missing from its document: " + name)
}

// removing says which item an error about removing it concerns.
func removing(section, name string, err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind == errs.Internal {
		return err
	}
	c := *e
	c.Field = section
	c.Message = fmt.Sprintf("removing %q, which the document leaves out: %s", name, e.Message)
	return &c
}

func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ", ")
}
