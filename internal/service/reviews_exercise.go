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
// A role counts as exercised by its holder's entries whose action shows
// the use of one of its cells or functions, by the same tables the
// least-privilege insights judge grants with (insights_measures.go), read
// from the trail folded per user and action (store.ActionUses). The
// mapping is approximate: an action two roles of a user both allow counts
// for both, and an edit made through a team place counts for a role that
// allows edits too. A record grant (team place, share) counts as exercised
// by any entry of its holder about that customer, its contacts, deals or
// follow-ups (store.StampRecordExercise).

// auditActionsOf lists, sorted, the audited actions that show a use of
// the role: those of its cells with a scope and of its functions.
func auditActionsOf(r access.Role) []string {
	var out []string
	for _, p := range r.Permissions {
		if p.Scope != access.None {
			out = append(out, cellMeasures[cellKey{p.Object, p.Action}].actions...)
		}
	}
	for _, f := range r.Functions {
		out = append(out, functionMeasures[f].actions...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
