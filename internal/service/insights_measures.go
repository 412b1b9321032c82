package service

import (
	"slices"
	"time"

	"steward/internal/access"
)

// What the audit trail can say about the use of a grant (docs/least-privilege.md).
// Changes are recorded, reads of records are not: so a grant whose every
// use is a change can be found unused, while one that is also (or only)
// used by reading can be found used but never unused, unless its holder
// did nothing at all in the period. This table is the whole of that
// knowledge; a grant it does not name is either inert (no operation of
// Steward checks it) or not measured.

// measure is the evidence of a grant's use.
type measure struct {
	// actions are the audit actions whose entries, with the holder as the
	// actor, show a use. An action that may also be done without the grant
	// is listed all the same: it can only make a grant look used, never
	// unused, which is the safe side.
	actions []string
	// complete says every use leaves one of those entries. Otherwise the
	// entries show use but their absence shows nothing.
	complete bool
}

// The statuses of a grant in the period.
const (
	UseUsed    = "used"    // an entry shows a use in the period
	UseUnused  = "unused"  // no use in the period, and every use would have left an entry
	UseUnknown = "unknown" // no entry shows a use, but uses are not all recorded (reads)
	UseInert   = "inert"   // no operation of Steward checks this grant: it gives nothing today
)

// children are the actions on a customer's contacts, deals and activities:
// each needs the customer visible first.
var childActions = []string{"contact.create", "contact.update", "contact.delete", "contact.reveal",
	"deal.create", "deal.update", "deal.delete", "activity.create", "activity.update", "activity.delete"}

// shareActions change a customer's record team or shares.
var shareActions = []string{"team.add", "team.remove", "share.add", "share.remove", "access_request.approve"}

type cellKey struct {
	o access.Object
	a access.Action
}

// cellMeasures says, per matrix cell, which entries show its use. Viewing
// is recorded only through what needs a visible record first (a change, a
// reveal), so view cells are never complete. Exports and imports name
// their object only inside the entry's details, so one entry counts for
// both objects' cells.
var cellMeasures = map[cellKey]measure{
	{access.Customer, access.View}: {actions: slices.Concat([]string{"customer.update", "customer.delete", "customer.transfer",
		"customer.return", "customer.reveal"}, shareActions, childActions)},
	{access.Customer, access.Create}:   {actions: []string{"customer.create"}, complete: true},
	{access.Customer, access.Edit}:     {actions: []string{"customer.update"}, complete: true},
	{access.Customer, access.Delete}:   {actions: []string{"customer.delete"}, complete: true},
	{access.Customer, access.Transfer}: {actions: []string{"customer.transfer", "customer.return"}, complete: true},
	{access.Customer, access.Share}:    {actions: shareActions, complete: true},
	{access.Customer, access.Export}:   {actions: []string{"export.request"}, complete: true},
	{access.Customer, access.Import}:   {actions: []string{"import.run"}, complete: true},

	{access.Contact, access.View}:   {actions: []string{"contact.update", "contact.delete", "contact.reveal"}},
	{access.Contact, access.Create}: {actions: []string{"contact.create"}, complete: true},
	{access.Contact, access.Edit}:   {actions: []string{"contact.update"}, complete: true},
	{access.Contact, access.Delete}: {actions: []string{"contact.delete"}, complete: true},
	{access.Contact, access.Export}: {actions: []string{"export.request"}, complete: true},
	{access.Contact, access.Import}: {actions: []string{"import.run"}, complete: true},

	{access.Deal, access.View}:   {actions: []string{"deal.update", "deal.delete"}},
	{access.Deal, access.Create}: {actions: []string{"deal.create"}, complete: true},
	{access.Deal, access.Edit}:   {actions: []string{"deal.update"}, complete: true},
	{access.Deal, access.Delete}: {actions: []string{"deal.delete"}, complete: true},

	{access.Activity, access.View}:   {actions: []string{"activity.update", "activity.delete"}},
	{access.Activity, access.Create}: {actions: []string{"activity.create"}, complete: true},
	{access.Activity, access.Edit}:   {actions: []string{"activity.update"}, complete: true},
	{access.Activity, access.Delete}: {actions: []string{"activity.delete"}, complete: true},
}

