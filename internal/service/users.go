package service

import (
	"context"
	"maps"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/org"
	"steward/internal/store"
)

// Users lists the tenant's users; every member may read the directory.
func (s *Service) Users(ctx context.Context, a *Actor, p store.UserPage) ([]org.User, error) {
	var out []org.User
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if out, err = tx.Users(ctx, a.TenantID, p); err != nil {
			return err
		}
		for i := range out {
			if err := s.loadRoleKeys(ctx, tx, a.TenantID, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// User returns one user with their current role keys.
func (s *Service) User(ctx context.Context, a *Actor, id int64) (org.User, error) {
	var u org.User
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.User(ctx, a.TenantID, id); err != nil {
			return err
		}
		return s.loadRoleKeys(ctx, tx, a.TenantID, &u)
	})
	return u, err
}

// CreateUser adds a user with a password and roles.
func (s *Service) CreateUser(ctx context.Context, a *Actor, in org.UserInput) (org.User, error) {
	var u org.User
	if err := a.need(access.ManageUsers); err != nil {
		return u, err
	}
	if in.Status != nil {
		return u, errs.Field("status", "field_read_only", "a new user is always active")
	}
	if err := in.Apply(&u, true); err != nil {
		return u, err
	}
	if in.Password == nil {
		return u, errs.Field("password", "field_required", "password is required")
	}
	if err := s.tenantPolicy(ctx, a.TenantID).Check("password", *in.Password); err != nil {
		return u, err
	}
	hash, err := s.Hasher.Hash(ctx, *in.Password)
	if err != nil {
		return u, err
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.checkUserRefs(ctx, tx, a, &u); err != nil {
			return err
		}
		now := s.now()
		if err := tx.CreateUser(ctx, a.TenantID, &u, hash, now); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "user.create", targetType: "user", targetID: u.ID, links: store.AuditLinks{User: u.ID},
			details: map[string]any{"department_id": u.DepartmentID, "manager_id": u.ManagerID, "roles": deref(in.Roles)}}); err != nil {
			return err
		}
		for i, key := range deref(in.Roles) {
			if err := s.assign(ctx, tx, a, u.ID, key, nil, "", "roles["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		// A new user joins their manager's chain of subordinates.
		if err := tx.BumpPolicy(ctx, a.TenantID); err != nil {
			return err
		}
		return s.loadRoleKeys(ctx, tx, a.TenantID, &u)
	})
	return u, err
}

// UpdateUser changes a user's profile, department, manager or status. The
// user's customers follow them to a new department; suspending or
// deactivating ends their sessions and revokes their API keys at once.
func (s *Service) UpdateUser(ctx context.Context, a *Actor, id int64, in org.UserInput) (org.User, error) {
	var u org.User
	if err := a.need(access.ManageUsers); err != nil {
		return u, err
	}
	if in.Password != nil {
		return u, errs.Field("password", "field_read_only", "passwords are changed by their owner, not set by an administrator")
	}
	if in.Roles != nil {
		return u, errs.Field("roles", "field_read_only", "roles change through /users/{id}/roles")
	}
	// Restartable: it takes the user's row, then the policy version; a role
	// edit takes them the other way round, and PostgreSQL may abort one.
	err := s.DB.WriteRestartable(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.User(ctx, a.TenantID, id); err != nil {
			return err
		}
		before := u
		if err := in.Apply(&u, false); err != nil {
			return err
		}
		if u.Status != org.StatusActive && u.ID == a.UserID {
			return errs.Field("status", "cannot_suspend_self", "you cannot suspend or deactivate yourself")
		}
		if err := s.checkUserRefs(ctx, tx, a, &u); err != nil {
			return err
		}
		now := s.now()
		if err := tx.UpdateUser(ctx, a.TenantID, &u, now); err != nil {
			return err
		}
		if u.DepartmentID != before.DepartmentID {
			policy, err := tx.MoveRecordsPolicy(ctx, a.TenantID)
			if err != nil {
				return err
			}
			if policy == "stay" {
				return errs.Field("department_id", "move_needs_successor",
					"this tenant keeps a moved user's customers in the old department: move the user with POST /users/{id}/move and a successor_id")
			}
			dept, err := tx.Department(ctx, a.TenantID, u.DepartmentID)
			if err != nil {
				return err
			}
			if err := tx.MoveOwnedCustomers(ctx, a.TenantID, u.ID, dept); err != nil {
				return err
			}
		}
		if u.Status != org.StatusActive {
			if err := tx.DeleteUserSessions(ctx, a.TenantID, u.ID); err != nil {
				return err
			}
			if err := tx.RevokeUserAPIKeys(ctx, a.TenantID, u.ID, now); err != nil {
				return err
			}
		}
		if err := tx.BumpPolicy(ctx, a.TenantID); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "user.update", targetType: "user", targetID: u.ID, links: store.AuditLinks{User: u.ID},
			details: userChange(before, u)}); err != nil {
			return err
		}
		return s.loadRoleKeys(ctx, tx, a.TenantID, &u)
	})
	return u, err
}

