package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
)

// A filter passes a customer that lies in one of its branches (an owner, a
// department, a subtree, the user's team places, a share to one of their
// principals, a sharing rule's criteria, a pool), within its Within limit
// and outside its restrictions. The customers of one branch depend on the
// data alone, not on whose filter names it: a policy change's dry run
// compares thousands of users' filters before and after, and reads each
// branch they name once, for all of them, instead of every user's whole
// visible set twice (internal/service/policy_records.go).
//
// The SQL here is that of splitBranches, one branch at a time, read for
// many branches of a kind in one statement.

// Branch is one branch of a filter, or one of its restrictions.
type Branch struct {
	kind      string // see the branch* constants
	id        int64  // the owner, department, user, principal or pool
	depth     int    // a subtree's depth
	principal string // a share's: user, department, department_sub (with sub-departments), group, role
	editOnly  bool   // a team's or share's: edit-level grants only
	now       int64  // a team's or share's: grants expiring by then do not count (micros)
	criteria  access.Criteria
	key       string
}

const (
	branchAll      = "all"      // every customer of the tenant
	branchOwner    = "owner"    // owner_id
	branchDept     = "dept"     // owner_dept_id
	branchSubtree  = "subtree"  // dept_lN
	branchTeam     = "team"     // the record team names the user
	branchShare    = "share"    // a share names the principal
	branchCriteria = "criteria" // a sharing rule's or a restriction's criteria
	branchPool     = "pool"     // unowned in the pool
)

// Key identifies the branch: two branches with one key hold the same
// customers.
func (b Branch) Key() string { return b.key }

// FilterParts is a filter in branches: a customer passes when it lies in
// one of Branches (in any, with All), in one of Within when HasWithin, and
// in none of Exclude. An Empty filter passes none.
type FilterParts struct {
	Empty     bool
	All       bool
	Branches  []Branch
	HasWithin bool
	Within    []Branch
	Exclude   []Branch
}

// SplitFilter splits a filter into its branches as splitBranches compiles
// it: a Within of every customer limits nothing.
func SplitFilter(f access.Filter) FilterParts {
	if f.Empty() {
		return FilterParts{Empty: true}
	}
	p := FilterParts{All: f.All}
	if !f.All {
		p.Branches = branchesOf(f)
	}
	for _, c := range f.Exclude {
		p.Exclude = append(p.Exclude, criteriaBranch(c))
	}
	if f.Within != nil && !f.Within.All {
		p.HasWithin, p.Within = true, branchesOf(*f.Within)
	}
	return p
}

func branchesOf(f access.Filter) []Branch {
	var out []Branch
	add := func(b Branch) {
		b.key = b.keyOf()
		out = append(out, b)
	}
	for _, id := range f.OwnerIDs {
		add(Branch{kind: branchOwner, id: id})
	}
	for _, id := range f.DeptIDs {
		add(Branch{kind: branchDept, id: id})
	}
	for _, s := range f.Subtrees {
		if s.Depth == 1 {
			add(Branch{kind: branchSubtree, depth: 1}) // dept_l1 IS NOT NULL, whatever the id
			continue
		}
		add(Branch{kind: branchSubtree, id: s.DeptID, depth: s.Depth})
	}
	now := Micros(f.Now)
	if g := f.Team; g != nil {
		add(Branch{kind: branchTeam, id: g.UserID, editOnly: g.EditOnly, now: now})
	}
	if g := f.Shares; g != nil {
		// The terms of principalSQL, one principal each (granteeTerms).
		share := func(typ string, id int64) {
			add(Branch{kind: branchShare, principal: typ, id: id, editOnly: g.EditOnly, now: now})
		}
		share("user", g.UserID)
		share("department", g.DeptID)
		for _, d := range g.DeptPath {
			if d != g.DeptID {
				share("department_sub", d)
			}
		}
		for _, id := range g.Groups {
			share("group", id)
		}
		for _, id := range g.Roles {
			share("role", id)
		}
	}
	for _, c := range f.Rules {
		out = append(out, criteriaBranch(c))
	}
	for _, id := range f.Pools {
		add(Branch{kind: branchPool, id: id})
	}
	return out
}

