package store

import (
	"strings"
	"unicode/utf8"

	"steward/internal/access"
)

// branches compiles an access filter into one predicate per grant source,
// each starting with " AND " and carrying the restrictions and the Within
// limit, so that every branch can run as its own ordered, limited index
// scan. Ids are int64s written as literals: they cannot inject, long owner
// lists stay clear of parameter limits, and they are the same on every
// request of a user, so the statement is cached. Text from rules and the
// decision time are parameters.
func (b *queryBuilder) branches(t *Tx, f access.Filter) []string {
	preds, _ := b.splitBranches(t, f, false)
	return preds
}

// splitBranches is branches, but with ordered set it leaves the team and
// shares out of the predicates and returns the restrictions and Within
// limit (the tail every branch carries) for orderedGrants to use instead.
func (b *queryBuilder) splitBranches(t *Tx, f access.Filter, ordered bool) ([]string, string) {
	tail := b.exclusions(t, f.Exclude)
	if f.Within != nil {
		inner := *f.Within
		inner.Exclude = nil // restrictions apply once, on the outer filter
		ps := b.branches(t, inner)
		for i, p := range ps {
			ps[i] = "(1=1" + p + ")"
		}
		tail += " AND (" + strings.Join(ps, " OR ") + ")"
	}
	if f.All {
		return []string{tail}, tail
	}
	var out []string
	add := func(pred string) { out = append(out, " AND "+pred+tail) }
	switch n := len(f.OwnerIDs); {
	case n > 0 && n <= 16:
		for _, id := range f.OwnerIDs { // few owners: one ordered index range each
			add("owner_id = " + itoa64(id))
		}
	case n > 16:
		add("owner_id IN (" + inList(f.OwnerIDs) + ")")
	}
	for _, id := range f.DeptIDs {
		add("owner_dept_id = " + itoa64(id))
	}
	for _, s := range f.Subtrees {
		if s.Depth == 1 {
			add("dept_l1 IS NOT NULL") // the root's subtree: every owned customer
			continue
		}
		add("dept_l" + itoa(s.Depth) + " = " + itoa64(s.DeptID))
	}
	// The decision time is a parameter, not a literal: each request has its
	// own, and a literal made every request a new statement text, which
	// PostgreSQL parsed and planned afresh (about 5 ms for a page of many
	// branches) where a cached statement is only executed.
	now := b.lazyArg(Micros(f.Now))
	if g := f.Team; g != nil && !ordered {
		add("id IN (SELECT customer_id FROM customer_team WHERE user_id = " + itoa64(g.UserID) + levelSQL(g, "") +
			" AND (expires_at IS NULL OR expires_at > " + now() + "))")
	}
	if g := f.Shares; g != nil && !ordered {
		add("id IN (SELECT customer_id FROM customer_shares WHERE (expires_at IS NULL OR expires_at > " + now() + ")" + levelSQL(g, "") +
			" AND (" + principalSQL(g) + "))")
	}
	// Sorted by anything but activity (and counted), the rules share one
	// branch of their criteria. No index serves criteria, so each rule
	// branch would walk the sort index on its own until it found a page of
	// matches; one walk for all of them stops as soon as their union fills
	// the page, never later than the slowest rule alone. Sorted by activity
	// they read sharing_rule_matches instead (orderedGrants).
	if len(f.Rules) > 0 && !ordered {
		add(b.criteria(t, access.Criteria{Any: f.Rules}))
	}
	// One branch per pool: each is one ordered range of customers_pool,
	// where pool_id IN (...) is several ranges that need a sort, and the
	// planner preferred the owner index, sorting every unowned customer.
	for _, id := range f.Pools {
		add("owner_id IS NULL AND pool_id = " + itoa64(id))
	}
	return out, tail
}

// orderedGrants renders the team, shares and rule branches of a page sorted by
// last activity: one per grantee term, each walking that grantee's grants
// in the order of sort_at, the customer's last_activity_at copied onto the
// grant (migration 0007), and testing each customer against the caller's
// conditions and the restrictions. Looked up and then sorted, a role named
// by a thousand shares read and sorted a thousand customers for a page of
// fifty. DISTINCT drops a customer granted twice to the same grantee, so
// that each branch still yields a full page of different customers.
//
// Inside EXISTS, unqualified names are the customer's columns: cond (the
// caller's conditions and the tail) is written for the customers table.
func (b *queryBuilder) orderedGrants(f access.Filter, q CustomerQuery, cond string) []string {
	dir, cmp := " ASC", " >= "
	if q.Desc {
		dir, cmp = " DESC", " <= "
	}
	// The cursor's exact test is in cond; this coarser one on sort_at lets
	// a later page start its walk where the previous one stopped.
	from := ""
	if q.After != nil {
		from = " AND g.sort_at" + cmp + itoa64(q.After.Int)
	}
	now := b.lazyArg(Micros(f.Now))
	var out []string
	branch := func(table, grantee string, g *access.Grantee) {
		out = append(out, `SELECT DISTINCT g.customer_id AS id, g.sort_at FROM `+table+` g WHERE `+grantee+
			` AND (g.expires_at IS NULL OR g.expires_at > `+now()+`)`+levelSQL(g, "g.")+from+
			` AND EXISTS (SELECT 1 FROM customers WHERE customers.id = g.customer_id AND tenant_id = $1`+cond+`)`+
			` ORDER BY g.sort_at`+dir+`, g.customer_id`+dir+` LIMIT `+itoa(q.Limit))
	}
	if g := f.Team; g != nil {
		branch("customer_team", "g.user_id = "+itoa64(g.UserID), g)
	}
	if g := f.Shares; g != nil {
		for _, p := range granteeTerms(g) {
			branch("customer_shares", p, g)
		}
	}
	// A rule's matches are unique per customer and never expire.
	for _, id := range f.RuleIDs {
		out = append(out, `SELECT g.customer_id AS id, g.sort_at FROM sharing_rule_matches g WHERE g.rule_id = `+itoa64(id)+from+
			` AND EXISTS (SELECT 1 FROM customers WHERE customers.id = g.customer_id AND tenant_id = $1`+cond+`)`+
			` ORDER BY g.sort_at`+dir+`, g.customer_id`+dir+` LIMIT `+itoa(q.Limit))
	}
	return out
}

