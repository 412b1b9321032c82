package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"steward/internal/access"
	"steward/internal/org"
	"steward/internal/store"
)

// A lifecycle change (a move, an offboarding) is previewed by making it in
// a transaction that is then rolled back, and applied by making it the same
// way and committing: the preview and the result come from one piece of
// code, so they cannot differ. Who gains and loses access is measured, not
// predicted: the visible sets of the users the change can touch are read
// through the engine's filters before and after the change, inside the
// transaction, and compared.

// ObjectCounts counts records per object.
type ObjectCounts struct {
	Customers  int64 `json:"customers"`
	Contacts   int64 `json:"contacts"`
	Deals      int64 `json:"deals"`
	Activities int64 `json:"activities"`
}

func (c *ObjectCounts) set(o access.Object, n int64) {
	switch o {
	case access.Customer:
		c.Customers = n
	case access.Contact:
		c.Contacts = n
	case access.Deal:
		c.Deals = n
	case access.Activity:
		c.Activities = n
	}
}

// Zero reports whether nothing is counted.
func (c ObjectCounts) Zero() bool { return c == ObjectCounts{} }

// CustomerRef names a customer in a report. The name is left out when the
// reader of the report may not see the customer.
type CustomerRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name,omitempty"`
}

// AccessChange is how one user's access to records (view) changes.
type AccessChange struct {
	UserID       int64         `json:"user_id"`
	Name         string        `json:"name"`
	Relations    []string      `json:"relations"` // why the change can touch them: moved_user, successor, old_manager_chain, ...
	Gained       ObjectCounts  `json:"gained"`
	Lost         ObjectCounts  `json:"lost"`
	GainedSample []CustomerRef `json:"gained_sample"`
	LostSample   []CustomerRef `json:"lost_sample"`

	gained, lost []int64 // customers (view), in id order
}

// sampleSize is how many customers a change lists by name.
const sampleSize = 5

// diffPlan says whose access a change can touch and on which records.
type diffPlan struct {
	// full are users whose own facts change (the moved user, the leaver):
	// their whole visibility is compared.
	full []int64
	// others are users whose facts may change only in whom they manage,
	// or who may see the changed records through owner or department:
	// their visibility is compared on the changed records only.
	others []int64
	// owners own, before the change, every record whose owner, owner
	// department or pool the change touches.
	owners []int64
	// afterOwners own those records after the change (owners plus any
	// successors), or afterPools hold them.
	afterOwners []int64
	afterPools  []int64
	// subtree are users whose manager chain the change moves: their
	// records change for the users in chains, and only for them.
	subtree   []int64
	chains    map[int64]bool
	relations map[int64][]string
}

// chain marks users whose subordinates the change moves.
func (p *diffPlan) chain(ids ...int64) {
	if p.chains == nil {
		p.chains = map[int64]bool{}
	}
	for _, id := range ids {
		p.chains[id] = true
	}
}

// holders returns what limits a user's comparison: nil for a full user,
// the changed records and the moved subtree's for one in a moved chain
// (wide), the changed records otherwise.
func (p *diffPlan) holders(uid int64, after, wide bool) *store.Holders {
	if slices.Contains(p.full, uid) {
		return nil
	}
	h := &store.Holders{Owners: p.owners}
	if after {
		h = &store.Holders{Owners: p.afterOwners, Pools: p.afterPools}
	}
	if wide {
		h.Owners = append(slices.Clone(h.Owners), p.subtree...)
	}
	return h
}

func (p *diffPlan) relate(rel string, ids ...int64) {
	if p.relations == nil {
		p.relations = map[int64][]string{}
	}
	for _, id := range ids {
		if !slices.Contains(p.relations[id], rel) {
			p.relations[id] = append(p.relations[id], rel)
		}
	}
}

// visibility is, per user and object, the customers whose records of that
// object the user may view.
type visibility map[int64]map[access.Object]view

// wide reports whether any view included the moved subtree's records.
func (v visibility) wide() bool {
	for _, views := range v {
		for _, w := range views {
			if w.wide {
				return true
			}
		}
	}
	return false
}

type view struct {
	all  bool    // every customer of the considered set (filter All, no restrictions)
	wide bool    // the considered set includes the moved subtree's records
	ids  []int64 // otherwise these, in id order
	key  string  // the filter, to notice when it did not change
	deps bool    // the filter depends on owners, owner departments or pools
}

// snapshot reads the visibility of the plan's users as of now in tx; the
// others' on the records that the plan's holders hold only.
func (s *Service) snapshot(ctx context.Context, tx *store.Tx, tenantID int64, p *diffPlan, after bool, now time.Time) (visibility, error) {
	out := visibility{}
	users := append(slices.Clone(p.full), p.others...)
	for _, uid := range users {
		if _, done := out[uid]; done {
			continue
		}
		u, err := tx.User(ctx, tenantID, uid)
		if err != nil {
			return nil, err
		}
		views := map[access.Object]view{}
		out[uid] = views
		if u.Status != org.StatusActive {
			continue // no access at all
		}
		sub, _, err := s.subject(ctx, tx, tenantID, u, now)
		if err != nil {
			return nil, err
		}
		byKey := map[string][]int64{}
		for _, o := range access.Objects {
			f := sub.Filter(o, access.View)
			k := filterKey(f)
			// A moved chain changes a user's view only through the
			// subordinates scope: without it, the changed records suffice.
			wide := p.chains[uid] && (slices.Contains(sub.ScopesFor(o, access.View), access.Subordinates) ||
				slices.Contains(sub.ScopesFor(access.Customer, access.View), access.Subordinates))
			restrict := p.holders(uid, after, wide)
			k += fmt.Sprint(wide)
			v := view{key: k, wide: wide, deps: ownerBound(f) || (f.Within != nil && ownerBound(*f.Within))}
			if f.All && len(f.Exclude) == 0 && f.Within == nil && restrict != nil {
				v.all = true
			} else if ids, ok := byKey[k]; ok {
				v.ids = ids
			} else {
				if v.ids, err = tx.VisibleCustomerIDs(ctx, tenantID, f, restrict); err != nil {
					return nil, err
				}
				byKey[k] = v.ids
			}
			views[o] = v
		}
	}
	return out, nil
}

