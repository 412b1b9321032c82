package service

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/org"
	"steward/internal/store"
)

// OffboardInput hands a leaver's work over (离职交接).
type OffboardInput struct {
	// SuccessorID receives every customer not named in Successors and not
	// returned to a pool.
	SuccessorID *int64 `json:"successor_id,omitempty"`
	// Successors split the customers: these customer ids to that user.
	Successors []SuccessorShare `json:"successors,omitempty"`
	// ReturnToPool sends customers that came from a pool back to it, and
	// the others to PoolID when it is set.
	ReturnToPool bool   `json:"return_to_pool,omitempty"`
	PoolID       *int64 `json:"pool_id,omitempty"`
	// ReportsTo becomes the manager of the leaver's direct reports (absent:
	// the leaver's own manager, so the chains above stay as they were; 0:
	// none).
	ReportsTo *int64 `json:"reports_to,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// SuccessorShare gives some of a leaver's customers to one successor.
type SuccessorShare struct {
	SuccessorID int64   `json:"successor_id"`
	CustomerIDs []int64 `json:"customer_ids"`
}

// OffboardOutcome is what an offboarding did besides handing customers over.
type OffboardOutcome struct {
	Reason            string        `json:"reason,omitempty"`
	SessionsEnded     bool          `json:"sessions_ended"`
	APIKeysRevoked    bool          `json:"api_keys_revoked"`
	RemovedTeam       []store.Grant `json:"removed_team_memberships"`
	RemovedShares     []store.Grant `json:"removed_shares"`
	ReportsMoved      []int64       `json:"reports_moved"`
	ReportsTo         *int64        `json:"reports_to"`
	RefusedExports    []int64       `json:"refused_exports"`
	CancelledRequests []int64       `json:"cancelled_access_requests"`
	RolesKept         []string      `json:"roles_kept"` // inert while the account is deactivated; kept for the record
	NothingDeleted    bool          `json:"nothing_deleted"`
	CustomersBefore   int64         `json:"customers_before"`
}

// CheckOffboard checks what an offboarding says on its own, before the data
// is read, and trims its reason.
func CheckOffboard(in *OffboardInput) error {
	reason, err := fieldcheck.Optional("reason", in.Reason, 500)
	if err != nil {
		return err
	}
	in.Reason = reason
	if in.PoolID != nil && !in.ReturnToPool {
		return errs.Field("pool_id", "invalid_parameter", "pool_id is used only with return_to_pool")
	}
	for i, sh := range in.Successors {
		if len(sh.CustomerIDs) == 0 {
			return errs.Field("successors["+strconv.Itoa(i)+"].customer_ids", "field_required", "name the customers this successor receives")
		}
	}
	return nil
}

// Offboard deactivates a leaver and hands their work over: sessions and
// API keys end, customers (with their contacts, deals and activities) go
// to successors or back to pools, the leaver leaves record teams and loses
// shares, their direct reports get a new manager, their open exports are
// refused and their pending access requests cancelled. Nothing is deleted
// and the account keeps its audit history.
// With preview nothing changes and the report says what would.
func (s *Service) Offboard(ctx context.Context, a *Actor, userID int64, in OffboardInput, preview bool) (LifecycleReport, error) {
	var rep LifecycleReport
	if err := a.need(access.ManageUsers); err != nil {
		return rep, err
	}
	if userID == a.UserID {
		return rep, errs.E(errs.Conflict, "cannot_offboard_self", "you cannot offboard yourself")
	}
	if err := CheckOffboard(&in); err != nil {
		return rep, err
	}
	err := s.change(ctx, preview, func(tx *store.Tx) error {
		if !preview {
			if err := s.needStepUp(ctx, tx, a); err != nil {
				return err
			}
		}
		var err error
		if rep, err = s.offboard(ctx, tx, a, userID, in); err != nil || preview {
			return err
		}
		return s.saveReport(ctx, tx, a, &rep, "user.offboard", map[string]any{"reason": in.Reason, "customers_handed_over": handedOver(rep.Handovers),
			"before": rep.Before, "after": rep.After, "reports_to": rep.Offboarding.ReportsTo,
			"team_removed": len(rep.Offboarding.RemovedTeam), "shares_removed": len(rep.Offboarding.RemovedShares), "reports_moved": rep.Offboarding.ReportsMoved,
			"exports_refused":           rep.Offboarding.RefusedExports,
			"access_requests_cancelled": rep.Offboarding.CancelledRequests})
	})
	rep.Preview = preview
	return rep, err
}

func (s *Service) offboard(ctx context.Context, tx *store.Tx, a *Actor, userID int64, in OffboardInput) (LifecycleReport, error) {
	now := s.now()
	rep := LifecycleReport{Kind: "offboard", UserID: userID, ActorID: a.UserID, At: now, Handovers: []Handover{}}
	u, err := tx.User(ctx, a.TenantID, userID)
	if err != nil {
		return rep, err
	}
	// Handing over the work of someone who holds functions the actor
	// lacks would put that work in the actor's hands.
	if err := s.notAbove(ctx, tx, a, userID); err != nil {
		return rep, err
	}
	owned, err := tx.OwnedCustomerIDs(ctx, a.TenantID, []int64{userID})
	if err != nil {
		return rep, err
	}
	if u.Status == org.StatusDeactivated && len(owned) == 0 {
		return rep, errs.E(errs.Conflict, "already_offboarded", "the user is deactivated and owns no customers")
	}
	plan, err := s.handoverPlan(ctx, tx, a, userID, owned, in)
	if err != nil {
		return rep, err
	}
	reports, err := tx.DirectReports(ctx, a.TenantID, userID)
	if err != nil {
		return rep, err
	}
	reportsTo := u.ManagerID
	if in.ReportsTo != nil {
		reportsTo = nil
		if *in.ReportsTo != 0 {
			m, err := s.successor(ctx, tx, a, userID, *in.ReportsTo, "reports_to")
			if err != nil {
				return rep, err
			}
			below, err := tx.Subordinates(ctx, a.TenantID, userID)
			if err != nil {
				return rep, err
			}
			if slices.Contains(below, m.ID) {
				return rep, errs.Field("reports_to", "manager_cycle", "reports_to works under the leaver: their reports would end up managing themselves")
			}
			reportsTo = &m.ID
		}
	}
	left := u
	left.Status = org.StatusDeactivated
	rep.Before, rep.After = factsOf(u), factsOf(left)
	out := &OffboardOutcome{Reason: in.Reason, SessionsEnded: true, APIKeysRevoked: true, ReportsMoved: reports, ReportsTo: reportsTo,
		NothingDeleted: true, CustomersBefore: int64(len(owned))}
	if out.ReportsMoved == nil {
		out.ReportsMoved = []int64{}
	}
	if out.RemovedTeam, out.RemovedShares, err = tx.UserGrants(ctx, a.TenantID, userID); err != nil {
		return rep, err
	}
	if out.RolesKept, err = roleKeysOf(ctx, tx, a.TenantID, userID, now); err != nil {
		return rep, err
	}

	// Whose access the offboarding can touch: the leaver (everything), the
	// successors and their chains, the departments of the customers before
	// and after, and the chains above the leaver's reports, old and new.
	p := &diffPlan{full: []int64{userID}, owners: []int64{userID}}
	p.relate("leaver", userID)
	oldChain, err := managerChain(ctx, tx, a.TenantID, u.ManagerID)
	if err != nil {
		return rep, err
	}
	p.others = append(p.others, oldChain...)
	p.relate("old_manager_chain", oldChain...)
	depts := []int64{u.DepartmentID}
	p.afterOwners = []int64{userID}
	for _, h := range plan {
		if h.to == nil {
			// A customer back in a pool is seen by the pool's departments.
			seers, err := poolMembers(ctx, tx, a.TenantID, h.pool)
			if err != nil {
				return rep, err
			}
			p.others = append(p.others, seers...)
			p.relate("pool", seers...)
			p.afterPools = append(p.afterPools, h.pool)
			continue
		}
		chain, err := managerChain(ctx, tx, a.TenantID, h.to.ManagerID)
		if err != nil {
			return rep, err
		}
		p.others = append(append(p.others, h.to.ID), chain...)
		p.relate("successor", h.to.ID)
		p.relate("successor_manager_chain", chain...)
		depts = append(depts, h.to.DepartmentID)
		p.afterOwners = append(p.afterOwners, h.to.ID)
	}
	if len(reports) > 0 && deref(reportsTo) != deref(u.ManagerID) {
		below, err := tx.Subordinates(ctx, a.TenantID, userID)
		if err != nil {
			return rep, err
		}
		p.subtree = below
		newChain, err := managerChain(ctx, tx, a.TenantID, reportsTo)
		if err != nil {
			return rep, err
		}
		p.others = append(p.others, newChain...)
		p.relate("new_manager_chain", newChain...)
		p.chain(oldChain...)
		p.chain(newChain...)
	}
	paths, err := deptPaths(ctx, tx, a.TenantID, depts...)
	if err != nil {
		return rep, err
	}
	members, err := tx.UsersInDepartments(ctx, a.TenantID, paths)
	if err != nil {
		return rep, err
	}
	p.others = append(p.others, members...)
	p.relate("department", members...)

	rep.AccessChanges, err = s.measure(ctx, tx, a, p, func() error {
		if err := tx.UpdateUser(ctx, a.TenantID, &left, now); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, a.TenantID, userID); err != nil {
			return err
		}
		if err := tx.RevokeUserAPIKeys(ctx, a.TenantID, userID, now); err != nil {
			return err
		}
		for _, h := range plan {
			var done Handover
			var err error
			if h.to != nil {
				done, err = s.handTo(ctx, tx, a, userID, *h.to, h.ids, "offboarding")
			} else {
				done, err = s.returnTo(ctx, tx, a, userID, h.pool, h.ids)
			}
			if err != nil {
				return err
			}
			rep.Handovers = append(rep.Handovers, done)
		}
		if err := tx.RemoveUserGrants(ctx, a.TenantID, userID); err != nil {
			return err
		}
		// Each removed grant is recorded against its customer, as a
		// handover is, so every customer's history shows it.
		for _, g := range out.RemovedTeam {
			if err := s.recordGrant(ctx, tx, a, a.TenantID, "team.remove", g, map[string]any{"offboarding": true}); err != nil {
				return err
			}
		}
		for _, g := range out.RemovedShares {
			if err := s.recordGrant(ctx, tx, a, a.TenantID, "share.remove", g, map[string]any{"offboarding": true}); err != nil {
				return err
			}
		}
		if err := tx.SetManagerOf(ctx, a.TenantID, reports, reportsTo, now); err != nil {
			return err
		}
		if out.RefusedExports, err = tx.RefuseOpenExports(ctx, a.TenantID, userID, a.UserID, "the requester was offboarded", now); err != nil {
			return err
		}
		if out.RefusedExports == nil {
			out.RefusedExports = []int64{}
		}
		if out.CancelledRequests, err = tx.CancelPendingRequests(ctx, a.TenantID, userID, a.UserID, "the requester was offboarded", now); err != nil {
			return err
		}
		if out.CancelledRequests == nil {
			out.CancelledRequests = []int64{}
		}
		return tx.BumpPolicy(ctx, a.TenantID)
	})
	if err != nil {
		return rep, err
	}
	rep.Offboarding = out
	rep.OrphanedGrants, rep.OrphanedTotal, err = s.orphanedGrants(ctx, tx, a.TenantID, userID, now)
	return rep, err
}

// handover is one planned part of a handover: ids to a user or a pool.
type handover struct {
	to   *org.User
	pool int64
	ids  []int64
}

// handoverPlan decides where each of the leaver's customers goes: named
// successors first, then the customer's pool (or the given pool) when
// returning to pools, then the default successor. A customer with nowhere
// to go is refused, naming the field to fill in.
func (s *Service) handoverPlan(ctx context.Context, tx *store.Tx, a *Actor, userID int64, owned []int64, in OffboardInput) ([]handover, error) {
	left := map[int64]bool{}
	for _, id := range owned {
		left[id] = true
	}
	var plan []handover
	for i, sh := range in.Successors {
		field := "successors[" + strconv.Itoa(i) + "]"
		u, err := s.successor(ctx, tx, a, userID, sh.SuccessorID, field+".successor_id")
		if err != nil {
			return nil, err
		}
		ids := slices.Clone(sh.CustomerIDs)
		for j, id := range ids {
			if !left[id] {
				return nil, errs.Field(field+".customer_ids["+strconv.Itoa(j)+"]", "invalid_reference",
					"customer %d is not owned by the leaver or is named twice", id)
			}
			delete(left, id)
		}
		slices.Sort(ids)
		plan = append(plan, handover{to: &u, ids: ids})
	}
	var fallback *org.User
	if in.SuccessorID != nil {
		u, err := s.successor(ctx, tx, a, userID, *in.SuccessorID, "successor_id")
		if err != nil {
			return nil, err
		}
		fallback = &u
	}
	var defaultPool int64
	if in.PoolID != nil {
		if _, err := findPool(ctx, tx, a.TenantID, *in.PoolID); err != nil {
			return nil, errs.Field("pool_id", "invalid_reference", "pool_id names no pool")
		}
		defaultPool = *in.PoolID
	}
	pools := map[int64]int64{}
	if in.ReturnToPool {
		var err error
		if pools, err = tx.OwnedPools(ctx, a.TenantID, userID); err != nil {
			return nil, err
		}
	}
	toPool := map[int64][]int64{}
	var toFallback []int64
	for _, id := range owned {
		if !left[id] {
			continue
		}
		switch pool := pools[id]; {
		case in.ReturnToPool && pool != 0:
			toPool[pool] = append(toPool[pool], id)
		case in.ReturnToPool && defaultPool != 0:
			toPool[defaultPool] = append(toPool[defaultPool], id)
		case fallback != nil:
			toFallback = append(toFallback, id)
		default:
			return nil, errs.Field("successor_id", "field_required", "customer %d needs a successor (successor_id, successors or return_to_pool with pool_id)", id)
		}
	}
	if len(toFallback) > 0 {
		plan = append(plan, handover{to: fallback, ids: toFallback})
	}
	poolIDs := make([]int64, 0, len(toPool))
	for id := range toPool {
		poolIDs = append(poolIDs, id)
	}
	slices.Sort(poolIDs)
	for _, id := range poolIDs {
		plan = append(plan, handover{pool: id, ids: toPool[id]})
	}
	return plan, nil
}

// nullPool is a customer's pool from CustomerPools, or nil for none.
func nullPool(pools map[int64]int64, id int64) *int64 {
	if p, ok := pools[id]; ok {
		return &p
	}
	return nil
}

// returnTo puts customers back into a pool, audited per customer.
func (s *Service) returnTo(ctx context.Context, tx *store.Tx, a *Actor, from, poolID int64, ids []int64) (Handover, error) {
	h := Handover{PoolID: &poolID, CustomerIDs: ids}
	pools, err := tx.CustomerPools(ctx, a.TenantID, ids) // the pools they leave, for the trail
	if err != nil {
		return h, err
	}
	if err := tx.ReturnCustomersToPool(ctx, a.TenantID, from, poolID, ids, "offboarding", s.now()); err != nil {
		return h, err
	}
	for _, id := range ids {
		if err := s.rec(ctx, tx, a, event{action: "customer.return", targetType: "customer", targetID: id, links: store.AuditLinks{Customer: id, User: from},
			details: map[string]any{"pool_id": poolID, "previous_pool_id": nullPool(pools, id), "owner_id": from, "reason": "offboarding"}}); err != nil {
			return h, err
		}
	}
	h.Counts, err = countsOf(ctx, tx, a.TenantID, ids)
	return h, err
}

// saveReport stores an applied report and records it in the audit trail.
func (s *Service) saveReport(ctx context.Context, tx *store.Tx, a *Actor, rep *LifecycleReport, action string, details map[string]any) error {
	body, err := json.Marshal(rep)
	if err != nil {
		return errs.Wrap(err, "service.saveReport")
	}
	actor := a.UserID
	r := store.LifecycleReport{UserID: rep.UserID, Kind: rep.Kind, ActorID: &actor, Report: string(body), CreatedAt: rep.At}
	if err := tx.SaveLifecycleReport(ctx, a.TenantID, &r); err != nil {
		return err
	}
	rep.ID = r.ID
	details["report_id"] = r.ID
	return s.rec(ctx, tx, a, event{action: action, targetType: "user", targetID: rep.UserID, links: store.AuditLinks{User: rep.UserID}, details: details})
}

// poolMembers lists the users who may see a pool: those of its departments
// and their sub-departments.
func poolMembers(ctx context.Context, tx *store.Tx, tenantID, poolID int64) ([]int64, error) {
	pl, err := findPool(ctx, tx, tenantID, poolID)
	if err != nil {
		return nil, err
	}
	depts, err := tx.Departments(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var in []int64
	for _, d := range depts {
		if slices.ContainsFunc(pl.Departments, func(id int64) bool { return slices.Contains(d.Path, id) }) {
			in = append(in, d.ID)
		}
	}
	return tx.UsersInDepartments(ctx, tenantID, in)
}

// roleKeysOf lists the keys of a user's live roles.
func roleKeysOf(ctx context.Context, tx *store.Tx, tenantID, userID int64, now time.Time) ([]string, error) {
	roles, err := tx.UserRoles(ctx, tenantID, userID, now)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, r := range roles {
		out = append(out, r.Key)
	}
	return out, nil
}
