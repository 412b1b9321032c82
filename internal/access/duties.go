package access

import "slices"

// Duty is one of the three administrative duties the 三员分立 profile
// separates: the system administrator's (users, the org, settings), the
// security administrator's (roles and their matrix, sharing and
// restriction rules, the field catalogue, access reviews) and the audit
// administrator's (the audit trail).
type Duty string

// The duties.
const (
	SystemDuty   Duty = "system"
	SecurityDuty Duty = "security"
	AuditDuty    Duty = "audit"
)

// Duties lists the duties in display order.
var Duties = []Duty{SystemDuty, SecurityDuty, AuditDuty}

// dutyFunctions assigns functions to duties. Approving exports, managing
// pools, handling privacy requests and overriding restrictions belong to
// none: they are business functions, which ordinary rules may separate.
var dutyFunctions = map[Duty][]Function{
	SystemDuty:   {ManageUsers, ManageOrg, ManageSecurity},
	SecurityDuty: {ManageRoles, ManageSharing, ManageFields, RunReviews},
	AuditDuty:    {ViewAudit},
}

// Functions lists the functions of a duty.
func (d Duty) Functions() []Function { return slices.Clone(dutyFunctions[d]) }

// DutyOf returns the duty a function belongs to, if any.
func DutyOf(f Function) (Duty, bool) {
	for _, d := range Duties {
		if slices.Contains(dutyFunctions[d], f) {
			return d, true
		}
	}
	return "", false
}

// DutiesOf lists, in display order, the duties of which roles give at
// least one function.
func DutiesOf(roles ...Role) []Duty {
	var out []Duty
	for _, d := range Duties {
		h := DutyHolding(d)
		if slices.ContainsFunc(roles, h.GivenBy) {
			out = append(out, d)
		}
	}
	return out
}

// ProfileRules are the rules the 三员分立 profile adds while it is on: no
// one holds functions of two duties, whether through one role or several.
// They refuse; they are not stored and cannot be edited.
func ProfileRules() []SoDRule {
	rule := func(a, b Duty) SoDRule {
		r := SoDRule{Name: "三员分立: " + string(a) + " / " + string(b), Mode: SoDRefuse, Builtin: true,
			Holdings: []Holding{DutyHolding(a), DutyHolding(b)}}
		slices.Sort(r.Holdings)
		return r
	}
	return []SoDRule{rule(SystemDuty, SecurityDuty), rule(SystemDuty, AuditDuty), rule(SecurityDuty, AuditDuty)}
}

// DutyPresets are the three administrator roles of the profile, which
// every tenant has (presets.go) whether or not the profile is on. They
// carry functions only: none of them reads customer data.
func DutyPresets() []Role {
	return []Role{
		preset("system_admin", "System Administrator", "三员分立: users, the org and security settings; no customer data.",
			[]Permission{}, SystemDuty.Functions()...),
		preset("security_admin", "Security Administrator", "三员分立: roles and the matrix, sharing and restriction rules, fields, access reviews; no customer data.",
			[]Permission{}, SecurityDuty.Functions()...),
		preset("audit_admin", "Audit Administrator", "三员分立: the audit trail only.",
			[]Permission{}, AuditDuty.Functions()...),
	}
}
