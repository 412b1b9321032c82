package service

import (
	"context"
	"fmt"
	"slices"

	"steward/internal/access"
	"steward/internal/store"
)

// A policy change moves no record and changes no team or share: it changes
// only which branches (owners, departments, subtrees, team, shares, rules,
// pools) and restrictions each user's filters name. So the records a user
// gains are found from the branches alone, each read once for every user
// (store.BranchCustomerIDs) and on the data as it stands, which the change
// leaves as it was: a customer the filter after the change passes and the
// one before does not lies either in a branch only the after filter names,
// or in a Within branch only it names, or in a restriction only the before
// filter has (or, where the before filter has a Within limit and the after
// one none, in any branch of the after filter). Those customers are the
// candidates; each is then tested against both filters, branch by branch.
// Losses are the same with the sides swapped. A rep whose view goes from
// own to department is tested on the customers of their department only,
// not on the tens of thousands their rules and pools show them either way.

// recordDiff measures the records of users whose view filters differ.
type recordDiff struct {
	tx       *store.Tx
	tenantID int64
	table    *branchTable
	sets     []idSet // by branch number, those the changed filters name
	universe []int64 // every customer, read when a filter gains All
	rests    map[string]*restSet
	children map[access.Object]*childCounts
}

// policyRecords sets, for each user of views, the records they gain and
// lose sight of between the filters before and after the change, with
// samples named as the actor may see them.
func (s *Service) policyRecords(ctx context.Context, tx *store.Tx, a *Actor, table *branchTable, views []viewChange,
	before, after map[int64]policyState, changed map[int64]*PolicyUserChange) error {
	d := &recordDiff{tx: tx, tenantID: a.TenantID, table: table, children: map[access.Object]*childCounts{}, rests: map[string]*restSet{}}
	if err := d.read(ctx, views, before, after); err != nil {
		return err
	}
	var samples []int64
	for _, v := range views {
		ch, err := d.user(ctx, v, before[v.user], after[v.user])
		if err != nil {
			return err
		}
		if ch.Gained.Zero() && ch.Lost.Zero() {
			continue
		}
		c := changed[v.user]
		ch.UserID, ch.Name, ch.Relations = v.user, c.Name, c.Relations
		c.AccessChange = ch
		samples = append(append(samples, ch.gained...), ch.lost...)
	}
	slices.Sort(samples)
	refs, err := s.customerRefs(ctx, tx, a, slices.Compact(samples))
	if err != nil {
		return err
	}
	for _, v := range views {
		c := changed[v.user]
		c.GainedSample, c.LostSample = refsOf(c.gained, refs), refsOf(c.lost, refs)
		c.gained, c.lost = nil, nil
	}
	return nil
}

// read reads the branches that the differing filters name.
func (d *recordDiff) read(ctx context.Context, views []viewChange, before, after map[int64]policyState) error {
	need := make([]bool, len(d.table.branches))
	for _, v := range views {
		for i := range access.Objects {
			if !v.objects[i] {
				continue
			}
			for _, p := range []filterParts{before[v.user].views[i], after[v.user].views[i]} {
				for _, ns := range [][]int32{p.branches, p.within, p.exclude} {
					for _, n := range ns {
						need[n] = true
					}
				}
			}
		}
	}
	var bs []store.Branch
	for n, ok := range need {
		if ok {
			bs = append(bs, d.table.branches[n])
		}
	}
	lists, err := d.tx.BranchCustomerIDs(ctx, d.tenantID, bs, policyDiffLimits.onePass)
	if err != nil {
		return err
	}
	d.sets = make([]idSet, len(d.table.branches))
	for n, ok := range need {
		if ok {
			d.sets[n] = newIDSet(lists[d.table.branches[n].Key()])
		}
	}
	return nil
}

func refsOf(ids []int64, refs map[int64]CustomerRef) []CustomerRef {
	out := []CustomerRef{}
	for _, id := range ids {
		out = append(out, refs[id])
	}
	return out
}

// user compares one user's view filters, object by object; an object
// whose filters are those of an earlier one shares its sets.
func (d *recordDiff) user(ctx context.Context, v viewChange, b, a policyState) (AccessChange, error) {
	var ch AccessChange
	type sets struct{ gained, lost idDiff }
	var done [4]sets
	for i, o := range access.Objects {
		if !v.objects[i] {
			continue
		}
		s := &done[i]
		if j := v.same[i]; j >= 0 {
			*s = done[j]
		} else {
			var err error
			if s.gained, err = d.minus(ctx, a.views[i], b.views[i]); err != nil {
				return ch, err
			}
			if s.lost, err = d.minus(ctx, b.views[i], a.views[i]); err != nil {
				return ch, err
			}
		}
		if o == access.Customer {
			ch.gained, ch.lost = s.gained.first(sampleSize), s.lost.first(sampleSize)
			ch.Gained.Customers, ch.Lost.Customers = s.gained.count(), s.lost.count()
			continue
		}
		ng, err := d.childrenOf(ctx, o, s.gained)
		if err != nil {
			return ch, err
		}
		nl, err := d.childrenOf(ctx, o, s.lost)
		if err != nil {
			return ch, err
		}
		ch.Gained.set(o, ng)
		ch.Lost.set(o, nl)
	}
	return ch, nil
}