// inertCells are cells no operation checks: transfers and shares act on
// the customer (its children follow it), and only customers and contacts
// are exported and imported.
var inertCells = []cellKey{
	{access.Contact, access.Transfer}, {access.Contact, access.Share},
	{access.Deal, access.Transfer}, {access.Deal, access.Share}, {access.Deal, access.Export}, {access.Deal, access.Import},
	{access.Activity, access.Transfer}, {access.Activity, access.Share}, {access.Activity, access.Export}, {access.Activity, access.Import},
}

// functionMeasures says, per system function, which entries show its use.
// A function counts as complete when every change it allows is recorded;
// the pages it only opens (lists of users, roles, settings) are reads and
// are not. view_audit is used mostly by reading: only GET /audit/events,
// access at a past moment, compliance reports and these insights are
// recorded (audit.read, audit.access_at, report.compliance, insights.read), so it is never
// complete; nor is run_reviews, whose campaigns are also read, and whose
// reviewers need not hold it. override_restrictions is not measured: it
// works silently inside every decision. TestMeasuresClassifyEveryAction keeps this table
// in step with the actions the service records.
var functionMeasures = map[access.Function]measure{
	access.ManageUsers: {actions: []string{"user.create", "user.update", "role.grant", "role.revoke", "user.move", "user.offboard",
		"user.password_reset_issued", "mfa.reset", "session.end_all", "group.create", "group.update", "group.delete",
		"access_request.approve", "access_request.refuse", "lifecycle.settings", "settings.security.update", "insights.apply"}, complete: true},
	access.ManageRoles: {actions: []string{"role.create", "role.update", "role.delete", "insights.apply",
		"sod_rule.create", "sod_rule.update", "sod_rule.delete", "sod_profile.update", "policy.apply"}, complete: true},
	access.ManageOrg:     {actions: []string{"department.create", "department.rename", "department.move", "department.delete"}, complete: true},
	access.ManageSharing: {actions: []string{"sharing_rule.create", "sharing_rule.update", "sharing_rule.delete", "restriction_rule.create", "restriction_rule.update", "restriction_rule.delete"}, complete: true},
	access.ManageSecurity: {actions: []string{"settings.security.update", "export.settings", "retention_rule.create", "retention_rule.update",
		"retention_rule.delete", "retention.run", "legal_hold.place", "legal_hold.lift"}, complete: true},
	access.ViewAudit: {actions: []string{"audit.read", "audit.access_at", "insights.read", "report.compliance"}},
	access.HandlePrivacy: {actions: []string{"privacy.lookup", "privacy.request", "privacy.close", "privacy.access", "privacy.erase",
		"privacy.restrict", "privacy.object", "privacy.lift", "consent.record"}, complete: true},
	access.RunReviews:     {actions: []string{"review.create", "review.start", "review.close", "review.escalate", "insights.read"}},
	access.ApproveExports: {actions: []string{"export.approve", "export.refuse"}, complete: true},
	access.ManagePools:    {actions: []string{"pool.create", "pool.update", "pool.delete"}, complete: true},
	access.ManageFields:   {actions: []string{"field.create", "field.update", "field.delete"}, complete: true},
}

// inertFunctions are functions no operation checks (none today; the
// matrix's inert cells are in cellMeasures).
var inertFunctions = []access.Function{}

// measuredActions lists every action the tables name, sorted, once.
func measuredActions() []string {
	var out []string
	for _, m := range cellMeasures {
		out = append(out, m.actions...)
	}
	for _, m := range functionMeasures {
		out = append(out, m.actions...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// lastUse is the latest entry of any of the actions in uses, and its action.
func lastUse(actions []string, uses map[string]time.Time) (*time.Time, string) {
	var at *time.Time
	var by string
	for _, act := range actions {
		if t, ok := uses[act]; ok && (at == nil || t.After(*at)) {
			t := t
			at, by = &t, act
		}
	}
	return at, by
}

// judge decides a grant's status in the period from since on. idle says
// the holder did nothing at all in the period (no sign-in, no request, no
// recorded action), so even unrecorded uses cannot have happened.
func judge(m measure, measured bool, last *time.Time, since time.Time, idle bool) string {
	switch {
	case last != nil && !last.Before(since):
		return UseUsed
	case idle || (measured && m.complete):
		return UseUnused
	}
	return UseUnknown
}
