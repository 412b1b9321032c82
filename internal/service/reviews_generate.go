package service

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// Generating a campaign's items: who is in scope and who reviews them is
// decided here over the whole org read at once; the store then copies the
// grants with one statement per kind (store/reviews_generate.go).

// reviewOrg is a tenant's org as generation reads it.
type reviewOrg struct {
	users map[int64]org.User
	ids   []int64 // every user, by id
	depts map[int64]org.Department
	heads map[int64]int64 // department → its head, for departments that have one
	roles map[int64][]string
	defs  map[string]access.Role
}

func readReviewOrg(ctx context.Context, tx *store.Tx, tenantID int64, now time.Time) (*reviewOrg, error) {
	o := &reviewOrg{users: map[int64]org.User{}, depts: map[int64]org.Department{}, heads: map[int64]int64{}, defs: map[string]access.Role{}}
	users, err := tx.Users(ctx, tenantID, store.UserPage{Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	ds, err := tx.Departments(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if o.roles, err = tx.RoleKeysByUser(ctx, tenantID, now); err != nil {
		return nil, err
	}
	defs, err := tx.Roles(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, r := range defs {
		o.defs[r.Key] = r
	}
	for _, d := range ds {
		o.depts[d.ID] = d
	}
	for _, u := range users {
		o.users[u.ID] = u
		o.ids = append(o.ids, u.ID)
	}
	// A department's head is its active member whose manager sits outside
	// it (or who has none); the lowest id where there are several.
	for _, id := range o.ids {
		u := o.users[id]
		if u.Status != org.StatusActive {
			continue
		}
		if m, ok := o.manager(id); ok && o.users[m].DepartmentID == u.DepartmentID {
			continue
		}
		if _, taken := o.heads[u.DepartmentID]; !taken {
			o.heads[u.DepartmentID] = id
		}
	}
	return o, nil
}

func (o *reviewOrg) manager(id int64) (int64, bool) {
	u, ok := o.users[id]
	if !ok || u.ManagerID == nil {
		return 0, false
	}
	return *u.ManagerID, true
}

func (o *reviewOrg) active(id int64) bool {
	u, ok := o.users[id]
	return ok && u.Status == org.StatusActive
}

// inScope lists the users a scope covers, by id. Every criterion given
// must hold; users of any status are covered, since a suspended or
// deactivated account keeps its grants until someone removes them.
func (o *reviewOrg) inScope(sc ReviewScope) []int64 {
	var out []int64
	for _, id := range o.ids {
		if sc.All || (o.inDepartments(id, sc) && o.holdsRole(id, sc.Roles) && o.holdsFunction(id, sc.Functions)) {
			out = append(out, id)
		}
	}
	return out
}

func (o *reviewOrg) inDepartments(id int64, sc ReviewScope) bool {
	if len(sc.Departments) == 0 {
		return true
	}
	d := o.users[id].DepartmentID
	if sc.IncludeSubdepartments {
		for _, anc := range o.depts[d].Path {
			if slices.Contains(sc.Departments, anc) {
				return true
			}
		}
	}
	return slices.Contains(sc.Departments, d)
}

func (o *reviewOrg) holdsRole(id int64, keys []string) bool {
	if len(keys) == 0 {
		return true
	}
	for _, k := range o.roles[id] {
		if slices.Contains(keys, k) {
			return true
		}
	}
	return false
}

// holdsFunction: a role of the user carries one of the system functions,
// or grants one of the actions on some object with a scope.
func (o *reviewOrg) holdsFunction(id int64, fns []string) bool {
	if len(fns) == 0 {
		return true
	}
	for _, k := range o.roles[id] {
		r := o.defs[k]
		for _, f := range fns {
			if slices.Contains(r.Functions, access.Function(f)) {
				return true
			}
			for _, p := range r.Permissions {
				if string(p.Action) == f && p.Scope != access.None {
					return true
				}
			}
		}
	}
	return false
}

// reviewerOf is the reviewer of a user's role assignments (and of their
// other grants under every rule but record_owner): the rule's choice,
// routed away from the user themselves and from inactive reviewers. i is
// the user's place among those in scope, which spreads them over named
// reviewers in turn.
func (o *reviewOrg) reviewerOf(rule ReviewerRule, user int64, i int, owner int64) *int64 {
	var pick int64
	switch rule.Rule {
	case RuleDepartmentHead:
		pick = o.headOf(o.users[user].DepartmentID)
	case RuleNamed:
		for k := range rule.Users {
			if c := rule.Users[(i+k)%len(rule.Users)]; c != user {
				pick = c
				break
			}
		}
	default: // manager, and record_owner for roles
		pick, _ = o.manager(user)
	}
	return o.route(user, pick, owner)
}

// headOf is the head of a department, or of the nearest one above it
// that has a head.
func (o *reviewOrg) headOf(dept int64) int64 {
	path := o.depts[dept].Path
	for i := len(path) - 1; i >= 0; i-- {
		if h, ok := o.heads[path[i]]; ok {
			return h
		}
	}
	return 0
}

// route makes sure nobody reviews their own access and every reviewer can
// act: a pick who is the user, or not active, hands over to their manager,
// and so on up the chain; with nobody left, the campaign's owner reviews,
// unless the owner is the user, and then nobody is assigned (any run_reviews
// holder but the user may decide).
func (o *reviewOrg) route(user, pick, owner int64) *int64 {
	for steps := 0; pick != 0 && steps <= len(o.ids); steps++ {
		if pick != user && o.active(pick) {
			return &pick
		}
		next, ok := o.manager(pick)
		if !ok {
			break
		}
		pick = next
	}
	if owner != user && o.active(owner) {
		return &owner
	}
	return nil
}

// reviewGenerated counts what starting a campaign made.
type reviewGenerated struct {
	Users int   `json:"users"`
	Roles int64 `json:"role_items"`
	Teams int64 `json:"team_items"`
	Share int64 `json:"share_items"`
}

// generateReview makes a campaign's items in the caller's transaction.
func (s *Service) generateReview(ctx context.Context, tx *store.Tx, c store.ReviewCampaign, now time.Time) (reviewGenerated, error) {
	var out reviewGenerated
	var scope ReviewScope
	var rule ReviewerRule
	if err := json.Unmarshal([]byte(c.Scope), &scope); err != nil {
		return out, errs.Wrap(err, "service.generateReview")
	}
	if err := json.Unmarshal([]byte(c.Reviewers), &rule); err != nil {
		return out, errs.Wrap(err, "service.generateReview")
	}
	o, err := readReviewOrg(ctx, tx, c.TenantID, now)
	if err != nil {
		return out, err
	}
	users := o.inScope(scope)
	subjects := make([]store.ReviewSubject, len(users))
	for i, u := range users {
		subjects[i] = store.ReviewSubject{UserID: u, ReviewerID: o.reviewerOf(rule, u, i, c.CreatedBy)}
	}
	out.Users = len(users)
	if err := tx.SaveReviewGeneration(ctx, c.ID, subjects); err != nil {
		return out, err
	}
	// Role items are stamped before the others exist: each role's
	// statement then scans the campaign's role items only.
	kinds := scope.kinds()
	if slices.Contains(kinds, store.ReviewRole) {
		if out.Roles, err = tx.GenerateRoleItems(ctx, c.TenantID, c.ID, now); err != nil {
			return out, err
		}
		if err := stampRoles(ctx, tx, c, o, out.Roles); err != nil {
			return out, err
		}
	}
	byOwner := rule.Rule == RuleRecordOwner
	if slices.Contains(kinds, store.ReviewTeam) {
		if out.Teams, err = tx.GenerateTeamItems(ctx, c.TenantID, c.ID, now, byOwner); err != nil {
			return out, err
		}
	}
	if slices.Contains(kinds, store.ReviewShare) {
		if out.Share, err = tx.GenerateShareItems(ctx, c.TenantID, c.ID, now, byOwner); err != nil {
			return out, err
		}
	}
	if out.Teams+out.Share > 0 {
		if err := tx.StampRecordExercise(ctx, c.TenantID, c.ID); err != nil {
			return out, err
		}
	}
	return out, tx.ClearReviewGeneration(ctx, c.ID)
}

// stampRoles sets when each role item was last exercised, from the audit
// trail (reviews_exercise.go says what counts).
func stampRoles(ctx context.Context, tx *store.Tx, c store.ReviewCampaign, o *reviewOrg, n int64) error {
	if n == 0 {
		return nil
	}
	for _, key := range slices.Sorted(maps.Keys(o.defs)) {
		r := o.defs[key]
		if err := tx.StampRoleExercise(ctx, c.TenantID, c.ID, r.ID, auditActionsOf(r)); err != nil {
			return err
		}
	}
	return nil
}
