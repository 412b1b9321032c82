package service

import (
	"fmt"
	"slices"
	"strconv"

	"steward/internal/access"
	"steward/internal/errs"
)

// Two kinds of proposal, each the body of one call (insights_apply.go):
//
//   - remove_role takes a role from one user when nothing only that role
//     gives them was used in the period;
//   - narrow_role takes cells (to scope none) and functions from a role when
//     none of its holders used them in the period. It changes the role for
//     every holder, so it is proposed only from what all holders did.
//
// Narrowing a cell to a smaller scope other than none is never proposed:
// that needs to know, for each recorded use, whether the record was within
// the smaller scope at the time, and an entry names its target but neither
// the record's owner or department then nor the grant that allowed the
// action (a share or a team place may have). Judging with today's owners
// would be wrong after every transfer and move.

// The kinds of proposal.
const (
	ProposeRemoveRole = "remove_role"
	ProposeNarrowRole = "narrow_role"
)

// ProposalInput is a proposal as POST /insights/proposals/apply takes it.
type ProposalInput struct {
	Kind   string `json:"kind" doc:"remove_role or narrow_role"`
	UserID int64  `json:"user_id,omitempty" doc:"remove_role: whose role"`
	Role   string `json:"role" doc:"the role's key"`
	// Cells are, for narrow_role, cells of the role with their new scope
	// (narrower than today's; none takes the cell away).
	Cells []access.Permission `json:"cells,omitempty"`
	// Functions are, for narrow_role, functions taken from the role.
	Functions []access.Function `json:"functions,omitempty"`
}

// Proposal is a change the findings support, with why.
type Proposal struct {
	Apply ProposalInput `json:"apply" doc:"the body of POST /insights/proposals/apply (preview first with ?preview=true)"`
	Why   string        `json:"why"`
	// Certain says every grant the change takes is known unused. Otherwise
	// Unknown lists those whose use the trail cannot show (reads, field
	// access): the reviewer judges them, with the preview's measured
	// account of what the holder would lose.
	Certain bool     `json:"certain"`
	Unknown []string `json:"unknown"`
	// Holders counts the users a narrow_role proposal changes.
	Holders int `json:"holders,omitempty"`
}

// CheckProposal checks what a proposal says on its own, before the data is read.
func CheckProposal(in ProposalInput) error {
	if in.Role == "" {
		return errs.Field("role", "field_required", "role is required")
	}
	switch in.Kind {
	case ProposeRemoveRole:
		if in.UserID <= 0 {
			return errs.Field("user_id", "field_required", "remove_role needs user_id")
		}
		if len(in.Cells) > 0 {
			return errs.Field("cells", "invalid_parameter", "cells go with narrow_role only")
		}
		if len(in.Functions) > 0 {
			return errs.Field("functions", "invalid_parameter", "functions go with narrow_role only")
		}
	case ProposeNarrowRole:
		if in.UserID != 0 {
			return errs.Field("user_id", "invalid_parameter", "narrow_role changes the role for every holder; it takes no user_id")
		}
		if len(in.Cells)+len(in.Functions) == 0 {
			return errs.Field("cells", "nothing_to_change", "give cells, functions or both")
		}
		return checkNarrowing(in)
	default:
		return errs.Field("kind", "invalid_value", "kind must be %s or %s", ProposeRemoveRole, ProposeNarrowRole)
	}
	return nil
}

func checkNarrowing(in ProposalInput) error {
	seen := map[cellKey]bool{}
	for i, c := range in.Cells {
		at := "cells[" + strconv.Itoa(i) + "]"
		switch {
		case !slices.Contains(access.Objects, c.Object):
			return errs.Field(at+".object", "invalid_value", "unknown object %q", c.Object)
		case !slices.Contains(access.Actions, c.Action):
			return errs.Field(at+".action", "invalid_value", "unknown action %q", c.Action)
		case !slices.Contains(access.Scopes, c.Scope):
			return errs.Field(at+".scope", "invalid_value", "unknown scope %q", c.Scope)
		case seen[cellKey{c.Object, c.Action}]:
			return errs.Field(at, "duplicate", "%s.%s is given twice", c.Object, c.Action)
		}
		seen[cellKey{c.Object, c.Action}] = true
	}
	for i, f := range in.Functions {
		if !slices.Contains(access.Functions, f) {
			return errs.Field("functions["+strconv.Itoa(i)+"]", "invalid_value", "unknown function %q", f)
		}
	}
	return nil
}

// removal proposes taking a held role from its user when nothing only it
// gives was used: a use of a grant another role also gives does not count
// (that role stays), and a use counts whichever grant allowed it (a share
// may have), which only ever keeps a role.
func (j judging) removal(userID int64, days int, ru RoleUse) (Proposal, bool) {
	if !ru.WholePeriod {
		return Proposal{}, false
	}
	unknown := []string{}
	only := len(ru.Fields)
	for _, c := range ru.Cells {
		if !c.OnlyThisRole || c.Status == UseInert {
			continue
		}
		only++
		switch c.Status {
		case UseUsed:
			return Proposal{}, false
		case UseUnknown:
			unknown = append(unknown, fmt.Sprintf("%s.%s: %s", c.Object, c.Action, c.Scope))
		}
	}
	for _, f := range ru.Functions {
		if !f.OnlyThisRole || f.Status == UseInert {
			continue
		}
		only++
		switch f.Status {
		case UseUsed:
			return Proposal{}, false
		case UseUnknown:
			unknown = append(unknown, "function "+string(f.Function))
		}
	}
	if !j.idle {
		for _, f := range ru.Fields {
			unknown = append(unknown, fmt.Sprintf("field %s.%s: %s", f.Object, f.Field, fieldLevel(f.Access, f.Reveal)))
		}
	}
	why := fmt.Sprintf("nothing that only %s gives was used in the last %d days", ru.Role, days)
	switch {
	case only == 0:
		why = fmt.Sprintf("another role of the user gives everything %s gives", ru.Role)
	case j.idle:
		why = fmt.Sprintf("the user did nothing at all in the last %d days", days)
	}
	return Proposal{Apply: ProposalInput{Kind: ProposeRemoveRole, UserID: userID, Role: ru.Role}, Why: why,
		Certain: len(unknown) == 0, Unknown: unknown}, true
}

func fieldLevel(a access.FieldAccess, reveal bool) string {
	if reveal {
		return string(a) + " with reveal"
	}
	return string(a)
}
