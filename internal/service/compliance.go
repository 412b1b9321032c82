package service

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// The compliance report (docs/compliance-reports.md): for the audit
// administrator, one document of who can do what, what changed, who took
// data out, who failed to sign in, how reviews went, which duties
// conflict, whether the trail verifies, and how the security settings
// stand against the standards. Counts come from the trail aggregated in
// the database; the lists under them are capped in the PDF, whole in the
// CSV and JSON.

// maxReportDays bounds a report's period.
const maxReportDays = 3660

// ComplianceQuery is the period of a report: [From, To).
type ComplianceQuery struct {
	From, To time.Time
}

// ComplianceReport is GET /reports/compliance.
type ComplianceReport struct {
	Tenant      org.Tenant `json:"tenant"`
	From        time.Time  `json:"from"`
	To          time.Time  `json:"to"`
	GeneratedAt time.Time  `json:"generated_at"`
	GeneratedBy int64      `json:"generated_by"`
	// AccessAsOf is when the users' access was read: the report's
	// generation. Access at an earlier moment is answered, per customer,
	// from the trail by GET /customers/{id}/access-at (access_at.go).
	AccessAsOf        time.Time              `json:"access_as_of"`
	Users             []UserAccess           `json:"users"`
	Roles             []RoleHolders          `json:"roles"`
	PermissionChanges []ActionTotal          `json:"permission_changes" doc:"audited changes to who holds what, per action"`
	SensitiveAccess   []ActorTotal           `json:"sensitive_access" doc:"exports and reveals of masked values, per user and action"`
	FailedLogins      []ActorTotal           `json:"failed_logins" doc:"failed sign-ins per account and reason (account 0: an unknown e-mail)"`
	Lockouts          []ActorTotal           `json:"lockouts"`
	Reviews           []ReviewSummary        `json:"reviews" doc:"campaigns started or closed in the period"`
	SoDConflicts      []SoDViolation         `json:"sod_conflicts"`
	AuditVerification audit.Report           `json:"audit_verification"`
	AuditSigned       bool                   `json:"audit_signed" doc:"the checkpoints' signatures were checked too (the server has the signing key)"`
	Security          SecurityReport         `json:"security"`
	Clauses           []authn.Clause         `json:"clauses" doc:"the tenant's state against GDPR art. 32 and HIPAA 164.312"`
	PrivacyRequests   []store.PrivacyRequest `json:"privacy_requests" doc:"data subjects' requests received in the period, with their outcome"`
	Daily             []DayTotals            `json:"daily"`
	Notes             []string               `json:"notes"`
}

// UserAccess is one active user's access as the report shows it.
type UserAccess struct {
	UserID       int64    `json:"user_id"`
	Name         string   `json:"name"`
	Email        string   `json:"email"`
	DepartmentID int64    `json:"department_id"`
	Roles        []string `json:"roles"`
	Functions    []string `json:"functions"`
	CustomerView string   `json:"customer_view" doc:"the widest customer view scope of their roles"`
	Export       string   `json:"customer_export" doc:"the widest customer export scope of their roles"`
	TeamPlaces   int      `json:"team_places"`
	Shares       int      `json:"shares" doc:"shares naming the user"`
	SecondFactor bool     `json:"second_factor"`
}

// RoleHolders counts a role's holders.
type RoleHolders struct {
	Key       string   `json:"key"`
	Name      string   `json:"name"`
	Holders   int      `json:"holders"`
	Functions []string `json:"functions"`
}

// ActionTotal is how many entries of an action the period holds.
type ActionTotal struct {
	Action string `json:"action"`
	N      int    `json:"count"`
}

// ActorTotal is how many entries of an action one user has.
type ActorTotal struct {
	store.ActorCount
	Name   string `json:"name"`
	Reason string `json:"reason,omitempty"`
}

