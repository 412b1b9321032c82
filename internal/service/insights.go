package service

import (
	"context"
	"slices"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// Least privilege (docs/least-privilege.md): per user, the grants of each
// role they hold and whether the audit trail shows them used in the last
// N days; the record-team places and shares naming them and whether they
// were opened; and proposals to take away what was not used, each
// applicable in one call after a preview (insights_apply.go).

// The bounds of the insights' period and pages.
const (
	DefaultInsightDays  = 90
	maxInsightDays      = 3650
	insightDefaultLimit = 50
	insightMaxLimit     = 200
	grantsPerUser       = 20 // team places and shares listed per user (all are counted)
)

// ParseDays reads ?days: a whole number of days from 1 to 3650, by
// default 90.
func ParseDays(s string) (int, error) {
	if s == "" {
		return DefaultInsightDays, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxInsightDays {
		return 0, errs.Field("days", "invalid_parameter", "days must be a whole number from 1 to %d", maxInsightDays)
	}
	return n, nil
}

// foldChunk bounds the audit entries one fold transaction reads: on SQLite
// a fold holds the write lock, which other writers wait for (about a
// tenth of a second per chunk; docs/benchmarks.md, "Insights").
const foldChunk = 50_000

// foldTrail brings the tenant's per-user action uses up to the audit chain
// head (store.RefreshActionUses), a chunk per transaction. After the first
// time it folds only what was recorded since the last report.
func (s *Service) foldTrail(ctx context.Context, tenantID int64) error {
	for {
		done := false
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			done, err = tx.RefreshActionUses(ctx, tenantID, foldChunk)
			return err
		})
		if err != nil || done {
			return err
		}
	}
}

// FoldTrails folds every tenant's trail up to its chain head: the
// audit_fold job, so that a report or a review's start folds only what was
// recorded since the job's last run, and the first fold of a long trail
// (43-78 s for ten million entries, docs/benchmarks.md "Insights") happens
// in the background rather than inside somebody's request. It returns how
// many tenants it folded.
func (s *Service) FoldTrails(ctx context.Context) (int, error) {
	if err := s.settleAudit(ctx, 0); err != nil {
		return 0, err
	}
	var tenants []int64
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		tenants, err = tx.TenantsToFold(ctx)
		return err
	}); err != nil {
		return 0, err
	}
	for i, t := range tenants {
		if err := s.foldTrail(ctx, t); err != nil {
			return i, err
		}
	}
	return len(tenants), nil
}

// needInsights lets in the holders of view_audit (the evidence is the
// trail), manage_users (who acts on the findings) and run_reviews (access
// reviews start from these lists).
func needInsights(a *Actor) error {
	return a.needAny(access.ViewAudit, access.ManageUsers, access.RunReviews)
}

// Period is the stretch of time a report judges, and how much of it the
// retained audit trail covers.
type Period struct {
	Days  int       `json:"days"`
	Since time.Time `json:"since"`
	At    time.Time `json:"at"`
	// EvidenceFrom is the time of the oldest retained audit entry: nothing
	// before it can be known (retention removes old segments).
	EvidenceFrom *time.Time `json:"evidence_from"`
	// Complete says the retained trail covers the whole period.
	Complete bool `json:"complete"`
}

func (s *Service) period(ctx context.Context, tx *store.Tx, tenantID int64, days int) (Period, error) {
	now := s.now()
	p := Period{Days: days, At: now, Since: now.Add(-time.Duration(days) * 24 * time.Hour)}
	start, err := tx.AuditStart(ctx, tenantID)
	if err != nil {
		return p, err
	}
	pruned, err := tx.AuditRetention(ctx, tenantID)
	if err != nil {
		return p, err
	}
	p.EvidenceFrom = start
	// Nothing pruned: the trail goes back to the tenant's first day.
	p.Complete = pruned == nil || (start != nil && !start.After(p.Since))
	return p, nil
}

// UnusedQuery selects the users of an unused-permission report.
type UnusedQuery struct {
	Days   int
	After  int64 // users with a larger id
	Limit  int
	UserID int64 // only this user
}

// UnusedReport is the unused-permission report for one page of users.
type UnusedReport struct {
	Period
	Items []UserUse `json:"items"`
	// Proposals are the role removals the page's findings support.
	Proposals  []Proposal `json:"proposals"`
	NextCursor *string    `json:"next_cursor"`
}

