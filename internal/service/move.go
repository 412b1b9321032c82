package service

import (
	"context"
	"errors"
	"slices"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/org"
	"steward/internal/store"
)

// MoveInput moves a user to another department or manager (or both).
type MoveInput struct {
	DepartmentID *int64 `json:"department_id,omitempty"`
	ManagerID    *int64 `json:"manager_id,omitempty"` // 0: no manager; absent: unchanged
	// Records says what happens to the user's customers on a department
	// move: "follow" (their owner department becomes the new one) or
	// "stay" (they stay in the old department, handed to SuccessorID).
	// Absent: the tenant's policy.
	Records     string `json:"records,omitempty"`
	SuccessorID *int64 `json:"successor_id,omitempty"`
}

// UserFacts are the facts of a user a lifecycle change touches.
type UserFacts struct {
	DepartmentID int64  `json:"department_id"`
	ManagerID    *int64 `json:"manager_id"`
	Status       string `json:"status"`
}

func factsOf(u org.User) UserFacts {
	return UserFacts{DepartmentID: u.DepartmentID, ManagerID: u.ManagerID, Status: u.Status}
}

// LifecycleReport is what a move or an offboarding did (or, previewed,
// would do): the same document either way.
type LifecycleReport struct {
	ID             int64            `json:"id,omitempty"` // the stored report, once applied
	Kind           string           `json:"kind"`         // move, offboard
	Preview        bool             `json:"preview"`
	UserID         int64            `json:"user_id"`
	ActorID        int64            `json:"actor_id"`
	At             time.Time        `json:"at"`
	Before         UserFacts        `json:"before"`
	After          UserFacts        `json:"after"`
	Records        string           `json:"records,omitempty"` // move: follow or stay
	Handovers      []Handover       `json:"handovers"`
	AccessChanges  []AccessChange   `json:"access_changes"`
	OrphanedGrants []OrphanedGrant  `json:"orphaned_grants"`
	OrphanedTotal  int              `json:"orphaned_total"`
	Offboarding    *OffboardOutcome `json:"offboarding,omitempty"`
}

// Handover is a set of customers (with their contacts, deals and
// activities) that went to one successor or back to one pool.
type Handover struct {
	SuccessorID *int64       `json:"successor_id,omitempty"`
	PoolID      *int64       `json:"pool_id,omitempty"`
	Counts      ObjectCounts `json:"counts"`
	CustomerIDs []int64      `json:"customer_ids"`
}

// OrphanedGrant is a team membership or share the user gave on a customer
// they may no longer share after the change. It stays in force; it is
// listed so that someone who can still share the record reviews it.
type OrphanedGrant struct {
	Kind       string           `json:"kind"` // team, share
	ID         int64            `json:"id"`
	CustomerID int64            `json:"customer_id"`
	Principal  access.Principal `json:"principal"`
	Level      access.Level     `json:"level"`
	ExpiresAt  *time.Time       `json:"expires_at"`
}

// orphanedCap is how many orphaned grants a report lists (it counts all).
const orphanedCap = 100

// errPreview rolls back a previewed change.
var errPreview = errors.New("preview: roll back")

// change runs fn in a write transaction that commits only when preview is
// false.
func (s *Service) change(ctx context.Context, preview bool, fn func(tx *store.Tx) error) error {
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if preview {
			return errPreview
		}
		return nil
	})
	if errors.Is(err, errPreview) {
		return nil
	}
	return err
}

// CheckMove checks what a move says on its own, before the data is read.
func CheckMove(in MoveInput) error {
	if in.Records != "" {
		if err := fieldcheck.OneOf("records", in.Records, false, "follow", "stay"); err != nil {
			return err
		}
	}
	if in.DepartmentID == nil && in.ManagerID == nil {
		return errs.Field("department_id", "nothing_to_change", "give department_id, manager_id or both")
	}
	return nil
}

