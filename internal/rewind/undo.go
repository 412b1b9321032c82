package rewind

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
)

// details is an entry's details by key, so that a key recorded as null
// can be told from one not recorded at all (an entry written before the
// key was added).
type details map[string]json.RawMessage

func (d details) has(k string) bool {
	_, ok := d[k]
	return ok
}

// get decodes the key into v, reporting whether it was there and not null.
func (d details) get(k string, v any) bool {
	raw, ok := d[k]
	if !ok || string(raw) == "null" {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

func (d details) id(k string) int64 {
	var v int64
	d.get(k, &v)
	return v
}

type undoer func(st *State, e audit.Entry, d details)

// undoers are the entries that change what decides access, by action.
// Entries of other actions change nothing the engine reads.
var undoers = map[string]undoer{
	"role.create": undoRole, "role.update": undoRole, "role.delete": undoRole,
	"role.grant": undoGrant, "role.revoke": undoRevoke, "role.expire": undoExpire,
	"user.create": undoUserCreate, "user.update": undoUserFacts, "user.move": undoUserFacts, "user.offboard": undoOffboard,
	"department.create": undoDepartment, "department.move": undoDepartment, "department.delete": undoDepartment,
	"group.create": undoGroup, "group.update": undoGroup, "group.delete": undoGroup,
	"sharing_rule.create": undoSharingRule, "sharing_rule.update": undoSharingRule, "sharing_rule.delete": undoSharingRule,
	"restriction_rule.create": undoRestriction, "restriction_rule.update": undoRestriction, "restriction_rule.delete": undoRestriction,
	"pool.create": undoPool, "pool.update": undoPool, "pool.delete": undoPool,
}

// TenantActions lists the actions whose entries can change anyone's
// access to any customer; CustomerActions those that change access to the
// customer they are linked to. The service reads the entries of both after
// the moment, and nothing else.
func TenantActions() []string {
	out := append(sortedActions(undoers), "retention.run")
	slices.Sort(out)
	return out
}

// CustomerActions: see TenantActions.
func CustomerActions() []string { return sortedActions(customerUndoers) }

func sortedActions[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// Undo takes back one entry. Entries must come newest first.
func (st *State) Undo(e audit.Entry) {
	var d details
	if err := json.Unmarshal(e.Details, &d); err != nil {
		st.fail(e, "its details are not a JSON object")
		return
	}
	if f, ok := undoers[e.Action]; ok {
		f(st, e, d)
		st.undone++
		return
	}
	if f, ok := customerUndoers[e.Action]; ok && st.concerns(e, d) {
		f(st, e, d)
		st.undone++
		return
	}
	if e.Action == "retention.run" {
		var ids []int64
		var object string
		d.get("ids", &ids)
		d.get("object", &object)
		if object == "customer" && slices.Contains(ids, st.Customer.ID) {
			st.leave(unknownKey{kind: openFact, field: "name"}, e, "the customer's name before it was anonymised (names are personal data and not recorded)", true)
			st.undone++
		}
	}
}

func targetID(e audit.Entry) int64 {
	id, _ := strconv.ParseInt(e.TargetID, 10, 64)
	return id
}

func (st *State) roleByKey(key string) (int64, bool) {
	for id, r := range st.Roles {
		if r.Key == key {
			return id, true
		}
	}
	return 0, false
}

// roleBody is a role as the trail keeps it (roleState in the service).
type roleBody struct {
	Name        string              `json:"name"`
	Permissions []access.Permission `json:"permissions"`
	Functions   []access.Function   `json:"functions"`
}

func undoRole(st *State, e audit.Entry, d details) {
	id := targetID(e)
	var before roleBody
	if !d.get("before", &before) {
		delete(st.Roles, id)
		return
	}
	var key string
	d.get("key", &key)
	r := st.Roles[id]
	r.ID, r.Key, r.Name, r.Permissions, r.Functions = id, key, before.Name, before.Permissions, before.Functions
	st.Roles[id] = r
}

func (st *State) holding(e audit.Entry, d details, field string) (Holding, bool) {
	var key string
	d.get(field, &key)
	rid, ok := st.roleByKey(key)
	if !ok {
		st.fail(e, "it names a role the trail does not know: "+strconv.Quote(key))
	}
	return Holding{targetID(e), rid}, ok
}

func undoGrant(st *State, e audit.Entry, d details) {
	h, ok := st.holding(e, d, "role")
	if !ok {
		return
	}
	k := unknownKey{kind: openHolding, a: h.UserID, b: h.RoleID}
	delete(st.Held, h)
	st.settle(k)
	if !d.has("previous") {
		st.leave(k, e, "whether the user held the role before this grant replaced it (the entry does not say)", false)
		return
	}
	var prev struct {
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if d.get("previous", &prev) {
		st.Held[h] = prev.ExpiresAt
	}
}

func undoRevoke(st *State, e audit.Entry, d details) {
	h, ok := st.holding(e, d, "role")
	if !ok {
		return
	}
	k := unknownKey{kind: openHolding, a: h.UserID, b: h.RoleID}
	var exp *time.Time
	d.get("expires_at", &exp)
	st.Held[h] = exp
	st.settle(k)
	if !d.has("expires_at") {
		st.leave(k, e, "until when the revoked assignment ran (the entry does not say)", true)
	}
}

func undoExpire(st *State, e audit.Entry, d details) {
	h := Holding{d.id("user_id"), d.id("role_id")}
	var exp *time.Time
	d.get("expires_at", &exp)
	st.Held[h] = exp
	st.settle(unknownKey{kind: openHolding, a: h.UserID, b: h.RoleID})
}

func undoUserCreate(st *State, e audit.Entry, d details) {
	id := targetID(e)
	delete(st.Users, id)
	for k := range st.unknown {
		if k.a == id && (k.kind == openHolding || k.kind == openPlace || k.kind == openStatus || k.kind == openGrants) {
			st.settle(k)
		}
	}
}

// userFacts is the before of a user change: only the keys recorded changed.
func (st *State) userFacts(id int64, before details) {
	u := st.Users[id]
	var dept int64
	if before.get("department_id", &dept) {
		u.DeptID = dept
	}
	if before.has("manager_id") {
		var m int64
		before.get("manager_id", &m)
		u.ManagerID = m
	}
	if before.get("status", &u.Status) {
		st.settle(unknownKey{kind: openStatus, a: id})
	}
	st.Users[id] = u
}

func undoUserFacts(st *State, e audit.Entry, d details) {
	var before details
	if d.get("before", &before) {
		st.userFacts(targetID(e), before)
	}
}

// undoOffboard gives the leaver back their status, their reports back
// their manager, and, for an entry recorded before offboardings recorded
// each removed grant (the service adds them from the stored report), the
// team place and shares the offboarding took on this customer.
func undoOffboard(st *State, e audit.Entry, d details) {
	id := targetID(e)
	var reports []int64
	d.get("reports_moved", &reports)
	for _, r := range reports {
		if u, ok := st.Users[r]; ok {
			u.ManagerID = id
			st.Users[r] = u
		}
	}
	var before details
	if !d.get("before", &before) {
		st.leave(unknownKey{kind: openStatus, a: id}, e, "the leaver's status before the offboarding (the entry does not say)", true)
		st.leave(unknownKey{kind: openPlace, a: id}, e, "whether the leaver had a place on the record team (the entry does not say)", false)
		st.leave(unknownKey{kind: openGrants, a: id}, e, "which shares naming the leaver the offboarding removed (the entry does not say)", true)
		return
	}
	st.userFacts(id, before)
	var team, shares []grantDetails
	d.get("removed_team_memberships", &team)
	d.get("removed_shares", &shares)
	for _, g := range team {
		if g.CustomerID == st.Customer.ID {
			st.setPlace(g)
		}
	}
	for _, g := range shares {
		if g.CustomerID == st.Customer.ID {
			st.Customer.Shares[g.GrantID] = g.share()
		}
	}
}

func undoDepartment(st *State, e audit.Entry, d details) {
	id := targetID(e)
	switch e.Action {
	case "department.create":
		delete(st.Depts, id)
	case "department.move":
		var before details
		d.get("before", &before)
		st.Depts[id] = before.id("parent_id")
	default:
		st.Depts[id] = d.id("parent_id")
	}
}

func undoGroup(st *State, e audit.Entry, d details) {
	id := targetID(e)
	var members []int64
	if e.Action == "group.delete" {
		d.get("members", &members)
		st.Groups[id] = members
		return
	}
	var change details
	d.get("members", &change)
	if !change.get("before", &members) && e.Action == "group.create" {
		delete(st.Groups, id)
		return
	}
	st.Groups[id] = members
}

// undoSaved undoes the create, update or delete of a rule or pool that
// the trail keeps whole as before and after. It reports false for a
// delete recorded without its before.
func undoSaved[T any](m map[int64]T, e audit.Entry, d details) bool {
	id := targetID(e)
	var before T
	if d.get("before", &before) {
		m[id] = before
		return true
	}
	if strings.HasSuffix(e.Action, ".delete") {
		return false
	}
	delete(m, id)
	return true
}

func undoSharingRule(st *State, e audit.Entry, d details) { undoSaved(st.Rules, e, d) }

func undoRestriction(st *State, e audit.Entry, d details) { undoSaved(st.Restrictions, e, d) }

func undoPool(st *State, e audit.Entry, d details) {
	if !undoSaved(st.Pools, e, d) {
		st.leave(unknownKey{kind: openPool, a: targetID(e)}, e, "the departments of the deleted pool (the entry does not say)", true)
	}
}
