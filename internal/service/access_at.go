package service

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/errs"
	"steward/internal/rewind"
	"steward/internal/store"
)

// Who could act on a customer at an earlier moment, and why, is read from
// the audit trail (docs/access-at.md): the tenant's current state is
// rewound to the moment by undoing every entry recorded after it that
// changed what decides access (internal/rewind), and the engine decides
// for every user active then, as Explain does now.

// accessAtActions are the actions the answer decides on the customer.
var accessAtActions = []access.Action{access.View, access.Edit, access.Delete, access.Transfer, access.Share, access.Export}

// AccessAt is who could act on a customer at a moment, with the grant
// paths and restrictions behind each decision, and how complete the
// answer is.
type AccessAt struct {
	CustomerID int64     `json:"customer_id"`
	At         time.Time `json:"at"`
	Existed    bool      `json:"existed" doc:"whether the customer existed at the moment; if not, nobody could see it"`
	// The customer's owner, owner department and pool at the moment.
	OwnerID           *int64 `json:"owner_id"`
	OwnerDepartmentID *int64 `json:"owner_department_id"`
	PoolID            *int64 `json:"pool_id"`
	// Users are the users active at the moment with a grant path to any of
	// the actions (view, edit, delete, transfer, share, export): allowed,
	// or taken away by a restriction rule.
	Users    []rewind.Access `json:"users"`
	Complete bool            `json:"complete" doc:"true when every change after the moment could be undone from what its entry records"`
	// Statement says in words how far the answer can be trusted.
	Statement string       `json:"statement"`
	Gaps      []rewind.Gap `json:"gaps" doc:"the entries that could not be undone, and what they left unknown"`
	Undone    int          `json:"entries_undone" doc:"how many entries after the moment were undone"`
	// TrailStart is the time of the oldest entry the trail retains.
	TrailStart *time.Time `json:"trail_start"`
}

// AccessAt answers who could act on a customer at the moment at. It needs
// view_audit, and is itself recorded (audit.access_at). A moment later than
// now is refused: the answer for now is Explain's.
func (s *Service) AccessAt(ctx context.Context, a *Actor, customerID int64, at time.Time) (AccessAt, error) {
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return AccessAt{}, err
	}
	out := AccessAt{CustomerID: customerID, At: at.UTC(), Users: []rewind.Access{}, Gaps: []rewind.Gap{}}
	if err := a.need(access.ViewAudit); err != nil {
		return out, err
	}
	if at.After(s.now()) {
		return out, errs.Field("at", "time_in_future", "at must not be later than now; GET /customers/{id}/access answers for now")
	}
	if err := s.accessAtSnapshot(ctx, a.TenantID, customerID, at, &out); err != nil {
		return out, err
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.rec(ctx, tx, a, event{action: "audit.access_at", targetType: "customer", targetID: customerID,
			details: map[string]any{"at": out.At, "complete": out.Complete, "users": len(out.Users), "gaps": len(out.Gaps)}})
	})
	return out, err
}

// accessAtSnapshot answers from one snapshot of the state and the trail,
// the queued part of the trail included.
func (s *Service) accessAtSnapshot(ctx context.Context, tenantID, customerID int64, at time.Time, out *AccessAt) error {
	return s.DB.ReadSnapshot(ctx, func(tx *store.Tx) error {
		st, err := s.rewound(ctx, tx, tenantID, customerID, at, out)
		if err != nil {
			return err
		}
		out.fill(st, at)
		return nil
	})
}

