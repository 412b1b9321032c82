package access

import (
	"slices"
	"strconv"
	"strings"

	"steward/internal/errs"
)

// Separation of duties (职责分离): a rule names holdings that no one person
// may have together; a person has a holding when one of their roles gives
// it. The engine only says which rules a set of roles violates and through
// which roles; what a violation costs (refused, or allowed with a recorded
// justification) is the service's business.

// Holding is one thing a separation-of-duties rule looks at in a person's
// roles:
//
//   - "function:F": the system function F, such as "function:approve_exports";
//   - "object.action", such as "customer.export": that cell of the matrix at
//     any scope but none;
//   - "duty:D": any function of the duty D of the 三员分立 profile (system,
//     security or audit; see Duty).
type Holding string

// The prefixes of function and duty holdings.
const (
	functionHolding = "function:"
	dutyHolding     = "duty:"
)

// FunctionHolding is the holding of one system function.
func FunctionHolding(f Function) Holding { return Holding(functionHolding + string(f)) }

// ActionHolding is the holding of one cell of the matrix at any scope.
func ActionHolding(o Object, a Action) Holding { return Holding(string(o) + "." + string(a)) }

// DutyHolding is the holding of any function of a duty.
func DutyHolding(d Duty) Holding { return Holding(dutyHolding + string(d)) }

// Validate checks that a holding names a known function, cell or duty.
func (h Holding) Validate(field string) error {
	s := string(h)
	switch {
	case strings.HasPrefix(s, functionHolding):
		if slices.Contains(Functions, Function(strings.TrimPrefix(s, functionHolding))) {
			return nil
		}
		return errs.Field(field, "invalid_value", "%q names no system function", s)
	case strings.HasPrefix(s, dutyHolding):
		if slices.Contains(Duties, Duty(strings.TrimPrefix(s, dutyHolding))) {
			return nil
		}
		return errs.Field(field, "invalid_value", "%q names no duty (system, security or audit)", s)
	}
	o, a, ok := strings.Cut(s, ".")
	if ok && slices.Contains(Objects, Object(o)) && slices.Contains(Actions, Action(a)) {
		return nil
	}
	return errs.Field(field, "invalid_value", "%q is neither function:NAME, duty:NAME nor object.action", s)
}

// GivenBy reports whether a role gives the holding.
func (h Holding) GivenBy(r Role) bool {
	s := string(h)
	if f, ok := strings.CutPrefix(s, functionHolding); ok {
		return slices.Contains(r.Functions, Function(f))
	}
	if d, ok := strings.CutPrefix(s, dutyHolding); ok {
		for _, f := range r.Functions {
			if fd, ok := DutyOf(f); ok && fd == Duty(d) {
				return true
			}
		}
		return false
	}
	o, a, _ := strings.Cut(s, ".")
	return r.Scope(Object(o), Action(a)) != None
}

// SoDMode is what a rule does to a grant that would break it.
type SoDMode string

// The modes: refuse the grant, or let it through with a justification.
const (
	SoDRefuse  SoDMode = "refuse"
	SoDJustify SoDMode = "justify"
)

// SoDRule is a separation-of-duties rule: holdings nobody may have all of.
// Builtin rules come with the 三员分立 profile and are not stored.
type SoDRule struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Holdings []Holding `json:"holdings"`
	Mode     SoDMode   `json:"mode"`
	Builtin  bool      `json:"builtin"`
}

// maxHoldings bounds a rule: a rule over more than a handful of holdings
// is rarely broken and hard to read.
const maxHoldings = 10

// Validate checks a rule's holdings and mode, and sorts the holdings so a
// rule has one stored form.
func (r *SoDRule) Validate() error {
	if r.Mode != SoDRefuse && r.Mode != SoDJustify {
		return errs.Field("mode", "invalid_value", "mode must be refuse or justify")
	}
	if len(r.Holdings) < 2 || len(r.Holdings) > maxHoldings {
		return errs.Field("holdings", "invalid_value", "a rule names 2 to %d holdings", maxHoldings)
	}
	for i, h := range r.Holdings {
		field := "holdings[" + strconv.Itoa(i) + "]"
		if err := h.Validate(field); err != nil {
			return err
		}
		if slices.Index(r.Holdings, h) != i {
			return errs.Field(field, "duplicate", "%s is given twice", h)
		}
	}
	r.Holdings = slices.Clone(r.Holdings)
	slices.Sort(r.Holdings)
	return nil
}

// HoldingSource is one holding of a broken rule and the roles that give it.
type HoldingSource struct {
	Holding Holding  `json:"holding"`
	Roles   []string `json:"roles"`
}

// Conflict is a rule that a set of roles breaks, with, for each of its
// holdings, the roles that give it (by key, in the order given).
type Conflict struct {
	Rule     SoDRule         `json:"rule"`
	Holdings []HoldingSource `json:"holdings"`
}

// Conflicts returns the rules that roles, together with extra (a role about
// to be granted, say), break: those each of whose holdings some role
// gives. Rules keep their order.
func Conflicts(rules []SoDRule, roles []Role, extra ...Role) []Conflict {
	all := append(slices.Clip(roles), extra...)
	var out []Conflict
	for _, rule := range rules {
		c := Conflict{Rule: rule}
		for _, h := range rule.Holdings {
			src := HoldingSource{Holding: h}
			for _, r := range all {
				if h.GivenBy(r) && !slices.Contains(src.Roles, r.Key) {
					src.Roles = append(src.Roles, r.Key)
				}
			}
			if len(src.Roles) == 0 {
				break
			}
			c.Holdings = append(c.Holdings, src)
		}
		if len(rule.Holdings) > 0 && len(c.Holdings) == len(rule.Holdings) {
			out = append(out, c)
		}
	}
	return out
}

// NewConflicts returns the conflicts of after whose rule before does not
// already break: what a change from before to after would add. A rule
// already broken is reported elsewhere (the conflicts report) and does not
// block an unrelated change.
func NewConflicts(rules []SoDRule, before, after []Role) []Conflict {
	old := Conflicts(rules, before)
	var out []Conflict
	for _, c := range Conflicts(rules, after) {
		if !slices.ContainsFunc(old, func(o Conflict) bool { return sameRule(o.Rule, c.Rule) }) {
			out = append(out, c)
		}
	}
	return out
}

// sameRule compares rules by id, and builtin ones (id 0) by name.
func sameRule(a, b SoDRule) bool {
	if a.Builtin || b.Builtin {
		return a.Builtin == b.Builtin && a.Name == b.Name
	}
	return a.ID == b.ID
}