// UserUse is what one active user holds and what of it they used.
type UserUse struct {
	UserID       int64      `json:"user_id"`
	Name         string     `json:"name"`
	DepartmentID int64      `json:"department_id"`
	LastLoginAt  *time.Time `json:"last_login_at"`
	LastActiveAt *time.Time `json:"last_active_at"`
	// Idle says the user did nothing at all in the period (no sign-in,
	// request or recorded action): every grant of theirs is unused.
	Idle  bool      `json:"idle"`
	Roles []RoleUse `json:"roles"`
	// Grants are the record-team places and shares naming the user, up to
	// 20, oldest first; GrantsTotal counts them all.
	Grants      []GrantUse `json:"grants"`
	GrantsTotal int        `json:"grants_total"`
}

// RoleUse is one role a user holds, cell by cell.
type RoleUse struct {
	Role       string     `json:"role"`
	RoleName   string     `json:"role_name"`
	AssignedAt time.Time  `json:"assigned_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	// HeldSince is the later of the assignment and the role's last change:
	// from then on the user held exactly these grants. WholePeriod says
	// that was before the period began; only then is a role proposed for
	// removal.
	HeldSince   time.Time     `json:"held_since"`
	WholePeriod bool          `json:"whole_period"`
	Cells       []CellUse     `json:"cells"`
	Functions   []FunctionUse `json:"functions"`
	// Fields are the fields whose access the user would lose without the
	// role; their use is never recorded.
	Fields []access.FieldLevel `json:"fields"`
}

// Use is what the trail says of one grant in the period.
type Use struct {
	Status     string     `json:"status" doc:"used, unused, unknown (uses of it are not all recorded) or inert (nothing checks it)"`
	LastUsedAt *time.Time `json:"last_used_at" doc:"the latest recorded use, in or before the period"`
	Evidence   string     `json:"evidence,omitempty" doc:"the audit action of that use"`
}

// CellUse is a matrix cell of a role and its use.
type CellUse struct {
	Object access.Object `json:"object"`
	Action access.Action `json:"action"`
	Scope  access.Scope  `json:"scope"`
	Use
	// OnlyThisRole says no other role of the user gives the cell at a scope
	// that covers this one (per user only).
	OnlyThisRole bool `json:"only_this_role,omitempty"`
}

// FunctionUse is a system function of a role and its use.
type FunctionUse struct {
	Function access.Function `json:"function"`
	Use
	OnlyThisRole bool `json:"only_this_role,omitempty"` // per user only: no other role of the user has it
}

// GrantUse is a record-team place or share naming the user: used when the
// user has an audit entry on its customer in the period (a change, reveal,
// share or transfer), unused when the user was idle, unknown otherwise —
// opening a customer is a read, and reads are not recorded.
type GrantUse struct {
	store.DirectGrant
	Status string `json:"status"`
}

// UnusedPermissions reports, for a page of active users, each held grant
// and its use in the last q.Days days, with the proposals that follow.
func (s *Service) UnusedPermissions(ctx context.Context, a *Actor, q UnusedQuery) (UnusedReport, error) {
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return UnusedReport{}, err
	}
	rep := UnusedReport{Items: []UserUse{}, Proposals: []Proposal{}}
	if err := needInsights(a); err != nil {
		return rep, err
	}
	if q.Limit < 1 || q.Limit > insightMaxLimit {
		q.Limit = insightDefaultLimit
	}
	if err := s.foldTrail(ctx, a.TenantID); err != nil {
		return rep, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if rep.Period, err = s.period(ctx, tx, a.TenantID, q.Days); err != nil {
			return err
		}
		if q.UserID != 0 {
			if _, err := tx.User(ctx, a.TenantID, q.UserID); err != nil {
				return err
			}
		}
		users, err := tx.ActiveUsersActivity(ctx, a.TenantID, store.UserPage{After: q.After, Limit: q.Limit + 1}, q.UserID)
		if err != nil {
			return err
		}
		if len(users) > q.Limit {
			users = users[:q.Limit]
			c := strconv.FormatInt(users[q.Limit-1].User.ID, 10)
			rep.NextCursor = &c
		}
		return s.judgeUsers(ctx, tx, a.TenantID, users, &rep)
	})
	if err != nil {
		return rep, err
	}
	return rep, s.recordRead(ctx, a, "unused-permissions", q.Days)
}

// recordRead records that the actor read an insight: they are drawn from
// the audit trail (who did what, and when), and reading the trail is
// recorded too (audit.read). It is its own short write after the read, so
// the report's queries do not hold SQLite's write lock; if it cannot be
// written, the report is not given out.
func (s *Service) recordRead(ctx context.Context, a *Actor, report string, days int) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.rec(ctx, tx, a, event{action: "insights.read", targetType: "insights", details: map[string]any{"report": report, "days": days}})
	})
}

// judgeUsers fills the report's items and proposals for a page of users.
func (s *Service) judgeUsers(ctx context.Context, tx *store.Tx, tenantID int64, users []store.UserActivity, rep *UnusedReport) error {
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.User.ID
	}
	roles, err := tx.Roles(ctx, tenantID)
	if err != nil {
		return err
	}
	byID := map[int64]access.Role{}
	for _, r := range roles {
		byID[r.ID] = r
	}
	held, err := tx.AssignmentsOf(ctx, tenantID, ids, rep.At)
	if err != nil {
		return err
	}
	uses, err := tx.ActionUses(ctx, tenantID, ids, measuredActions())
	if err != nil {
		return err
	}
	grants, totals, err := tx.DirectGrants(ctx, tenantID, ids, rep.At, grantsPerUser)
	if err != nil {
		return err
	}
	cat, err := catalogueOf(ctx, tx, tenantID)
	if err != nil {
		return err
	}
	for _, u := range users {
		j := judging{since: rep.Since, uses: uses[u.User.ID], idle: u.LastActive == nil || u.LastActive.Before(rep.Since), catalogue: cat.Refs()}
		uu := UserUse{UserID: u.User.ID, Name: u.User.Name, DepartmentID: u.User.DepartmentID, LastLoginAt: u.LastLogin,
			LastActiveAt: u.LastActive, Idle: j.idle, Roles: []RoleUse{}, Grants: []GrantUse{}, GrantsTotal: totals[u.User.ID]}
		var mine []store.Assignment
		for _, h := range held {
			if h.UserID == u.User.ID {
				mine = append(mine, h)
			}
		}
		for i, h := range mine {
			var others []access.Role
			for k, o := range mine {
				if k != i {
					others = append(others, byID[o.RoleID])
				}
			}
			ru := j.role(h, byID[h.RoleID], others)
			uu.Roles = append(uu.Roles, ru)
			if p, ok := j.removal(u.User.ID, rep.Days, ru); ok {
				rep.Proposals = append(rep.Proposals, p)
			}
		}
		for _, g := range grants[u.User.ID] {
			uu.Grants = append(uu.Grants, GrantUse{DirectGrant: g, Status: j.grant(g)})
		}
		rep.Items = append(rep.Items, uu)
	}
	return nil
}

// judging judges one user's grants.
type judging struct {
	since     time.Time
	uses      map[string]time.Time // the user's latest entry per action
	idle      bool
	catalogue []access.FieldRef
}

func (j judging) cell(o access.Object, act access.Action) Use {
	k := cellKey{o, act}
	if slices.Contains(inertCells, k) {
		return Use{Status: UseInert}
	}
	m, ok := cellMeasures[k]
	last, by := lastUse(m.actions, j.uses)
	return Use{Status: judge(m, ok, last, j.since, j.idle), LastUsedAt: last, Evidence: by}
}

func (j judging) function(f access.Function) Use {
	if slices.Contains(inertFunctions, f) {
		return Use{Status: UseInert}
	}
	m, ok := functionMeasures[f]
	last, by := lastUse(m.actions, j.uses)
	return Use{Status: judge(m, ok, last, j.since, j.idle), LastUsedAt: last, Evidence: by}
}

// role judges every grant of a held role.
func (j judging) role(h store.Assignment, r access.Role, others []access.Role) RoleUse {
	heldSince := h.CreatedAt
	if r.UpdatedAt.After(heldSince) {
		heldSince = r.UpdatedAt
	}
	extra := access.ExtraOf(r, others, j.catalogue)
	ru := RoleUse{Role: r.Key, RoleName: r.Name, AssignedAt: h.CreatedAt, ExpiresAt: h.ExpiresAt, HeldSince: heldSince,
		WholePeriod: !heldSince.After(j.since), Cells: []CellUse{}, Functions: []FunctionUse{}, Fields: extra.Fields}
	for _, p := range r.Permissions {
		ru.Cells = append(ru.Cells, CellUse{Object: p.Object, Action: p.Action, Scope: p.Scope, Use: j.cell(p.Object, p.Action),
			OnlyThisRole: slices.Contains(extra.Permissions, p)})
	}
	for _, f := range r.Functions {
		ru.Functions = append(ru.Functions, FunctionUse{Function: f, Use: j.function(f), OnlyThisRole: slices.Contains(extra.Functions, f)})
	}
	return ru
}

// grant judges a team place or share.
func (j judging) grant(g store.DirectGrant) string {
	switch {
	case g.LastUsedAt != nil && !g.LastUsedAt.Before(j.since):
		return UseUsed
	case j.idle:
		return UseUnused
	}
	return UseUnknown
}