// rewound reads the tenant's current state and undoes, newest first,
// every entry after at that changed it; then settles from older entries
// what those left open.
func (s *Service) rewound(ctx context.Context, tx *store.Tx, tenantID, customerID int64, at time.Time, out *AccessAt) (*rewind.State, error) {
	st, err := currentState(ctx, tx, tenantID, customerID)
	if err != nil {
		return nil, err
	}
	if !st.Customer.Exists {
		// A deleted customer keeps its history; an id the trail never
		// named is answered like any other unknown id.
		seen, err := tx.AuditEvents(ctx, tenantID, store.AuditQuery{SubjectCust: customerID, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(seen) == 0 {
			return nil, errs.NotVisible("customer")
		}
	}
	// Offboardings recorded before they said what they changed are read
	// with their stored report (a report is made a moment before its entry).
	reports, err := tx.OffboardReportsSince(ctx, tenantID, at.Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	// Entries that committed after the settle before this snapshot are
	// still queued: they are the newest, undone first.
	queued, err := tx.TenantQueuedAudits(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	tenantActs, customerActs := rewind.TenantActions(), rewind.CustomerActions()
	for _, q := range queued {
		e := q.Entry
		if e.At.After(at) && (slices.Contains(tenantActs, e.Action) || (q.Links.Customer == customerID && slices.Contains(customerActs, e.Action))) {
			st.Undo(withReport(e, reports))
		}
	}
	err = tx.AuditSince(ctx, tenantID, at, customerID, tenantActs, customerActs, func(e audit.Entry) error {
		st.Undo(withReport(e, reports))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if st.Customer.Exists && st.Customer.Facts.CreatedAt.After(at) {
		st.Customer.Exists = false // made after the moment (an import records no customer.create)
	}
	whole, err := s.trailSpan(ctx, tx, tenantID, at, out)
	if err != nil {
		return nil, err
	}
	for _, l := range st.Pending() {
		last, err := lookBack(ctx, tx, tenantID, l)
		if err != nil {
			return nil, err
		}
		st.Settle(l, last, whole)
	}
	return st, nil
}

// trailSpan notes where the retained trail starts, and a gap when
// retention removed entries that may lie after the moment. It reports
// whether the trail was never pruned.
func (s *Service) trailSpan(ctx context.Context, tx *store.Tx, tenantID int64, at time.Time, out *AccessAt) (bool, error) {
	pruned, err := tx.AuditRetention(ctx, tenantID)
	if err != nil {
		return false, err
	}
	if out.TrailStart, err = tx.AuditStart(ctx, tenantID); err != nil || pruned == nil {
		return true, err
	}
	if out.TrailStart == nil || at.Before(*out.TrailStart) {
		out.Gaps = append(out.Gaps, rewind.Gap{Seq: pruned.Seq, Action: "audit.prune",
			What: "retention removed the entries up to this one; changes made between the moment and the oldest entry retained are unknown"})
	}
	return false, nil
}

// lookBack finds the last entry at or before the moment that settles a
// lookup, reading the user's history backwards a page at a time.
func lookBack(ctx context.Context, tx *store.Tx, tenantID int64, l rewind.Lookup) (*audit.Entry, error) {
	const page = 500
	for before := l.Before; ; {
		es, err := tx.UserAuditBefore(ctx, tenantID, l.UserID, before, l.Actions, page)
		if err != nil {
			return nil, err
		}
		for i := range es {
			if l.Matches(es[i]) {
				return &es[i], nil
			}
		}
		if len(es) < page {
			return nil, nil
		}
		before = es[len(es)-1].Seq
	}
}

// withReport adds to an offboarding entry recorded before offboardings
// said what they changed what its stored report says: the leaver's facts
// before, and the team places and shares it removed.
func withReport(e audit.Entry, reports map[int64]string) audit.Entry {
	var d map[string]json.RawMessage
	if e.Action != "user.offboard" || json.Unmarshal(e.Details, &d) != nil || d["before"] != nil {
		return e
	}
	var id int64
	var rep LifecycleReport
	if json.Unmarshal(d["report_id"], &id) != nil || json.Unmarshal([]byte(reports[id]), &rep) != nil || rep.Offboarding == nil {
		return e
	}
	for k, v := range map[string]any{"before": rep.Before, "removed_team_memberships": rep.Offboarding.RemovedTeam,
		"removed_shares": rep.Offboarding.RemovedShares} {
		d[k], _ = json.Marshal(v)
	}
	e.Details, _ = json.Marshal(d)
	return e
}

// fill sets the answer from the rewound state.
func (out *AccessAt) fill(st *rewind.State, at time.Time) {
	out.Existed, out.Undone = st.Customer.Exists, st.Undone()
	out.Users = st.Access(at, accessAtActions)
	if out.Existed {
		out.Gaps = append(out.Gaps, st.Gaps()...)
		rec := st.Record()
		out.OwnerID, out.OwnerDepartmentID, out.PoolID = nonZero(rec.OwnerID), nonZero(rec.OwnerDeptID), nonZero(rec.PoolID)
	}
	out.Complete = len(out.Gaps) == 0
	switch {
	case out.Complete && !out.Existed:
		out.Statement = "Complete: the customer did not exist at that moment, so nobody could see it."
	case out.Complete:
		out.Statement = "Complete: every change to access after that moment was undone from entries that record what they changed."
	default:
		out.Statement = "Incomplete: " + strconv.Itoa(len(out.Gaps)) + " entries do not say enough to undo them (see gaps); " +
			"the users listed are what the rest of the trail supports."
	}
}

func nonZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// currentState reads what decides access to the customer now.
func currentState(ctx context.Context, tx *store.Tx, tenantID, customerID int64) (*rewind.State, error) {
	st := rewind.New(customerID)
	if err := currentOrg(ctx, tx, tenantID, st); err != nil {
		return nil, err
	}
	if err := currentRules(ctx, tx, tenantID, st); err != nil {
		return nil, err
	}
	c, err := tx.Customer(ctx, tenantID, customerID)
	if errs.KindOf(err) == errs.NotFound {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	r := recordFacts(c)
	st.Customer.Exists, st.Customer.OwnerID, st.Customer.PoolID, st.Customer.Facts = true, r.OwnerID, r.PoolID, r.Facts
	team, err := tx.TeamGrants(ctx, tenantID, customerID)
	if err != nil {
		return nil, err
	}
	for _, g := range team {
		st.Customer.Team[g.Principal.ID] = rewind.Place{ID: g.ID, Level: g.Level, ExpiresAt: g.ExpiresAt}
	}
	shares, err := tx.ShareGrants(ctx, tenantID, customerID)
	for _, g := range shares {
		st.Customer.Shares[g.ID] = access.ShareGrant{ID: g.ID, Principal: g.Principal, Level: g.Level, ExpiresAt: g.ExpiresAt}
	}
	return st, err
}

// currentOrg reads users, departments, groups, roles and who holds them.
func currentOrg(ctx context.Context, tx *store.Tx, tenantID int64, st *rewind.State) error {
	users, err := tx.UserStates(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, u := range users {
		st.Users[u.ID] = rewind.User{DeptID: u.DeptID, ManagerID: u.ManagerID, Status: u.Status}
	}
	depts, err := tx.Departments(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, d := range depts {
		st.Depts[d.ID] = deref(d.ParentID)
	}
	groups, err := tx.Groups(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		st.Groups[g.ID] = g.Members
	}
	roles, err := tx.Roles(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, r := range roles {
		st.Roles[r.ID] = r
	}
	held, err := tx.Holdings(ctx, tenantID)
	for _, h := range held {
		st.Held[rewind.Holding{UserID: h.UserID, RoleID: h.RoleID}] = h.ExpiresAt
	}
	return err
}

// currentRules reads sharing and restriction rules and pools.
func currentRules(ctx context.Context, tx *store.Tx, tenantID int64, st *rewind.State) error {
	rules, err := tx.SharingRules(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, r := range rules {
		st.Rules[r.ID] = r.SharingRule
	}
	restrictions, err := tx.RestrictionRules(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, r := range restrictions {
		st.Restrictions[r.ID] = r.RestrictionRule
	}
	pools, err := tx.Pools(ctx, tenantID)
	for _, p := range pools {
		st.Pools[p.ID] = p.Pool
	}
	return err
}
