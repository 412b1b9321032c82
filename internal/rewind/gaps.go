package rewind

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
)

// Gap is an entry whose undoing left something the answer depends on
// unknown, and what.
type Gap struct {
	Seq    int64  `json:"seq"`
	Action string `json:"action"`
	What   string `json:"what"`
}

// The kinds of value an entry can leave open.
const (
	openHolding = "holding" // whether, and until when, a user held a role
	openPlace   = "place"   // a user's place on the record team
	openStatus  = "status"  // a user's status
	openPool    = "pool"    // a pool's member departments
	openFact    = "fact"    // one of the customer's criteria fields
	openGrants  = "grants"  // the shares naming a user that an offboarding took
	openRecord  = "record"  // the deleted customer's fields, team and shares
)

type unknownKey struct {
	kind  string
	a, b  int64
	field string
}

// open is a value left unknown by an entry. existed says the entry shows
// it was there (a revocation: the user held the role, until some time),
// so that finding no older entry about it does not mean it was absent.
type open struct {
	gap     Gap
	existed bool
}

// leave marks a value as unknown as of entry e: an older entry that sets
// it (undone later) settles it again.
func (st *State) leave(k unknownKey, e audit.Entry, what string, existed bool) {
	st.unknown[k] = open{Gap{Seq: e.Seq, Action: e.Action, What: what}, existed}
}

// settle marks a value as known again.
func (st *State) settle(k unknownKey) { delete(st.unknown, k) }

// fail records an entry that could not be undone at all.
func (st *State) fail(e audit.Entry, what string) {
	st.gaps = append(st.gaps, Gap{Seq: e.Seq, Action: e.Action, What: what})
}

// Lookup is a value the entries after the moment left open that the last
// entry about it at or before the moment can settle: whether a user held a
// role (RoleID, RoleKey) or had a place on the customer's record team
// (Team). The service reads the user's history before Before, newest
// first, for the first entry of Actions that Matches, and hands it to
// Settle.
type Lookup struct {
	UserID     int64
	RoleID     int64
	RoleKey    string
	Team       bool
	CustomerID int64
	Before     int64 // the seq of the entry that left it open
	Actions    []string
}

// Pending lists the values a lookup can settle.
func (st *State) Pending() []Lookup {
	var out []Lookup
	for k, o := range st.unknown {
		g := o.gap
		switch k.kind {
		case openHolding:
			out = append(out, Lookup{UserID: k.a, RoleID: k.b, RoleKey: st.Roles[k.b].Key, Before: g.Seq,
				Actions: []string{"role.grant", "role.revoke", "role.expire"}})
		case openPlace:
			out = append(out, Lookup{UserID: k.a, Team: true, CustomerID: st.Customer.ID, Before: g.Seq,
				Actions: []string{"team.add", "team.remove", "team.expire", "user.offboard"}})
		}
	}
	slices.SortFunc(out, func(a, b Lookup) int { return cmp64(a.Before, b.Before) })
	return out
}

// Matches reports whether an entry of the lookup's actions is about the
// lookup's role or team place. An offboarding took every team place of
// the leaver.
func (l Lookup) Matches(e audit.Entry) bool {
	user := strconv.FormatInt(l.UserID, 10)
	switch e.Action {
	case "user.offboard":
		return l.Team && e.TargetID == user
	case "team.add", "team.remove", "team.expire":
		var g grantDetails
		_ = json.Unmarshal(e.Details, &g)
		return l.Team && e.TargetID == strconv.FormatInt(l.CustomerID, 10) && g.Principal.ID == l.UserID
	}
	var d struct {
		Role string `json:"role"`
	}
	_ = json.Unmarshal(e.Details, &d)
	return !l.Team && e.TargetID == user && d.Role == l.RoleKey
}

// Settle closes a lookup with the last matching entry at or before the
// moment (nil when there is none). whole says the trail was never pruned,
// so no entry means the user never held the role (or place) before.
func (st *State) Settle(l Lookup, last *audit.Entry, whole bool) {
	k := unknownKey{kind: openHolding, a: l.UserID, b: l.RoleID}
	if l.Team {
		k = unknownKey{kind: openPlace, a: l.UserID}
	}
	o, ok := st.unknown[k]
	if !ok {
		return
	}
	if last == nil {
		switch {
		case whole && !o.existed:
			st.settle(k)
		case whole:
			o.gap.What += "; no older entry says either (it was made without one)"
		default:
			o.gap.What += "; the entries that would say are older than the retained trail"
		}
		if _, still := st.unknown[k]; still {
			st.unknown[k] = o
		}
		return
	}
	st.settle(k)
	h := Holding{l.UserID, l.RoleID}
	switch {
	case l.Team && last.Action == "team.add":
		var g grantDetails
		_ = json.Unmarshal(last.Details, &g)
		st.setPlace(g)
	case l.Team:
		delete(st.Customer.Team, l.UserID)
	case last.Action == "role.grant":
		var d struct {
			ExpiresAt *time.Time `json:"expires_at"`
		}
		_ = json.Unmarshal(last.Details, &d)
		st.Held[h] = d.ExpiresAt
	default:
		delete(st.Held, h)
	}
}

// Gaps lists what the answer could not know, in trail order: entries
// that could not be undone, and values left open that the answer depends
// on (a criteria field only when a rule in force reads it, a pool only
// when the customer sat in it).
func (st *State) Gaps() []Gap {
	out := slices.Clone(st.gaps)
	for k, o := range st.unknown {
		g := o.gap
		switch k.kind {
		case openFact:
			if !st.fieldRead(k.field) {
				continue
			}
		case openPool:
			if st.Customer.OwnerID != 0 || st.Customer.PoolID != k.a {
				continue
			}
		case openHolding, openPlace, openStatus, openGrants:
			if _, ok := st.Users[k.a]; !ok {
				continue
			}
		}
		out = append(out, g)
	}
	if !st.Customer.Exists {
		out = nil // nobody could see a customer that did not exist
	}
	slices.SortFunc(out, func(a, b Gap) int {
		if c := cmp64(a.Seq, b.Seq); c != 0 {
			return c
		}
		return strings.Compare(a.What, b.What)
	})
	// One gap per entry, saying everything it left open.
	var merged []Gap
	for _, g := range out {
		if n := len(merged); n > 0 && merged[n-1].Seq == g.Seq && merged[n-1].Action == g.Action {
			if !strings.Contains(merged[n-1].What, g.What) {
				merged[n-1].What += "; " + g.What
			}
			continue
		}
		merged = append(merged, g)
	}
	return merged
}

// fieldRead reports whether a sharing or restriction rule in force names a
// customer field in its criteria.
func (st *State) fieldRead(field string) bool {
	for _, r := range st.Rules {
		if names(r.Criteria, field) {
			return true
		}
	}
	for _, r := range st.Restrictions {
		if names(r.Criteria, field) {
			return true
		}
	}
	return false
}

func names(c access.Criteria, field string) bool {
	if c.Field == field {
		return true
	}
	return slices.ContainsFunc(append(slices.Clone(c.All), c.Any...), func(x access.Criteria) bool { return names(x, field) })
}
