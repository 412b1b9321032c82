package service

import (
	"context"
	"encoding/json"
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
// dormant is the set of dormant users, read when the scope asks for them.
func (o *reviewOrg) inScope(sc ReviewScope, dormant map[int64]bool) []int64 {
	named := make(map[int64]bool, len(sc.Users))
	for _, id := range sc.Users {
		named[id] = true
	}
	var out []int64
	for _, id := range o.ids {
		if sc.All || (o.inDepartments(id, sc) && o.holdsRole(id, sc.Roles) && o.holdsFunction(id, sc.Functions) &&
			(len(sc.Users) == 0 || named[id]) && (sc.DormantDays == 0 || dormant[id])) {
			out = append(out, id)
		}
	}
	return out
}

// dormantUsers are the users GET /insights/dormant-accounts lists for the
// scope's days at now, when the scope asks for them (the caller has folded
// the trail, whose sign-ins they are judged by).
func dormantUsers(ctx context.Context, tx *store.Tx, tenantID int64, sc ReviewScope, now time.Time) (map[int64]bool, error) {
	out := map[int64]bool{}
	if sc.DormantDays == 0 {
		return out, nil
	}
	users, err := tx.DormantUsers(ctx, tenantID, now.Add(-time.Duration(sc.DormantDays)*24*time.Hour), 0, 1<<30)
	for _, u := range users {
		out[u.User.ID] = true
	}
	return out, err
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
	dormant, err := dormantUsers(ctx, tx, c.TenantID, scope, now)
	if err != nil {
		return out, err
	}
	users := o.inScope(scope, dormant)
	subjects := make([]store.ReviewSubject, len(users))
	for i, u := range users {
		subjects[i] = store.ReviewSubject{UserID: u, ReviewerID: o.reviewerOf(rule, u, i, c.CreatedBy)}
	}
	out.Users = len(users)
	if err := tx.SaveReviewGeneration(ctx, c.ID, subjects); err != nil {
		return out, err
	}
	kinds := scope.kinds()
	f := store.ReviewGrants{Now: now, ByOwner: rule.Rule == RuleRecordOwner}
	if scope.StaleDays > 0 {
		before := now.AddDate(0, 0, -scope.StaleDays)
		f.StaleBefore = &before
	}
	if slices.Contains(kinds, store.ReviewRole) {
		if out.Roles, err = tx.GenerateRoleItems(ctx, c.TenantID, c.ID, f); err != nil {
			return out, err
		}
		if err := stampRoles(ctx, tx, c, o, users); err != nil {
			return out, err
		}
	}
	if slices.Contains(kinds, store.ReviewTeam) {
		if out.Teams, err = tx.GenerateTeamItems(ctx, c.TenantID, c.ID, f); err != nil {
			return out, err
		}
	}
	if slices.Contains(kinds, store.ReviewShare) {
		if out.Share, err = tx.GenerateShareItems(ctx, c.TenantID, c.ID, f); err != nil {
			return out, err
		}
	}
	if out.Teams+out.Share > 0 {
		if err := tx.StampRecordExercise(ctx, c.TenantID, c.ID); err != nil {
			return out, err
		}
	}
	if err := tx.ClearReviewGeneration(ctx, c.ID); err != nil {
		return out, err
	}
	return out, tx.AnalyzeReviewItems(ctx)
}

// stampRoles sets when each role item was last exercised: the latest
// entry, in the trail folded per user and action (the caller folds it
// first), of an action showing the use of the role (reviews_exercise.go),
// if it came after the assignment.
func stampRoles(ctx context.Context, tx *store.Tx, c store.ReviewCampaign, o *reviewOrg, users []int64) error {
	actionsOf := map[string][]string{}
	var all []string
	for key, r := range o.defs {
		actionsOf[key] = auditActionsOf(r)
		all = append(all, actionsOf[key]...)
	}
	slices.Sort(all)
	uses, err := tx.ActionUses(ctx, c.TenantID, users, slices.Compact(all))
	if err != nil {
		return err
	}
	items, err := tx.CampaignRoleItems(ctx, c.ID)
	if err != nil {
		return err
	}
	var stamps []store.ItemUse
	for _, it := range items {
		if at, _ := lastUse(actionsOf[it.RoleKey], uses[it.UserID]); at != nil && !at.Before(it.GrantedAt) {
			stamps = append(stamps, store.ItemUse{ItemID: it.ID, At: *at})
		}
	}
	return tx.StampRoleExercise(ctx, stamps)
}