// checkUserRefs verifies that the department and manager exist in the
// tenant and that the manager chain stays free of cycles.
func (s *Service) checkUserRefs(ctx context.Context, tx *store.Tx, a *Actor, u *org.User) error {
	if _, err := tx.Department(ctx, a.TenantID, u.DepartmentID); err != nil {
		return errs.Field("department_id", "invalid_reference", "department_id names no department")
	}
	if u.ManagerID == nil {
		return nil
	}
	if _, ok, err := tx.ManagerOf(ctx, a.TenantID, *u.ManagerID); err != nil || !ok {
		if err != nil {
			return err
		}
		return errs.Field("manager_id", "invalid_reference", "manager_id names no user")
	}
	if u.ID == 0 {
		return nil
	}
	var qerr error
	cycle := org.ManagerCycle(u.ID, *u.ManagerID, func(id int64) (int64, bool) {
		m, ok, err := tx.ManagerOf(ctx, a.TenantID, id)
		if err != nil {
			qerr = err
			return 0, false
		}
		return m, ok
	})
	if qerr != nil {
		return qerr
	}
	if cycle {
		return errs.Field("manager_id", "manager_cycle", "the user would end up managing themselves")
	}
	return nil
}

// RoleGrant is a request to give a user a role. Justification is needed
// only when the grant breaks a justify separation-of-duties rule.
type RoleGrant struct {
	Role          string     `json:"role"`
	ExpiresAt     *time.Time `json:"expires_at"`
	Reason        string     `json:"reason,omitempty"`
	Justification string     `json:"justification,omitempty" doc:"why a conflict a separation-of-duties rule allows with a justification is accepted; at least 10 characters"`
}

// Assignments lists a user's role assignments, expired ones included.
func (s *Service) Assignments(ctx context.Context, a *Actor, userID int64) ([]store.Assignment, error) {
	var out []store.Assignment
	if err := a.need(access.ManageUsers); err != nil && a.UserID != userID {
		return nil, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, err := tx.User(ctx, a.TenantID, userID); err != nil {
			return err
		}
		var err error
		out, err = tx.Assignments(ctx, a.TenantID, userID)
		return err
	})
	if out == nil {
		out = []store.Assignment{}
	}
	return out, err
}

// GrantRole gives a user a role, optionally until a time, with a reason.
func (s *Service) GrantRole(ctx context.Context, a *Actor, userID int64, g RoleGrant) error {
	if err := a.need(access.ManageUsers); err != nil {
		return err
	}
	reason, err := fieldcheck.Optional("reason", g.Reason, 500)
	if err != nil {
		return err
	}
	if g.ExpiresAt != nil && !g.ExpiresAt.After(s.now()) {
		return errs.Field("expires_at", "invalid_time", "expires_at must be in the future")
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.User(ctx, a.TenantID, userID); err != nil {
			return err
		}
		if err := s.assignWith(ctx, tx, a, userID, g.Role, g.ExpiresAt, reason, SoDJustifyInfo{Text: g.Justification, Field: "justification"}, "role"); err != nil {
			return err
		}
		return tx.BumpPolicy(ctx, a.TenantID)
	})
}

// RevokeRole takes a role from a user.
func (s *Service) RevokeRole(ctx context.Context, a *Actor, userID int64, key string) error {
	if err := a.need(access.ManageUsers); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error { return s.revoke(ctx, tx, a, userID, key) })
}

// revoke is RevokeRole inside the caller's transaction: applying a
// least-privilege proposal revokes through it (insights_apply.go).
func (s *Service) revoke(ctx context.Context, tx *store.Tx, a *Actor, userID int64, key string) error {
	r, err := tx.Role(ctx, a.TenantID, key)
	if err != nil {
		return err
	}
	if userID == a.UserID && r.Key == "administrator" {
		return errs.E(errs.Conflict, "cannot_revoke_own_admin", "you cannot take the administrator role from yourself")
	}
	return s.unassign(ctx, tx, a, a.TenantID, userID, r, nil)
}

// unassign takes a role from a user in the caller's transaction, records
// it (with extra details, such as the access review that decided it) and
// bumps the policy version. The actor is nil when an access review's
// deadline revokes (reviews_decide.go).
func (s *Service) unassign(ctx context.Context, tx *store.Tx, a *Actor, tenantID, userID int64, r access.Role, extra map[string]any) error {
	held, err := heldRole(ctx, tx, tenantID, userID, r.ID)
	if err != nil {
		return err
	}
	if err := tx.Unassign(ctx, tenantID, userID, r.ID); err != nil {
		return err
	}
	// The expiry lets the trail be read backwards (access_at.go).
	details := map[string]any{"role": r.Key, "expires_at": nil}
	if held != nil {
		details["expires_at"] = held.ExpiresAt
	}
	maps.Copy(details, extra)
	if err := s.record(ctx, tx, a, tenantID, event{action: "role.revoke", targetType: "user", targetID: userID, links: store.AuditLinks{User: userID},
		details: details}); err != nil {
		return err
	}
	return tx.BumpPolicy(ctx, tenantID)
}