// MoveUser moves a user to another department and/or manager. With
// preview, nothing changes and the report says what would; applied, the
// same report is stored and audited.
func (s *Service) MoveUser(ctx context.Context, a *Actor, userID int64, in MoveInput, preview bool) (LifecycleReport, error) {
	var rep LifecycleReport
	if err := a.need(access.ManageUsers); err != nil {
		return rep, err
	}
	if err := CheckMove(in); err != nil {
		return rep, err
	}
	err := s.change(ctx, preview, func(tx *store.Tx) error {
		if !preview {
			if err := s.needStepUp(ctx, tx, a); err != nil {
				return err
			}
		}
		var err error
		rep, err = s.move(ctx, tx, a, userID, in)
		if err != nil || preview {
			return err
		}
		return s.saveReport(ctx, tx, a, &rep, "user.move", map[string]any{"before": rep.Before, "after": rep.After, "records": rep.Records,
			"successor_id": in.SuccessorID, "customers_handed_over": handedOver(rep.Handovers), "users_affected": len(rep.AccessChanges)})
	})
	rep.Preview = preview
	return rep, err
}

func (s *Service) move(ctx context.Context, tx *store.Tx, a *Actor, userID int64, in MoveInput) (LifecycleReport, error) {
	now := s.now()
	rep := LifecycleReport{Kind: "move", UserID: userID, ActorID: a.UserID, At: now, Handovers: []Handover{}}
	if userID == a.UserID {
		// A department or manager is a source of access: nobody sets
		// their own.
		return rep, errs.E(errs.Forbidden, "cannot_move_self", "you cannot move yourself; another administrator can")
	}
	u, err := tx.User(ctx, a.TenantID, userID)
	if err != nil {
		return rep, err
	}
	if err := s.notAbove(ctx, tx, a, userID); err != nil {
		return rep, err
	}
	moved := u
	if in.DepartmentID != nil {
		moved.DepartmentID = *in.DepartmentID
	}
	if in.ManagerID != nil {
		moved.ManagerID = nil
		if *in.ManagerID != 0 {
			m := *in.ManagerID
			moved.ManagerID = &m
		}
	}
	if err := s.checkUserRefs(ctx, tx, a, &moved); err != nil {
		return rep, err
	}
	deptMoves := moved.DepartmentID != u.DepartmentID
	managerMoves := deref(moved.ManagerID) != deref(u.ManagerID)
	if !deptMoves && !managerMoves {
		return rep, errs.Field("department_id", "nothing_to_change", "the user already has this department and manager")
	}
	rep.Before, rep.After = factsOf(u), factsOf(moved)
	records := in.Records
	if records == "" {
		if records, err = tx.MoveRecordsPolicy(ctx, a.TenantID); err != nil {
			return rep, err
		}
	}
	if deptMoves {
		rep.Records = records
	}
	var successor org.User
	switch {
	case deptMoves && records == "stay":
		if in.SuccessorID == nil {
			return rep, errs.Field("successor_id", "field_required", "customers that stay in the old department need a successor_id")
		}
		if successor, err = s.successor(ctx, tx, a, userID, *in.SuccessorID, "successor_id"); err != nil {
			return rep, err
		}
	case in.SuccessorID != nil:
		return rep, errs.Field("successor_id", "invalid_parameter", "successor_id is used only when customers stay behind on a department move")
	}

	p := &diffPlan{full: []int64{userID}, owners: []int64{userID}}
	p.relate("moved_user", userID)
	oldChain, err := managerChain(ctx, tx, a.TenantID, u.ManagerID)
	if err != nil {
		return rep, err
	}
	p.others = append(p.others, oldChain...)
	p.relate("old_manager_chain", oldChain...)
	if managerMoves {
		// The user's reports move with them: the chains above, old and
		// new, lose and gain the records of the whole subtree.
		newChain, err := managerChain(ctx, tx, a.TenantID, moved.ManagerID)
		if err != nil {
			return rep, err
		}
		p.others = append(p.others, newChain...)
		p.relate("new_manager_chain", newChain...)
		p.chain(oldChain...)
		p.chain(newChain...)
		if p.subtree, err = tx.Subordinates(ctx, a.TenantID, userID); err != nil {
			return rep, err
		}
	}
	if deptMoves {
		depts, err := deptPaths(ctx, tx, a.TenantID, u.DepartmentID, moved.DepartmentID)
		if err != nil {
			return rep, err
		}
		if successor.ID != 0 {
			chain, err := managerChain(ctx, tx, a.TenantID, successor.ManagerID)
			if err != nil {
				return rep, err
			}
			p.others = append(p.others, successor.ID)
			p.others = append(p.others, chain...)
			p.relate("successor", successor.ID)
			p.relate("successor_manager_chain", chain...)
			more, err := deptPaths(ctx, tx, a.TenantID, successor.DepartmentID)
			if err != nil {
				return rep, err
			}
			depts = append(depts, more...)
		}
		members, err := tx.UsersInDepartments(ctx, a.TenantID, depts)
		if err != nil {
			return rep, err
		}
		p.others = append(p.others, members...)
		p.relate("department", members...)
	}
	p.afterOwners = p.owners
	if successor.ID != 0 {
		p.afterOwners = append(slices.Clone(p.owners), successor.ID)
	}

	rep.AccessChanges, err = s.measure(ctx, tx, a, p, func() error {
		if err := tx.UpdateUser(ctx, a.TenantID, &moved, now); err != nil {
			return err
		}
		if deptMoves && records == "follow" {
			dept, err := tx.Department(ctx, a.TenantID, moved.DepartmentID)
			if err != nil {
				return err
			}
			if err := tx.MoveOwnedCustomers(ctx, a.TenantID, userID, dept); err != nil {
				return err
			}
		}
		if successor.ID != 0 {
			h, err := s.handTo(ctx, tx, a, userID, successor, nil, "moved to another department")
			if err != nil {
				return err
			}
			if len(h.CustomerIDs) > 0 {
				rep.Handovers = append(rep.Handovers, h)
			}
		}
		return tx.BumpPolicy(ctx, a.TenantID)
	})
	if err != nil {
		return rep, err
	}
	rep.OrphanedGrants, rep.OrphanedTotal, err = s.orphanedGrants(ctx, tx, a.TenantID, userID, now)
	return rep, err
}