// ReviewSummary is a campaign's outcome.
type ReviewSummary struct {
	ID        int64        `json:"id"`
	Name      string       `json:"name"`
	Status    string       `json:"status"`
	StartedAt *time.Time   `json:"started_at"`
	ClosedAt  *time.Time   `json:"closed_at"`
	Counts    ReviewCounts `json:"counts"`
}

// DayTotals are a day's counts per category, for the report's chart.
type DayTotals struct {
	Day               time.Time `json:"day"`
	PermissionChanges int       `json:"permission_changes"`
	SensitiveAccess   int       `json:"sensitive_access"`
	FailedLogins      int       `json:"failed_logins"`
}

// permissionChange says whether an audited action changes who may do what.
func permissionChange(action string) bool {
	for _, p := range []string{"role.", "share.", "team.", "sharing_rule.", "restriction_rule.", "sod_rule.", "sod_profile.", "sod.justified",
		"field.", "pool.create", "pool.update", "pool.delete", "group.", "department.", "policy.apply", "user.create", "user.update",
		"user.move", "user.offboard", "access_request.approve", "api_key.", "mfa.reset", "settings.security.update", "export.settings",
		"lifecycle.settings", "insights.apply"} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// sensitiveActions are the data-leaving actions the report lists per user.
var sensitiveActions = []string{"export.request", "export.approve", "export.download", "customer.reveal", "contact.reveal"}

// CheckComplianceQuery checks a period: both ends, in order, at most ten years.
func CheckComplianceQuery(q ComplianceQuery) error {
	switch {
	case q.From.IsZero():
		return errs.Field("from", "field_required", "from is required (RFC 3339 or YYYY-MM-DD)")
	case q.To.IsZero():
		return errs.Field("to", "field_required", "to is required (RFC 3339 or YYYY-MM-DD)")
	case !q.To.After(q.From):
		return errs.Field("to", "invalid_time", "to must come after from")
	case q.To.Sub(q.From) > maxReportDays*24*time.Hour:
		return errs.Field("to", "invalid_time", "a report covers at most %d days", maxReportDays)
	}
	return nil
}

// Compliance builds the report for the actor's tenant. It needs
// view_audit, and is itself recorded (report.compliance).
func (s *Service) Compliance(ctx context.Context, a *Actor, q ComplianceQuery) (ComplianceReport, error) {
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return ComplianceReport{}, err
	}
	var rep ComplianceReport
	if err := a.need(access.ViewAudit); err != nil {
		return rep, err
	}
	if err := CheckComplianceQuery(q); err != nil {
		return rep, err
	}
	now := s.now()
	rep.From, rep.To, rep.GeneratedAt, rep.GeneratedBy, rep.AccessAsOf = q.From.UTC(), q.To.UTC(), now, a.UserID, now
	rep.Notes = []string{}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if rep.Tenant, err = tx.Tenant(ctx, a.TenantID); err != nil {
			return err
		}
		if err := s.reportAccess(ctx, tx, a.TenantID, now, &rep); err != nil {
			return err
		}
		return s.reportTrail(ctx, tx, a.TenantID, &rep)
	})
	if err != nil {
		return rep, err
	}
	var allReviews int
	if rep.Reviews, allReviews, err = s.reportReviews(ctx, a, rep.From, rep.To); err != nil {
		return rep, err
	}
	if allReviews >= reviewListLimit {
		rep.Notes = append(rep.Notes, "Access reviews: only the tenant's newest campaigns were read; older ones in the period may be missing.")
	}
	if rep.SoDConflicts, err = s.SoDConflicts(ctx, a); err != nil {
		return rep, err
	}
	if rep.Security, err = s.securityReport(ctx, a.TenantID); err != nil {
		return rep, err
	}
	var pub []byte
	if s.Signer != nil {
		pub, rep.AuditSigned = s.Signer.Public(), true
	}
	if rep.AuditVerification, err = s.VerifyAudit(ctx, a.TenantID, pub); err != nil {
		return rep, err
	}
	rep.Clauses = s.complianceClauses(rep)
	if rep.PrivacyRequests, err = s.reportPrivacy(ctx, a.TenantID, rep.From, rep.To); err != nil {
		return rep, err
	}
	if rep.To.Before(now) {
		rep.Notes = append(rep.Notes, "Users and their access are as of "+now.Format(time.RFC3339)+", when the report was made, not the period's end; "+
			"who could see a customer at the period's end is answered from the audit trail by GET /customers/{id}/access-at?at=TIME.")
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.rec(ctx, tx, a, event{action: "report.compliance", targetType: "report", details: map[string]any{
			"from": rep.From, "to": rep.To, "users": len(rep.Users), "audit_ok": rep.AuditVerification.OK}})
	})
	return rep, err
}

