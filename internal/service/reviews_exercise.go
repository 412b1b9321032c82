package service

import (
	"slices"

	"steward/internal/access"
)

// When a grant was last exercised comes from the audit trail, which holds
// changes, reveals, exports, imports and the use of system functions, but
// not views: reading a customer leaves no entry. So a grant that is only
// ever used to read shows no use, and "no recorded use" is not proof of
// none (docs/access-reviews.md says so to reviewers).
//
// A record grant (team place, share) counts as exercised by any entry of
// its holder about that customer, its contacts, deals or follow-ups. A
// role counts as exercised by its holder's entries whose action the role
// allows, by the table below: the object.action of the matrix or the
// system function the audited action needs. The mapping is approximate:
// an action that two roles of a user both allow counts for both, and an
// edit made through a team place counts for a role that allows edits too.

// exercises maps each audited action to what it uses.
var exercises = map[string][]string{
	"customer.create": {"customer.create"}, "customer.update": {"customer.edit"}, "customer.delete": {"customer.delete"},
	"customer.transfer": {"customer.transfer"}, "customer.reveal": {"customer.view"},
	"share.add": {"customer.share"}, "share.remove": {"customer.share"},
	"team.add": {"customer.share"}, "team.remove": {"customer.share"},
	"contact.create": {"contact.create"}, "contact.update": {"contact.edit"}, "contact.delete": {"contact.delete"}, "contact.reveal": {"contact.view"},
	"deal.create": {"deal.create"}, "deal.update": {"deal.edit"}, "deal.delete": {"deal.delete"},
	"activity.create": {"activity.create"}, "activity.update": {"activity.edit"}, "activity.delete": {"activity.delete"},
	"export.request": {"customer.export"}, "export.download": {"customer.export"},
	"import.run": {"customer.import", "contact.import"},

	"user.create": {fn(access.ManageUsers)}, "user.update": {fn(access.ManageUsers)}, "user.move": {fn(access.ManageUsers)},
	"user.offboard": {fn(access.ManageUsers)}, "role.grant": {fn(access.ManageUsers)}, "role.revoke": {fn(access.ManageUsers)},
	"user.password_reset_issued": {fn(access.ManageUsers)}, "mfa.reset": {fn(access.ManageUsers)},
	"group.create": {fn(access.ManageUsers)}, "group.update": {fn(access.ManageUsers)}, "group.delete": {fn(access.ManageUsers)},
	"lifecycle.settings": {fn(access.ManageUsers)},
	"role.create":        {fn(access.ManageRoles)}, "role.update": {fn(access.ManageRoles)}, "role.delete": {fn(access.ManageRoles)},
	"department.create": {fn(access.ManageOrg)}, "department.rename": {fn(access.ManageOrg)},
	"department.move": {fn(access.ManageOrg)}, "department.delete": {fn(access.ManageOrg)},
	"sharing_rule.create": {fn(access.ManageSharing)}, "sharing_rule.update": {fn(access.ManageSharing)},
	"sharing_rule.delete": {fn(access.ManageSharing)}, "restriction_rule.create": {fn(access.ManageSharing)},
	"restriction_rule.update": {fn(access.ManageSharing)}, "restriction_rule.delete": {fn(access.ManageSharing)},
	"settings.security.update": {fn(access.ManageSecurity)}, "export.settings": {fn(access.ManageSecurity)},
	"audit.read":     {fn(access.ViewAudit)},
	"export.approve": {fn(access.ApproveExports)}, "export.refuse": {fn(access.ApproveExports)},
	"review.create": {fn(access.RunReviews)}, "review.start": {fn(access.RunReviews)}, "review.close": {fn(access.RunReviews)},
	"pool.create": {fn(access.ManagePools)}, "pool.update": {fn(access.ManagePools)}, "pool.delete": {fn(access.ManagePools)},
	"field.create": {fn(access.ManageFields)}, "field.update": {fn(access.ManageFields)}, "field.delete": {fn(access.ManageFields)},
}

func fn(f access.Function) string { return "function." + string(f) }

// auditActionsOf lists, sorted, the audited actions that exercise the role.
func auditActionsOf(r access.Role) []string {
	grants := map[string]bool{}
	for _, p := range r.Permissions {
		if p.Scope != access.None {
			grants[string(p.Object)+"."+string(p.Action)] = true
		}
	}
	for _, f := range r.Functions {
		grants[fn(f)] = true
	}
	var out []string
	for action, uses := range exercises {
		if slices.ContainsFunc(uses, func(u string) bool { return grants[u] }) {
			out = append(out, action)
		}
	}
	slices.Sort(out)
	return out
}
