package service

import (
	"context"
	"slices"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// subjectSource builds the subjects of many users of a tenant as subject
// does one, from facts read once for all of them: the catalogue, rules,
// restrictions, pools, roles, departments, assignments and groups. A
// policy dry run builds every active user's subject twice; one at a time,
// that was ten statements per user.
type subjectSource struct {
	tenantID     int64
	now          time.Time
	fields       []access.FieldRef
	rules        []access.SharingRule
	restrictions []access.RestrictionRule
	pools        []access.Pool
	roles        map[int64]access.Role
	depts        map[int64]org.Department
	roleIDs      map[int64][]int64 // per user, the roles of unexpired assignments, in id order
	groups       map[int64][]int64 // per user, in id order
}

func readSubjectSource(ctx context.Context, tx *store.Tx, tenantID int64, users []org.User, now time.Time) (*subjectSource, error) {
	src := &subjectSource{tenantID: tenantID, now: now, roles: map[int64]access.Role{}, depts: map[int64]org.Department{},
		roleIDs: map[int64][]int64{}, groups: map[int64][]int64{}}
	cat, err := catalogueOf(ctx, tx, tenantID)
	if err != nil {
		return nil, err
	}
	src.fields = cat.Refs()
	rules, err := tx.SharingRules(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		src.rules = append(src.rules, r.SharingRule)
	}
	restrictions, err := tx.RestrictionRules(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, r := range restrictions {
		src.restrictions = append(src.restrictions, r.RestrictionRule)
	}
	pools, err := tx.Pools(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, p := range pools {
		src.pools = append(src.pools, p.Pool)
	}
	if err := src.readOrg(ctx, tx, users); err != nil {
		return nil, err
	}
	return src, nil
}

// readOrg reads the roles, departments, assignments and groups.
func (src *subjectSource) readOrg(ctx context.Context, tx *store.Tx, users []org.User) error {
	roles, err := tx.Roles(ctx, src.tenantID)
	if err != nil {
		return err
	}
	for _, r := range roles {
		src.roles[r.ID] = r
	}
	depts, err := tx.Departments(ctx, src.tenantID)
	if err != nil {
		return err
	}
	for _, d := range depts {
		src.depts[d.ID] = d
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	as, err := tx.AssignmentsOf(ctx, src.tenantID, ids, src.now)
	if err != nil {
		return err
	}
	for _, a := range as {
		src.roleIDs[a.UserID] = append(src.roleIDs[a.UserID], a.RoleID)
	}
	for _, rs := range src.roleIDs {
		slices.Sort(rs)
	}
	groups, err := tx.Groups(ctx, src.tenantID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		for _, m := range g.Members {
			src.groups[m] = append(src.groups[m], g.ID)
		}
	}
	for _, gs := range src.groups {
		slices.Sort(gs)
	}
	return nil
}

// subject builds a user's subject as Service.subject does.
func (src *subjectSource) subject(ctx context.Context, tx *store.Tx, u org.User) (*access.Subject, error) {
	f := access.SubjectFacts{TenantID: src.tenantID, UserID: u.ID, Now: src.now, Fields: src.fields,
		SharingRules: src.rules, Restrictions: src.restrictions, Pools: src.pools}
	dept, ok := src.depts[u.DepartmentID]
	if !ok {
		var err error
		if dept, err = tx.Department(ctx, src.tenantID, u.DepartmentID); err != nil {
			return nil, errs.Wrap(err, "service.subject")
		}
	}
	f.DeptID, f.DeptPath = dept.ID, dept.Path
	f.Groups = src.groups[u.ID]
	for _, id := range src.roleIDs[u.ID] {
		f.Roles = append(f.Roles, src.roles[id])
	}
	f.Roles = keyRoles(ctx, f.Roles)
	if usesScope(f.Roles, access.Subordinates) {
		var err error
		if f.Subordinates, err = tx.Subordinates(ctx, src.tenantID, u.ID); err != nil {
			return nil, err
		}
	}
	return access.NewSubject(f), nil
}