// assign grants a role inside a transaction, with no justification for a
// separation-of-duties conflict (see assignWith).
func (s *Service) assign(ctx context.Context, tx *store.Tx, a *Actor, userID int64, key string, exp *time.Time, reason, field string) error {
	return s.assignWith(ctx, tx, a, userID, key, exp, reason, SoDJustifyInfo{}, field)
}

// assignWith grants a role inside a transaction. Nobody grants a role
// carrying a system function they do not hold themselves (but see
// sodState.ungivable), nor one that puts the user in breach of a
// separation-of-duties rule, unless the rule allows it with the
// justification given.
func (s *Service) assignWith(ctx context.Context, tx *store.Tx, a *Actor, userID int64, key string, exp *time.Time, reason string,
	just SoDJustifyInfo, field string) error {
	r, err := tx.Role(ctx, a.TenantID, key)
	if err != nil {
		return errs.Field(field, "invalid_reference", "no role has the key %q", key)
	}
	st, err := s.sodStateOf(ctx, tx, a.TenantID)
	if err != nil {
		return err
	}
	if f, ok := st.ungivable(a, r.Functions); ok {
		return errs.E(errs.Forbidden, "grant_exceeds_own", "you cannot grant a role with the %s function, which you do not hold", f)
	}
	if err := s.needStepUp(ctx, tx, a); err != nil {
		return err
	}
	if err := s.needFactorFor(ctx, tx, a.TenantID, userID, r, field); err != nil {
		return err
	}
	justified, err := s.enforceSoD(ctx, tx, a, st, SoDChange{Grants: []SoDGrant{{UserID: userID, RoleID: r.ID}}, Field: field, Justification: just})
	if err != nil {
		return err
	}
	prev, err := heldRole(ctx, tx, a.TenantID, userID, r.ID)
	if err != nil {
		return err
	}
	by := a.UserID
	as := store.Assignment{UserID: userID, RoleID: r.ID, Reason: reason, ExpiresAt: exp, GrantedBy: &by}
	if err := tx.Assign(ctx, a.TenantID, &as, s.now()); err != nil {
		return err
	}
	// previous is the assignment this one replaced (null: none), so the
	// trail can be read backwards (access_at.go).
	var previous any
	if prev != nil {
		previous = map[string]any{"expires_at": prev.ExpiresAt}
	}
	if err := s.rec(ctx, tx, a, event{action: "role.grant", targetType: "user", targetID: userID, links: store.AuditLinks{User: userID},
		details: map[string]any{"role": r.Key, "expires_at": exp, "reason": reason, "previous": previous}}); err != nil {
		return err
	}
	return s.recordJustified(ctx, tx, a, justified, store.GrantRoleAssignment, as.ID, r.ID, just.Text)
}

// heldRole is the user's assignment of the role, expired or not; nil when
// there is none.
func heldRole(ctx context.Context, tx *store.Tx, tenantID, userID, roleID int64) (*store.Assignment, error) {
	held, err := tx.Assignments(ctx, tenantID, userID)
	for _, h := range held {
		if h.RoleID == roleID {
			return &h, err
		}
	}
	return nil, err
}

// userChange describes a user update for the audit trail: the names of the
// fields that changed, and before and after for those that change access
// (department, manager, status). Names, e-mails and phones are personal
// data: only the fact that they changed is recorded.
func userChange(before, after org.User) map[string]any {
	var fields []string
	access := map[string][2]any{}
	if before.Email != after.Email {
		fields = append(fields, "email")
	}
	if before.Name != after.Name {
		fields = append(fields, "name")
	}
	if before.Phone != after.Phone {
		fields = append(fields, "phone")
	}
	if before.DepartmentID != after.DepartmentID {
		fields = append(fields, "department_id")
		access["department_id"] = [2]any{before.DepartmentID, after.DepartmentID}
	}
	if deref(before.ManagerID) != deref(after.ManagerID) {
		fields = append(fields, "manager_id")
		access["manager_id"] = [2]any{before.ManagerID, after.ManagerID}
	}
	if before.Status != after.Status {
		fields = append(fields, "status")
		access["status"] = [2]any{before.Status, after.Status}
	}
	out := map[string]any{"fields": fields}
	if len(access) > 0 {
		b, a := map[string]any{}, map[string]any{}
		for k, v := range access {
			b[k], a[k] = v[0], v[1]
		}
		out["before"], out["after"] = b, a
	}
	return out
}