// reportAccess fills the users with their roles, functions and widest
// scopes, and the holders per role.
func (s *Service) reportAccess(ctx context.Context, tx *store.Tx, tenantID int64, now time.Time, rep *ComplianceReport) error {
	users, err := tx.ActiveUsers(ctx, tenantID)
	if err != nil {
		return err
	}
	keys, err := tx.RoleKeysByUser(ctx, tenantID, now)
	if err != nil {
		return err
	}
	roles, err := tx.Roles(ctx, tenantID)
	if err != nil {
		return err
	}
	team, shares, err := tx.GrantCounts(ctx, tenantID, now)
	if err != nil {
		return err
	}
	byKey := map[string]access.Role{}
	holders := map[string]int{}
	for _, r := range roles {
		byKey[r.Key] = r
	}
	rep.Users = []UserAccess{}
	for _, u := range users {
		has, err := tx.HasFactor(ctx, tenantID, u.ID)
		if err != nil {
			return err
		}
		ua := UserAccess{UserID: u.ID, Name: u.Name, Email: u.Email, DepartmentID: u.DepartmentID, Roles: keys[u.ID], Functions: []string{},
			CustomerView: string(access.None), Export: string(access.None), TeamPlaces: team[u.ID], Shares: shares[u.ID], SecondFactor: has}
		if ua.Roles == nil {
			ua.Roles = []string{}
		}
		for _, k := range ua.Roles {
			holders[k]++
			r := byKey[k]
			for _, f := range r.Functions {
				if !slices.Contains(ua.Functions, string(f)) {
					ua.Functions = append(ua.Functions, string(f))
				}
			}
			ua.CustomerView = wider(ua.CustomerView, r.Scope(access.Customer, access.View))
			ua.Export = wider(ua.Export, r.Scope(access.Customer, access.Export))
		}
		slices.Sort(ua.Functions)
		rep.Users = append(rep.Users, ua)
	}
	rep.Roles = []RoleHolders{}
	for _, r := range roles {
		fns := []string{}
		for _, f := range r.Functions {
			fns = append(fns, string(f))
		}
		rep.Roles = append(rep.Roles, RoleHolders{Key: r.Key, Name: r.Name, Holders: holders[r.Key], Functions: fns})
	}
	return nil
}

// wider is the wider of two scopes, by the order of access.Scopes.
func wider(a string, b access.Scope) string {
	if slices.Index(access.Scopes, b) > slices.Index(access.Scopes, access.Scope(a)) {
		return string(b)
	}
	return a
}

