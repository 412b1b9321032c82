package service

import (
	"context"
	"slices"

	"steward/internal/access"
	"steward/internal/store"
)

// branchTable numbers the branches (store.Branch) of the filters of a dry
// run, so that each user's view filters are kept as a few short lists of
// numbers, the same for both sides of the change: ten thousand users'
// filters, before and after, in kilobytes each rather than the filters.
type branchTable struct {
	index    map[string]int32
	branches []store.Branch
}

func newBranchTable() *branchTable { return &branchTable{index: map[string]int32{}} }

// filterParts is a filter as numbered branches (store.FilterParts), each
// list in increasing order: two filters with equal parts pass the same
// customers.
type filterParts struct {
	empty, all, hasWithin     bool
	branches, within, exclude []int32
}

func (t *branchTable) parts(f access.Filter) filterParts {
	p := store.SplitFilter(f)
	return filterParts{empty: p.Empty, all: p.All, hasWithin: p.HasWithin,
		branches: t.numbers(p.Branches), within: t.numbers(p.Within), exclude: t.numbers(p.Exclude)}
}

func (t *branchTable) numbers(bs []store.Branch) []int32 {
	if len(bs) == 0 {
		return nil
	}
	out := make([]int32, 0, len(bs))
	for _, b := range bs {
		n, ok := t.index[b.Key()]
		if !ok {
			n = int32(len(t.branches))
			t.index[b.Key()] = n
			t.branches = append(t.branches, b)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (p filterParts) equal(q filterParts) bool {
	return p.empty == q.empty && p.all == q.all && p.hasWithin == q.hasWithin &&
		slices.Equal(p.branches, q.branches) && slices.Equal(p.within, q.within) && slices.Equal(p.exclude, q.exclude)
}

// only returns the numbers of a that b lacks; both in increasing order.
func only(a, b []int32) []int32 {
	var out []int32
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j < len(b) && b[j] == x {
			continue
		}
		out = append(out, x)
	}
	return out
}

// policyDiffLimits say when the dry run changes how it reads and tests
// branches. A variable for the tests only, which set them low or high to
// take every way (SetPolicyDiffLimits).
var policyDiffLimits = diffLimits{onePass: 1000, bitmap: 64, childCounts: 100_000}

type diffLimits struct {
	// onePass: more branches of a kind than this are read in one pass over
	// their table (store.BranchCustomerIDs).
	onePass int
	// bitmap: a branch of this many customers or more is tested through a
	// bitmap where that takes no more room than its list (newIDSet).
	bitmap int
	// childCounts: how many customers' children are counted with one
	// statement per set before every customer's count is read at once
	// (store.ChildCounts): a few small changes need no pass over every
	// contact; a change to thousands of users' views makes one.
	childCounts int
}

type childCounts struct {
	asked      int
	ids, count []int64 // every customer's, once asked passes the limit
}

// idSet is a branch's customers in id order and, where they are dense
// enough for it to take no more room than the list, a bitmap of them:
// the rules, pools and large shares every user's filter names are tested
// for thousands of candidates each.
type idSet struct {
	ids  []int64
	lo   int64
	bits []uint64
}

func newIDSet(ids []int64) idSet {
	s := idSet{ids: ids}
	if len(ids) == 0 || len(ids) < policyDiffLimits.bitmap {
		return s
	}
	s.lo = ids[0]
	span := ids[len(ids)-1] - s.lo + 1
	if span > int64(len(ids))*64 {
		return s
	}
	s.bits = make([]uint64, (span+63)/64)
	for _, id := range ids {
		s.bits[(id-s.lo)/64] |= 1 << ((id - s.lo) % 64)
	}
	return s
}

func (s idSet) has(id int64) bool {
	k := id - s.lo
	return k >= 0 && k/64 < int64(len(s.bits)) && s.bits[k/64]&(1<<(k%64)) != 0
}

// seek returns the index of the first element of s (increasing) not
// below v, galloping: a few candidates cross a long branch in steps that
// grow, not one by one.
func seek(s []int64, v int64) int {
	hi := 1
	for hi < len(s) && s[hi] < v {
		hi *= 2
	}
	lo := hi / 2
	hi = min(hi, len(s))
	k, _ := slices.BinarySearch(s[lo:hi], v)
	return lo + k
}

// union merges id lists (each in increasing order) into one, in order and
// without repeats.
func union(lists [][]int64) []int64 {
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	// The longest (a pool, a rule) is merged with the others sorted
	// together: a user's union is mostly one or two long lists every user
	// shares, sorted once already.
	lists = slices.Clone(lists)
	slices.SortFunc(lists, func(a, b []int64) int { return len(b) - len(a) })
	n := 0
	for _, l := range lists[1:] {
		n += len(l)
	}
	rest := make([]int64, 0, n)
	for _, l := range lists[1:] {
		rest = append(rest, l...)
	}
	slices.Sort(rest)
	return merge(lists[0], slices.Compact(rest))
}

// merge returns the ids of a or b; both in increasing order.
func merge(a, b []int64) []int64 {
	out := make([]int64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return append(append(out, a[i:]...), b[j:]...)
}

// countChildren counts the contacts, deals or activities of customers:
// with one statement while few have been asked for, then from every
// customer's count, read once.
func (d *recordDiff) countChildren(ctx context.Context, o access.Object, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	c := d.children[o]
	if c == nil {
		c = &childCounts{}
		d.children[o] = c
	}
	if c.ids == nil {
		if c.asked+len(ids) <= policyDiffLimits.childCounts {
			c.asked += len(ids)
			return d.tx.CountChildren(ctx, d.tenantID, o, ids)
		}
		var err error
		if c.ids, c.count, err = d.tx.ChildCounts(ctx, d.tenantID, o); err != nil {
			return 0, err
		}
		if c.ids == nil {
			c.ids = []int64{}
		}
	}
	var n int64
	i, j := 0, 0
	for i < len(ids) && j < len(c.ids) {
		switch {
		case ids[i] == c.ids[j]:
			n += c.count[j]
			i++
			j++
		case ids[i] < c.ids[j]:
			i += seek(ids[i:], c.ids[j])
		default:
			j += seek(c.ids[j:], ids[i])
		}
	}
	return n, nil
}