// keyOf writes what tells the branch apart; the simple kinds are written
// for thousands of users' filters, so without fmt.
func (b Branch) keyOf() string {
	k := make([]byte, 0, 48)
	k = append(k, b.kind...)
	k = append(k, ':')
	k = strconv.AppendInt(k, b.id, 10)
	k = append(k, ':')
	k = strconv.AppendInt(k, int64(b.depth), 10)
	k = append(k, ':')
	k = append(k, b.principal...)
	k = append(k, ':')
	k = strconv.AppendBool(k, b.editOnly)
	k = append(k, ':')
	k = strconv.AppendInt(k, b.now, 10)
	return string(k)
}

func criteriaBranch(c access.Criteria) Branch {
	k, _ := json.Marshal(c) // criteria always marshal
	return Branch{kind: branchCriteria, criteria: c, key: branchCriteria + ":" + string(k)}
}

// AllBranch is every customer of the tenant.
func AllBranch() Branch { return Branch{kind: branchAll, key: branchAll} }

// BranchCustomerIDs reads the customers of each branch, in id order, by
// key. Branches of a kind are read together: up to onePass of them with
// one index range each (col IN (...)); more in one pass over the rows of
// their kind, the others skipped: a range for each of thousands of owners
// reads the same rows in an order that jumps about the table, three times
// slower. Criteria are read in one pass over the customers.
func (t *Tx) BranchCustomerIDs(ctx context.Context, tenantID int64, bs []Branch, onePass int) (map[string][]int64, error) {
	out := map[string][]int64{}
	groups := map[string][]Branch{}
	var order []string
	for _, b := range bs {
		if _, done := out[b.key]; done {
			continue
		}
		out[b.key] = nil
		g := fmt.Sprintf("%s:%d:%s:%t:%d", b.kind, b.depth, b.principal, b.editOnly, b.now)
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], b)
	}
	for _, g := range order {
		if err := t.readBranches(ctx, tenantID, groups[g], onePass, out); err != nil {
			return nil, err
		}
	}
	for k, ids := range out {
		slices.Sort(ids)
		out[k] = slices.Compact(ids)
	}
	return out, nil
}

// readBranches reads branches of one kind and the same parameters.
func (t *Tx) readBranches(ctx context.Context, tenantID int64, bs []Branch, onePass int, out map[string][]int64) error {
	b := bs[0]
	level := ""
	if b.editOnly {
		level = " AND g.level = 'edit'"
	}
	switch b.kind {
	case branchAll:
		return t.branchIDs(ctx, out, b.key, `SELECT id FROM customers WHERE tenant_id = $1`, tenantID)
	case branchOwner:
		return t.keyedBranches(ctx, tenantID, bs, onePass, out, "owner_id", `SELECT owner_id, id FROM customers WHERE tenant_id = $1`)
	case branchDept:
		return t.keyedBranches(ctx, tenantID, bs, onePass, out, "owner_dept_id", `SELECT owner_dept_id, id FROM customers WHERE tenant_id = $1`)
	case branchSubtree:
		if b.depth == 1 {
			return t.branchIDs(ctx, out, b.key, `SELECT id FROM customers WHERE tenant_id = $1 AND dept_l1 IS NOT NULL`, tenantID)
		}
		col := "dept_l" + itoa(b.depth)
		return t.keyedBranches(ctx, tenantID, bs, onePass, out, col, `SELECT `+col+`, id FROM customers WHERE tenant_id = $1`)
	case branchPool:
		return t.keyedBranches(ctx, tenantID, bs, onePass, out, "pool_id", `SELECT pool_id, id FROM customers WHERE tenant_id = $1 AND owner_id IS NULL`)
	case branchTeam:
		return t.keyedBranches(ctx, tenantID, bs, onePass, out, "g.user_id", `SELECT g.user_id, c.id FROM customers c JOIN customer_team g ON g.customer_id = c.id
			WHERE c.tenant_id = $1 AND (g.expires_at IS NULL OR g.expires_at > $2)`+level, b.now)
	case branchShare:
		typ, sub := b.principal, ""
		if typ == "department_sub" {
			typ, sub = "department", " AND g.include_sub = TRUE"
		}
		return t.keyedBranches(ctx, tenantID, bs, onePass, out, "g.principal_id", `SELECT g.principal_id, c.id FROM customers c JOIN customer_shares g ON g.customer_id = c.id
			WHERE c.tenant_id = $1 AND (g.expires_at IS NULL OR g.expires_at > $2)`+level+` AND g.principal_type = '`+typ+`'`+sub, b.now)
	case branchCriteria:
		return t.criteriaBranches(ctx, tenantID, bs, out)
	}
	return errs.E(errs.Internal, "internal", "unknown branch kind %q", b.kind)
}