// reportTrail fills the counts of the period from the trail.
func (s *Service) reportTrail(ctx context.Context, tx *store.Tx, tenantID int64, rep *ComplianceReport) error {
	days, err := tx.AuditDayCounts(ctx, tenantID, rep.From, rep.To)
	if err != nil {
		return err
	}
	changes := map[string]int{}
	byDay := map[time.Time]*DayTotals{}
	rep.Daily = []DayTotals{}
	for _, d := range days {
		t := byDay[d.Day]
		if t == nil {
			t = &DayTotals{Day: d.Day}
			byDay[d.Day] = t
		}
		switch {
		case permissionChange(d.Action):
			changes[d.Action] += d.N
			t.PermissionChanges += d.N
		case slices.Contains(sensitiveActions, d.Action):
			t.SensitiveAccess += d.N
		case d.Action == "auth.login_failed":
			t.FailedLogins += d.N
		}
	}
	for _, t := range byDay {
		rep.Daily = append(rep.Daily, *t)
	}
	sort.Slice(rep.Daily, func(i, j int) bool { return rep.Daily[i].Day.Before(rep.Daily[j].Day) })
	rep.PermissionChanges = []ActionTotal{}
	for a, n := range changes {
		rep.PermissionChanges = append(rep.PermissionChanges, ActionTotal{Action: a, N: n})
	}
	sort.Slice(rep.PermissionChanges, func(i, j int) bool { return rep.PermissionChanges[i].Action < rep.PermissionChanges[j].Action })

	names := map[int64]string{}
	name := func(id int64) (string, error) {
		if id == 0 {
			return "", nil
		}
		if n, ok := names[id]; ok {
			return n, nil
		}
		u, err := tx.User(ctx, tenantID, id)
		if errs.KindOf(err) == errs.NotFound {
			return "", nil
		}
		names[id] = u.Name
		return u.Name, err
	}
	totals := func(actions []string, bySubject, withDetails bool) ([]ActorTotal, error) {
		cs, err := tx.AuditActorCounts(ctx, tenantID, rep.From, rep.To, actions, bySubject, withDetails)
		out := []ActorTotal{}
		for _, c := range cs {
			t := ActorTotal{ActorCount: c}
			if t.Name, err = name(c.ActorID); err != nil {
				return nil, err
			}
			if withDetails {
				var d struct{ Reason string }
				_ = json.Unmarshal([]byte(c.Details), &d)
				t.Reason, t.Details = d.Reason, ""
			}
			out = append(out, t)
		}
		return out, err
	}
	if rep.SensitiveAccess, err = totals(sensitiveActions, false, false); err != nil {
		return err
	}
	// A failed sign-in and a lockout are the system's entries about the
	// account: counted per account.
	if rep.FailedLogins, err = totals([]string{"auth.login_failed"}, true, true); err != nil {
		return err
	}
	rep.Lockouts, err = totals([]string{"auth.account_locked"}, true, false)
	return err
}

// reportReviews lists the campaigns started or closed in the period, of
// the newest the review list gives, and how many that list held.
func (s *Service) reportReviews(ctx context.Context, a *Actor, from, to time.Time) ([]ReviewSummary, int, error) {
	all, err := s.Reviews(ctx, a)
	if err != nil {
		return nil, 0, err
	}
	in := func(t *time.Time) bool { return t != nil && !t.Before(from) && t.Before(to) }
	out := []ReviewSummary{}
	for _, r := range all {
		if in(r.StartedAt) || in(r.ClosedAt) || (r.StartedAt != nil && r.StartedAt.Before(from) && (r.ClosedAt == nil || !r.ClosedAt.Before(to))) {
			out = append(out, ReviewSummary{ID: r.ID, Name: r.Name, Status: r.Status, StartedAt: r.StartedAt, ClosedAt: r.ClosedAt, Counts: r.Progress})
		}
	}
	return out, len(all), nil
}

// ParseReportTime reads a period's end: an RFC 3339 time, or a date
// (YYYY-MM-DD, midnight UTC). field names it in the error.
func ParseReportTime(field, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, errs.Field(field, "invalid_time", "%s must be an RFC 3339 time or a date (YYYY-MM-DD)", field)
}

// reportPrivacy lists the privacy requests received in the period.
func (s *Service) reportPrivacy(ctx context.Context, tenantID int64, from, to time.Time) ([]store.PrivacyRequest, error) {
	var all []store.PrivacyRequest
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		all, err = tx.PrivacyRequests(ctx, tenantID, "", privacyListLimit)
		return err
	})
	out := []store.PrivacyRequest{}
	for _, r := range all {
		if !r.CreatedAt.Before(from) && r.CreatedAt.Before(to) {
			out = append(out, r)
		}
	}
	return out, err
}
