package rewind

import (
	"encoding/json"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
)

// customerUndoers are the entries that change access to the customer they
// are about: its owner, pool, criteria fields, team and shares.
var customerUndoers = map[string]undoer{
	"customer.create": undoCustomerCreate, "customer.delete": undoCustomerDelete, "customer.update": undoCustomerUpdate,
	"customer.transfer": undoOwner, "customer.handover": undoOwner, "customer.return": undoOwner, "customer.auto_return": undoOwner,
	"customer.claim": undoClaim,
	"team.add":       undoTeamAdd, "team.remove": undoTeamRemove, "team.expire": undoTeamRemove,
	"share.add": undoShareAdd, "share.remove": undoShareRemove, "share.expire": undoShareRemove,
	"activity.create": undoActivity, "activity.update": undoActivity,
	"privacy.erase": undoErase,
}

// concerns reports whether a customer entry is about this state's
// customer: the service reads them by the customer they are linked to,
// and this holds the entries themselves to it.
func (st *State) concerns(e audit.Entry, d details) bool {
	c := st.Customer.ID
	switch e.Action {
	case "activity.create", "activity.update":
		return d.id("customer_id") == c
	case "privacy.erase":
		var kind string
		d.get("subject_type", &kind)
		return kind == "customer" && d.id("subject_id") == c
	}
	return e.TargetType == "customer" && e.TargetID == strconv.FormatInt(c, 10)
}

// grantDetails is a team place or share as the trail keeps it.
type grantDetails struct {
	GrantID    int64            `json:"grant_id"`
	ID         int64            `json:"id"` // as a stored grant (store.Grant) names it
	CustomerID int64            `json:"customer_id"`
	Principal  access.Principal `json:"principal"`
	Level      access.Level     `json:"level"`
	ExpiresAt  *time.Time       `json:"expires_at"`
}

func (g grantDetails) share() access.ShareGrant {
	return access.ShareGrant{ID: g.grantID(), Principal: g.Principal, Level: g.Level, ExpiresAt: g.ExpiresAt}
}

func (g grantDetails) grantID() int64 {
	if g.GrantID != 0 {
		return g.GrantID
	}
	return g.ID
}

func (st *State) setPlace(g grantDetails) {
	st.Customer.Team[g.Principal.ID] = Place{ID: g.grantID(), Level: g.Level, ExpiresAt: g.ExpiresAt}
	st.settle(unknownKey{kind: openPlace, a: g.Principal.ID})
}

func undoCustomerCreate(st *State, e audit.Entry, d details) { st.Customer.Exists = false }

// record is the customer as a deletion keeps it: what decides access,
// without personal values (so without its name).
type record struct {
	OwnerID        int64          `json:"owner_id"`
	PoolID         int64          `json:"pool_id"`
	Industry       string         `json:"industry"`
	Level          string         `json:"level"`
	Region         string         `json:"region"`
	Source         string         `json:"source"`
	CreatedAt      time.Time      `json:"created_at"`
	LastActivityAt time.Time      `json:"last_activity_at"`
	Team           []grantDetails `json:"team"`
	Shares         []grantDetails `json:"shares"`
}

func undoCustomerDelete(st *State, e audit.Entry, d details) {
	c := &st.Customer
	c.Exists, c.OwnerID = true, d.id("owner_id")
	var r record
	if !d.get("record", &r) {
		st.leave(unknownKey{kind: openRecord}, e, "the deleted customer's fields, team and shares (the entry does not say)", true)
		return
	}
	c.PoolID = r.PoolID
	c.Facts = access.Facts{Industry: r.Industry, Level: r.Level, Region: r.Region, Source: r.Source, CreatedAt: r.CreatedAt, LastActivityAt: r.LastActivityAt}
	st.leave(unknownKey{kind: openFact, field: "name"}, e, "the deleted customer's name (names are personal data and not recorded)", true)
	c.Team, c.Shares = map[int64]Place{}, map[int64]access.ShareGrant{}
	for _, g := range r.Team {
		st.setPlace(g)
	}
	for _, g := range r.Shares {
		c.Shares[g.grantID()] = g.share()
	}
}