// idDiff is the customers one filter passes and another does not: ids,
// or, when the first passes every customer outside its restrictions, those
// (rest) less ids. A rep whose view becomes all gains nearly every
// customer: their count is that of rest less the few they saw already.
type idDiff struct {
	ids  []int64 // in id order
	rest *restSet
}

// restSet is every customer of the tenant outside some restrictions.
type restSet struct {
	ids      []int64
	children map[access.Object]int64
}

func (x idDiff) count() int64 {
	if x.rest != nil {
		return int64(len(x.rest.ids) - len(x.ids))
	}
	return int64(len(x.ids))
}

// first returns the first n customers, in id order.
func (x idDiff) first(n int) []int64 {
	if x.rest == nil {
		return slices.Clone(x.ids[:min(n, len(x.ids))]) // a copy: not the whole set behind it
	}
	var out []int64
	j := 0
	for _, id := range x.rest.ids {
		if len(out) == n {
			break
		}
		for j < len(x.ids) && x.ids[j] < id {
			j++
		}
		if j < len(x.ids) && x.ids[j] == id {
			continue
		}
		out = append(out, id)
	}
	return out
}

// childrenOf counts the contacts, deals or activities of the customers.
func (d *recordDiff) childrenOf(ctx context.Context, o access.Object, x idDiff) (int64, error) {
	n, err := d.countChildren(ctx, o, x.ids)
	if err != nil || x.rest == nil {
		return n, err
	}
	all, ok := x.rest.children[o]
	if !ok {
		if all, err = d.countChildren(ctx, o, x.rest.ids); err != nil {
			return 0, err
		}
		x.rest.children[o] = all
	}
	return all - n, nil
}

// minus returns the customers x passes and y does not.
func (d *recordDiff) minus(ctx context.Context, x, y filterParts) (idDiff, error) {
	if x.empty {
		return idDiff{}, nil
	}
	// What x passes lies in its branches, or in its Within limit's, or, when
	// it passes every customer without a limit, anywhere (open).
	xs, open := x.branches, x.all
	if x.all && x.hasWithin {
		xs, open = x.within, false
	}
	var from []int32
	everyone := false
	// Whether every candidate is known to lie in one of xs: only some of
	// the ways add others.
	inXs := true
	whole := func() {
		everyone = everyone || open
		from = append(from, xs...)
	}
	switch {
	case y.empty:
		whole()
	default:
		// In no branch of y: in a branch of x that y does not name.
		if !y.all {
			if x.all {
				whole()
			} else {
				from = append(from, only(x.branches, y.branches)...)
			}
		}
		// Outside y's Within limit.
		if y.hasWithin {
			if x.hasWithin {
				w := only(x.within, y.within)
				from, inXs = append(from, w...), inXs && len(w) == 0
			} else {
				whole()
			}
		}
		// Restricted for y and not for x.
		ex := only(y.exclude, x.exclude)
		from, inXs = append(from, ex...), inXs && len(ex) == 0
	}
	if everyone {
		return d.minusOpen(ctx, x, y)
	}
	// What x passes lies in xs whatever the way: where xs hold fewer
	// customers than the ways found (a restriction of a quarter of the
	// customers lifted), they are the candidates.
	if !inXs && !open && d.size(xs) < d.size(from) {
		from, inXs = xs, true
	}
	cand := d.union(from)
	if len(cand) == 0 {
		return idDiff{}, nil
	}
	var known []int32
	if inXs {
		known = xs
	}
	inX, inY := d.passes(cand, x, known), d.passes(cand, y, known)
	return idDiff{ids: pickIDs(cand, inX, inY, false)}, nil
}

// minusOpen is minus where x passes every customer outside its
// restrictions: those, less the ones y passes too, found among y's
// branches (y passes less than every customer, or minus would not ask).
func (d *recordDiff) minusOpen(ctx context.Context, x, y filterParts) (idDiff, error) {
	rest, err := d.rest(ctx, x.exclude)
	if err != nil {
		return idDiff{}, err
	}
	var ys []int32
	switch {
	case y.empty:
	case !y.all:
		ys = y.branches
	default:
		ys = y.within
	}
	cand := d.union(ys)
	inX, inY := d.passes(cand, x, nil), d.passes(cand, y, ys)
	return idDiff{ids: pickIDs(cand, inX, inY, true), rest: rest}, nil
}