// measure makes a change (apply) between two snapshots of the plan's
// users' visibility and returns who gained and lost what.
func (s *Service) measure(ctx context.Context, tx *store.Tx, a *Actor, p *diffPlan, apply func() error) ([]AccessChange, error) {
	now := s.now()
	affected, err := tx.OwnedCustomerIDs(ctx, a.TenantID, p.owners)
	if err != nil {
		return nil, err
	}
	before, err := s.snapshot(ctx, tx, a.TenantID, p, false, now)
	if err != nil {
		return nil, err
	}
	// The moved subtree's records matter only to users who see them
	// through the subordinates scope; most moves have none.
	affectedChain := affected
	if before.wide() {
		if affectedChain, err = tx.OwnedCustomerIDs(ctx, a.TenantID, append(slices.Clone(p.owners), p.subtree...)); err != nil {
			return nil, err
		}
	}
	if err := apply(); err != nil {
		return nil, err
	}
	after, err := s.snapshot(ctx, tx, a.TenantID, p, true, now)
	if err != nil {
		return nil, err
	}
	changes, err := s.compare(ctx, tx, a.TenantID, p, before, after, affected, affectedChain)
	if err != nil {
		return nil, err
	}
	if err := s.nameSamples(ctx, tx, a, changes); err != nil {
		return nil, err
	}
	if changes == nil {
		changes = []AccessChange{}
	}
	return changes, nil
}

// successor checks that id names an active user other than the one leaving.
func (s *Service) successor(ctx context.Context, tx *store.Tx, a *Actor, userID, id int64, field string) (org.User, error) {
	if id == userID {
		return org.User{}, errs.Field(field, "invalid_reference", "%s must be someone else", field)
	}
	u, err := tx.User(ctx, a.TenantID, id)
	if err != nil || u.Status != org.StatusActive {
		return org.User{}, errs.Field(field, "invalid_reference", "%s names no active user", field)
	}
	return u, nil
}