func (t *Tx) branchIDs(ctx context.Context, out map[string][]int64, key, q string, args ...any) error {
	rows, err := t.query(ctx, "store.BranchCustomerIDs", q, args...)
	if err != nil {
		return err
	}
	ids, err := scanIDs(rows, "store.BranchCustomerIDs")
	out[key] = ids
	return err
}

// keyedBranches reads branches told apart by one id, col: q selects (col,
// customer id); with col IN (...) for up to onePass branches, else all.
func (t *Tx) keyedBranches(ctx context.Context, tenantID int64, bs []Branch, onePass int, out map[string][]int64, col, q string, args ...any) error {
	keyOf := map[int64]string{}
	ids := make([]int64, 0, len(bs))
	for _, b := range bs {
		keyOf[b.id] = b.key
		ids = append(ids, b.id)
	}
	read := func(q string) error {
		rows, err := t.query(ctx, "store.BranchCustomerIDs", q, append([]any{tenantID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k, id int64
			if err := rows.Scan(&k, &id); err != nil {
				return errs.Wrap(err, "store.BranchCustomerIDs")
			}
			if key, ok := keyOf[k]; ok {
				out[key] = append(out[key], id)
			}
		}
		return errs.Wrap(rows.Err(), "store.BranchCustomerIDs")
	}
	if len(ids) > onePass {
		return read(q + ` AND ` + col + ` IS NOT NULL`)
	}
	return read(q + ` AND ` + col + ` IN (` + inList(ids) + `)`)
}

// criteriaPerPass is how many criteria one pass over the customers tests:
// each sets a bit of one BIGINT.
const criteriaPerPass = 60

// criteriaBranches reads criteria branches in one pass over the customers
// per criteriaPerPass: no index serves criteria, so each read alone would
// walk every customer of the tenant.
func (t *Tx) criteriaBranches(ctx context.Context, tenantID int64, bs []Branch, out map[string][]int64) error {
	for start := 0; start < len(bs); start += criteriaPerPass {
		batch := bs[start:min(start+criteriaPerPass, len(bs))]
		qb := newQueryBuilder(tenantID)
		var bits, or []string
		for i, b := range batch {
			c := qb.criteria(t, b.criteria)
			bits = append(bits, "CASE WHEN "+c+" THEN "+itoa64(int64(1)<<i)+" ELSE 0 END")
			or = append(or, c)
		}
		rows, err := t.query(ctx, "store.BranchCustomerIDs", `SELECT id, `+strings.Join(bits, " + ")+` FROM customers WHERE tenant_id = $1 AND (`+
			strings.Join(or, " OR ")+`)`, qb.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, mask int64
			if err := rows.Scan(&id, &mask); err != nil {
				rows.Close()
				return errs.Wrap(err, "store.BranchCustomerIDs")
			}
			for i, b := range batch {
				if mask&(int64(1)<<i) != 0 {
					out[b.key] = append(out[b.key], id)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "store.BranchCustomerIDs")
		}
	}
	return nil
}

// ChildCounts returns, in customer id order, the customers of the tenant
// that have contacts, deals or activities (o) and how many each has.
func (t *Tx) ChildCounts(ctx context.Context, tenantID int64, o access.Object) ([]int64, []int64, error) {
	table, ok := childTables[o]
	if !ok {
		return nil, nil, errs.E(errs.Internal, "internal", "no child table for %s", o)
	}
	rows, err := t.query(ctx, "store.ChildCounts", `SELECT customer_id, COUNT(*) FROM `+table+` WHERE tenant_id = $1 GROUP BY customer_id ORDER BY customer_id`, tenantID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ids, counts []int64
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, nil, errs.Wrap(err, "store.ChildCounts")
		}
		ids, counts = append(ids, id), append(counts, n)
	}
	return ids, counts, errs.Wrap(rows.Err(), "store.ChildCounts")
}