// pickIDs returns the candidates x passes and y does (both) or does not.
func pickIDs(cand []int64, inX, inY []bool, both bool) []int64 {
	n := 0
	for i := range cand {
		if inX[i] && inY[i] == both {
			n++
		}
	}
	out := make([]int64, 0, n)
	for i, id := range cand {
		if inX[i] && inY[i] == both {
			out = append(out, id)
		}
	}
	return out
}

// rest returns every customer outside the restrictions, read once per
// set of restrictions.
func (d *recordDiff) rest(ctx context.Context, exclude []int32) (*restSet, error) {
	key := fmt.Sprint(exclude)
	if r, ok := d.rests[key]; ok {
		return r, nil
	}
	if d.universe == nil {
		all, err := d.tx.BranchCustomerIDs(ctx, d.tenantID, []store.Branch{store.AllBranch()}, 0)
		if err != nil {
			return nil, err
		}
		d.universe = all[store.AllBranch().Key()]
	}
	keep := make([]bool, len(d.universe))
	for i := range keep {
		keep[i] = true
	}
	d.mark(d.universe, exclude, keep, false)
	r := &restSet{ids: pickIDs(d.universe, keep, keep, true), children: map[access.Object]int64{}}
	d.rests[key] = r
	return r, nil
}

// size is how many customers the branches hold, counting repeats.
func (d *recordDiff) size(ns []int32) int {
	n := 0
	for _, b := range ns {
		n += len(d.sets[b].ids)
	}
	return n
}

// union merges the customers of the branches.
func (d *recordDiff) union(ns []int32) []int64 {
	lists := make([][]int64, 0, len(ns))
	for _, n := range ns {
		lists = append(lists, d.sets[n].ids)
	}
	return union(lists)
}

// passes tells, for each of the candidates (in id order), whether the
// filter passes it. Each candidate lies in one of the branches known (when
// any): where those are all branches of the filter, or of its Within
// limit, that part of the test is answered already. A rep's contacts
// whose Within limit goes are tested on their restrictions alone, not
// on thirty branches each.
func (d *recordDiff) passes(cand []int64, p filterParts, known []int32) []bool {
	ok := make([]bool, len(cand))
	if p.empty {
		return ok
	}
	if p.all || len(known) > 0 && len(only(known, p.branches)) == 0 {
		for i := range ok {
			ok[i] = true
		}
	} else {
		d.mark(cand, p.branches, ok, true)
	}
	if p.hasWithin && (len(known) == 0 || len(only(known, p.within)) > 0) {
		in := make([]bool, len(cand))
		d.mark(cand, p.within, in, true)
		for i := range ok {
			ok[i] = ok[i] && in[i]
		}
	}
	d.mark(cand, p.exclude, ok, false)
	return ok
}

// mark sets set[i] to v for each candidate in one of the branches.
func (d *recordDiff) mark(cand []int64, ns []int32, set []bool, v bool) {
	for _, n := range ns {
		l := d.sets[n]
		// A bitmap answers each candidate at once; a list is walked beside
		// the candidates, in steps over the longer of the two.
		if l.bits != nil && len(l.ids) > len(cand)/8 {
			for i, id := range cand {
				if l.has(id) {
					set[i] = v
				}
			}
			continue
		}
		i, j := 0, 0
		for i < len(cand) && j < len(l.ids) {
			switch {
			case cand[i] == l.ids[j]:
				set[i] = v
				i++
				j++
			case cand[i] < l.ids[j]:
				i += seek(cand[i:], l.ids[j])
			default:
				j += seek(l.ids[j:], cand[i])
			}
		}
	}
}

// customerRefs names customers as sample does, all at once: a change to
// thousands of users' views has tens of thousands of samples to name.
func (s *Service) customerRefs(ctx context.Context, tx *store.Tx, a *Actor, ids []int64) (map[int64]CustomerRef, error) {
	out := make(map[int64]CustomerRef, len(ids))
	names, err := tx.CustomerNames(ctx, a.TenantID, ids)
	if err != nil {
		return nil, err
	}
	if !a.Subject.Field(access.Customer, "name").Access.Readable() {
		for _, id := range ids {
			out[id] = CustomerRef{ID: id}
		}
		return out, nil
	}
	for start := 0; start < len(ids); start += 1000 {
		batch := ids[start:min(start+1000, len(ids))]
		cs, err := tx.CustomersByID(ctx, a.TenantID, batch)
		if err != nil {
			return nil, err
		}
		grants, err := tx.RecordGrantsOf(ctx, a.TenantID, batch)
		if err != nil {
			return nil, err
		}
		for _, id := range batch {
			c, ok := cs[id]
			if !ok {
				if c, err = tx.Customer(ctx, a.TenantID, id); err != nil {
					return nil, err // as sample would say
				}
			}
			rec := recordFacts(c)
			rec.Team, rec.Shares = grants[id].Team, grants[id].Shares
			ref := CustomerRef{ID: id}
			if a.Subject.Check(access.Customer, access.View, rec).Allowed {
				ref.Name = names[id]
			}
			out[id] = ref
		}
	}
	return out, nil
}