// granteeTerms are the share principals that name the grantee, one index
// range each: principalSQL split into single principals.
func granteeTerms(g *access.Grantee) []string {
	term := func(typ string, id int64) string {
		return "g.principal_type = '" + typ + "' AND g.principal_id = " + itoa64(id)
	}
	out := []string{term("user", g.UserID), term("department", g.DeptID)}
	for _, d := range g.DeptPath {
		if d != g.DeptID {
			out = append(out, term("department", d)+" AND g.include_sub = TRUE")
		}
	}
	for _, id := range g.Groups {
		out = append(out, term("group", id))
	}
	for _, id := range g.Roles {
		out = append(out, term("role", id))
	}
	return out
}

// lazyArg returns a placeholder for v that becomes a parameter only when
// first used: PostgreSQL refuses parameters a statement does not name.
func (b *queryBuilder) lazyArg(v any) func() string {
	p := ""
	return func() string {
		if p == "" {
			p = b.arg(v)
		}
		return p
	}
}

func levelSQL(g *access.Grantee, qualifier string) string {
	if g.EditOnly {
		return " AND " + qualifier + "level = 'edit'"
	}
	return ""
}

// principalSQL matches shares naming the grantee: the user, their
// department (or an ancestor, for shares with sub-departments), their groups
// or their roles. Every term is a flat (principal_type, principal_id) match,
// one range of the shares index each: SQLite did not split a nested OR and
// read every department share instead.
func principalSQL(g *access.Grantee) string {
	parts := []string{
		"(principal_type = 'user' AND principal_id = " + itoa64(g.UserID) + ")",
		"(principal_type = 'department' AND principal_id = " + itoa64(g.DeptID) + ")",
		"(principal_type = 'department' AND principal_id IN (" + inList(g.DeptPath) + ") AND include_sub = TRUE)",
	}
	if len(g.Groups) > 0 {
		parts = append(parts, "(principal_type = 'group' AND principal_id IN ("+inList(g.Groups)+"))")
	}
	if len(g.Roles) > 0 {
		parts = append(parts, "(principal_type = 'role' AND principal_id IN ("+inList(g.Roles)+"))")
	}
	return strings.Join(parts, " OR ")
}

func (b *queryBuilder) exclusions(t *Tx, cs []access.Criteria) string {
	var s strings.Builder
	for _, c := range cs {
		s.WriteString(" AND NOT " + b.criteria(t, c))
	}
	return s.String()
}

// criteria compiles a criteria tree to SQL with the same meaning as
// Criteria.Match: exact, case-sensitive, byte-ordered. Field names come
// from access.CriteriaFields only; values are parameters.
func (b *queryBuilder) criteria(t *Tx, c access.Criteria) string {
	switch {
	case c.All != nil:
		return b.join(t, c.All, " AND ")
	case c.Any != nil:
		return b.join(t, c.Any, " OR ")
	}
	isTime, ok := access.CriteriaFields[c.Field]
	if !ok {
		return "(1=0)" // Validate refuses unknown fields; never match one
	}
	col := c.Field
	if isTime {
		lo, hi := c.TimeBounds()
		var parts []string
		if lo != nil {
			parts = append(parts, col+" >= "+b.arg(*lo))
		}
		if hi != nil {
			parts = append(parts, col+" <= "+b.arg(*hi))
		}
		if len(parts) == 0 {
			return "(1=1)"
		}
		return "(" + strings.Join(parts, " AND ") + ")"
	}
	switch c.Op {
	case "equals":
		return "(" + col + " = " + b.arg(c.Value) + ")"
	case "in":
		ps := make([]string, len(c.Values))
		for i, v := range c.Values {
			ps[i] = b.arg(v)
		}
		return "(" + col + " IN (" + strings.Join(ps, ", ") + "))"
	case "prefix":
		return "(substr(" + col + ", 1, " + itoa(utf8.RuneCountInString(c.Value)) + ") = " + b.arg(c.Value) + ")"
	case "range":
		var parts []string
		if c.Min != "" {
			parts = append(parts, col+t.bytewise()+" >= "+b.arg(c.Min))
		}
		if c.Max != "" {
			parts = append(parts, col+t.bytewise()+" <= "+b.arg(c.Max))
		}
		return "(" + strings.Join(parts, " AND ") + ")"
	}
	return "(1=0)"
}

func (b *queryBuilder) join(t *Tx, cs []access.Criteria, op string) string {
	ps := make([]string, len(cs))
	for i, c := range cs {
		ps[i] = b.criteria(t, c)
	}
	return "(" + strings.Join(ps, op) + ")"
}