// handTo gives the user's customers (all of them, or ids) to a successor,
// audited per customer so each customer's history shows it.
func (s *Service) handTo(ctx context.Context, tx *store.Tx, a *Actor, from int64, to org.User, ids []int64, why string) (Handover, error) {
	h := Handover{SuccessorID: &to.ID}
	var err error
	if ids == nil {
		if ids, err = tx.OwnedCustomerIDs(ctx, a.TenantID, []int64{from}); err != nil {
			return h, err
		}
	}
	dept, err := tx.Department(ctx, a.TenantID, to.DepartmentID)
	if err != nil {
		return h, err
	}
	now := s.now()
	if err := tx.ReassignCustomers(ctx, a.TenantID, from, to.ID, dept, ids, now); err != nil {
		return h, err
	}
	for _, id := range ids {
		if err := s.rec(ctx, tx, a, event{action: "customer.handover", targetType: "customer", targetID: id, links: store.AuditLinks{Customer: id, User: to.ID},
			details: map[string]any{"from": from, "to": to.ID, "owner_department_id": dept.ID, "why": why}}); err != nil {
			return h, err
		}
	}
	h.CustomerIDs = ids
	h.Counts, err = countsOf(ctx, tx, a.TenantID, ids)
	return h, err
}

// countsOf counts customers and their children.
func countsOf(ctx context.Context, tx *store.Tx, tenantID int64, ids []int64) (ObjectCounts, error) {
	c := ObjectCounts{Customers: int64(len(ids))}
	for _, o := range access.Objects[1:] {
		n, err := tx.CountChildren(ctx, tenantID, o, ids)
		if err != nil {
			return c, err
		}
		c.set(o, n)
	}
	return c, nil
}

// managerChain returns a manager and everyone above them.
func managerChain(ctx context.Context, tx *store.Tx, tenantID int64, manager *int64) ([]int64, error) {
	var out []int64
	for cur, ok := deref(manager), manager != nil; ok && cur != 0 && !slices.Contains(out, cur); {
		out = append(out, cur)
		var err error
		if cur, ok, err = tx.ManagerOf(ctx, tenantID, cur); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// deptPaths returns the departments and all their ancestors.
func deptPaths(ctx context.Context, tx *store.Tx, tenantID int64, ids ...int64) ([]int64, error) {
	var out []int64
	for _, id := range ids {
		d, err := tx.Department(ctx, tenantID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, d.Path...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// orphanedGrants lists live grants the user gave on customers they may no
// longer share.
func (s *Service) orphanedGrants(ctx context.Context, tx *store.Tx, tenantID, userID int64, now time.Time) ([]OrphanedGrant, int, error) {
	out := []OrphanedGrant{}
	team, shares, err := tx.GrantsGivenBy(ctx, tenantID, userID, now)
	if err != nil || len(team)+len(shares) == 0 {
		return out, 0, err
	}
	u, err := tx.User(ctx, tenantID, userID)
	if err != nil {
		return nil, 0, err
	}
	var sub *access.Subject
	if u.Status == org.StatusActive {
		if sub, _, err = s.subject(ctx, tx, tenantID, u, now); err != nil {
			return nil, 0, err
		}
	}
	total := 0
	check := func(kind string, gs []store.Grant) error {
		for _, g := range gs {
			if sub != nil {
				c, err := tx.Customer(ctx, tenantID, g.CustomerID)
				if err != nil {
					return err
				}
				rec, err := recordOf(ctx, tx, tenantID, c)
				if err != nil {
					return err
				}
				if sub.Check(access.Customer, access.Share, rec).Allowed {
					continue
				}
			}
			total++
			if len(out) < orphanedCap {
				out = append(out, OrphanedGrant{Kind: kind, ID: g.ID, CustomerID: g.CustomerID, Principal: g.Principal, Level: g.Level, ExpiresAt: g.ExpiresAt})
			}
		}
		return nil
	}
	if err := check("team", team); err != nil {
		return nil, 0, err
	}
	if err := check("share", shares); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

func handedOver(hs []Handover) int64 {
	var n int64
	for _, h := range hs {
		n += h.Counts.Customers
	}
	return n
}