// ownerBound reports whether a filter's answer can change when a record's
// owner, owner department or pool changes: the only facts of records that a
// lifecycle change touches.
func ownerBound(f access.Filter) bool {
	return len(f.OwnerIDs)+len(f.DeptIDs)+len(f.Subtrees)+len(f.Pools) > 0
}

// filterKey identifies a filter; a child object's filter whose Within
// repeats its own branches has the same key as the customer filter.
func filterKey(f access.Filter) string {
	if f.Within != nil {
		inner := *f.Within
		inner.Exclude = f.Exclude
		outer := f
		outer.Within = nil
		if a, b := mustJSON(inner), mustJSON(outer); a == b {
			return a
		}
	}
	return mustJSON(f)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v) // a Filter always marshals
	return string(b)
}

// compare turns two snapshots into the changes per user. affected and
// affectedChain are the records the others' views were limited to (in id
// order): the changed records, and those with the moved subtree's.
func (s *Service) compare(ctx context.Context, tx *store.Tx, tenantID int64, p *diffPlan, before, after visibility, affected, affectedChain []int64) ([]AccessChange, error) {
	var out []AccessChange
	users := append(slices.Clone(p.full), p.others...)
	seen := map[int64]bool{}
	for _, uid := range users {
		if seen[uid] {
			continue
		}
		seen[uid] = true
		full := slices.Contains(p.full, uid)
		ch := AccessChange{UserID: uid, Relations: p.relations[uid]}
		for _, o := range access.Objects {
			b, a := before[uid][o], after[uid][o]
			if !full && b.key == a.key && (b.all || !b.deps) {
				continue // same filter, and it cannot see owner changes
			}
			bi, ai := b.ids, a.ids
			if affected := affected; !full {
				if b.wide || a.wide {
					affected = affectedChain
				}
				if b.all {
					bi = affected
				}
				if a.all {
					ai = affected
				} else {
					ai = intersect(ai, affected)
				}
			}
			gained, lost := minus(ai, bi), minus(bi, ai)
			if o == access.Customer {
				ch.gained, ch.lost = gained, lost
				ch.Gained.Customers, ch.Lost.Customers = int64(len(gained)), int64(len(lost))
				continue
			}
			ng, err := tx.CountChildren(ctx, tenantID, o, gained)
			if err != nil {
				return nil, err
			}
			nl, err := tx.CountChildren(ctx, tenantID, o, lost)
			if err != nil {
				return nil, err
			}
			ch.Gained.set(o, ng)
			ch.Lost.set(o, nl)
		}
		if ch.Gained.Zero() && ch.Lost.Zero() {
			continue
		}
		out = append(out, ch)
	}
	return out, nil
}

// nameSamples fills the samples of each change: the first customers gained
// and lost, named when the reader may see them (as the data is after the
// change), by id only otherwise.
func (s *Service) nameSamples(ctx context.Context, tx *store.Tx, a *Actor, changes []AccessChange) error {
	for i := range changes {
		c := &changes[i]
		u, err := tx.User(ctx, a.TenantID, c.UserID)
		if err != nil {
			return err
		}
		c.Name = u.Name
		c.GainedSample, err = s.sample(ctx, tx, a, c.gained)
		if err != nil {
			return err
		}
		if c.LostSample, err = s.sample(ctx, tx, a, c.lost); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) sample(ctx context.Context, tx *store.Tx, a *Actor, ids []int64) ([]CustomerRef, error) {
	ids = ids[:min(len(ids), sampleSize)]
	out := []CustomerRef{}
	names, err := tx.CustomerNames(ctx, a.TenantID, ids)
	if err != nil {
		return nil, err
	}
	readable := a.Subject.Field(access.Customer, "name").Access.Readable()
	for _, id := range ids {
		ref := CustomerRef{ID: id}
		if readable {
			c, err := tx.Customer(ctx, a.TenantID, id)
			if err != nil {
				return nil, err
			}
			rec, err := recordOf(ctx, tx, a.TenantID, c)
			if err != nil {
				return nil, err
			}
			if a.Subject.Check(access.Customer, access.View, rec).Allowed {
				ref.Name = names[id]
			}
		}
		out = append(out, ref)
	}
	return out, nil
}

// minus returns the ids of a not in b; both in increasing order.
func minus(a, b []int64) []int64 {
	out := []int64{}
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

// intersect returns the ids in both a and b; both in increasing order.
func intersect(a, b []int64) []int64 {
	out := []int64{}
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j < len(b) && b[j] == x {
			out = append(out, x)
		}
	}
	return out
}