// criteria fields a customer update records before and after; the name
// is personal data, so only its change is recorded.
var recordedFacts = map[string]func(*access.Facts) *string{
	"industry": func(f *access.Facts) *string { return &f.Industry },
	"level":    func(f *access.Facts) *string { return &f.Level },
	"region":   func(f *access.Facts) *string { return &f.Region },
	"source":   func(f *access.Facts) *string { return &f.Source },
	"name":     func(f *access.Facts) *string { return &f.Name },
}

func undoCustomerUpdate(st *State, e audit.Entry, d details) {
	var fields []string
	var before map[string]string
	d.get("fields", &fields)
	d.get("before", &before)
	for _, f := range fields {
		at, ok := recordedFacts[f]
		if !ok {
			continue
		}
		k := unknownKey{kind: openFact, field: f}
		if v, ok := before[f]; ok {
			*at(&st.Customer.Facts) = v
			st.settle(k)
			continue
		}
		st.leave(k, e, "the customer's "+f+" before this update (the entry does not say)", true)
	}
}

// undoOwner gives the customer back the owner it had: a transfer says so
// in its before, a handover names who it came from, a return whose it was
// and which pool it was in.
func undoOwner(st *State, e audit.Entry, d details) {
	var owner int64
	switch e.Action {
	case "customer.transfer":
		var before details
		d.get("before", &before)
		owner = before.id("owner_id")
	case "customer.handover":
		owner = d.id("from")
	default: // a return: whose it was, and the pool it was in before
		owner = d.id("owner_id")
		// Neither a claim nor a transfer takes a customer out of its pool,
		// so the customer returned may have sat in one. Returns recorded
		// before they said which leave the pool as it is: a customer is
		// usually returned to the pool it was claimed from.
		if d.has("previous_pool_id") {
			st.Customer.PoolID = d.id("previous_pool_id")
		}
	}
	st.Customer.OwnerID = owner
}

func undoClaim(st *State, e audit.Entry, d details) {
	st.Customer.OwnerID, st.Customer.PoolID = 0, d.id("pool_id")
	st.lastActivity(e, d, "the claim")
}

// lastActivity undoes a move of the customer's last activity time.
func (st *State) lastActivity(e audit.Entry, d details, by string) {
	k := unknownKey{kind: openFact, field: "last_activity_at"}
	var moved struct {
		Before time.Time `json:"before"`
	}
	switch {
	case d.get("last_activity_at", &moved):
		st.Customer.Facts.LastActivityAt = moved.Before
		st.settle(k)
	case !d.has("last_activity_at"):
		st.leave(k, e, "the customer's last activity time before "+by+" (the entry does not say)", true)
	}
}

func undoActivity(st *State, e audit.Entry, d details) { st.lastActivity(e, d, "this follow-up") }

func undoErase(st *State, e audit.Entry, d details) {
	st.leave(unknownKey{kind: openFact, field: "name"}, e, "the customer's name before it was erased (names are personal data and not recorded)", true)
}

func undoTeamAdd(st *State, e audit.Entry, d details) {
	var g grantDetails
	d.get("principal", &g.Principal)
	delete(st.Customer.Team, g.Principal.ID)
	k := unknownKey{kind: openPlace, a: g.Principal.ID}
	st.settle(k)
	if !d.has("previous") {
		st.leave(k, e, "whether the user had a place on the team before this one replaced it (the entry does not say)", false)
		return
	}
	var prev grantDetails
	if d.get("previous", &prev) {
		prev.Principal = g.Principal
		st.setPlace(prev)
	}
}

func undoTeamRemove(st *State, e audit.Entry, d details) {
	var g grantDetails
	_ = json.Unmarshal(e.Details, &g)
	if g.Level == "" {
		st.Customer.Team[g.Principal.ID] = Place{}
		st.leave(unknownKey{kind: openPlace, a: g.Principal.ID}, e, "the level and expiry of the removed team place (the entry does not say)", true)
		return
	}
	st.setPlace(g)
}

func undoShareAdd(st *State, e audit.Entry, d details) { delete(st.Customer.Shares, d.id("grant_id")) }

func undoShareRemove(st *State, e audit.Entry, d details) {
	var g grantDetails
	_ = json.Unmarshal(e.Details, &g)
	st.Customer.Shares[g.grantID()] = g.share()
}
