package rewind_test

import (
	"strconv"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/rewind"
)

// The service's tests hold reconstruction to the live answer for entries
// the service writes now (TestAccessAtAgreesWithLive). These hold it to
// entries written before they said what they changed: nothing is guessed,
// what an older entry can settle is settled, and the rest is named, only
// where the answer depends on it.

var t0 = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// base is a tenant of one active user (1) in the root department (1) who
// holds role 3, which sees every customer, and customer 7 they own.
func base() *rewind.State {
	st := rewind.New(7)
	st.Users[1] = rewind.User{DeptID: 1, Status: "active"}
	st.Depts[1] = 0
	st.Roles[3] = access.Role{ID: 3, Key: "rep", Permissions: []access.Permission{{Object: access.Customer, Action: access.View, Scope: access.All}}}
	st.Held[rewind.Holding{UserID: 1, RoleID: 3}] = nil
	st.Customer.Exists, st.Customer.OwnerID = true, 1
	return st
}

func entry(seq int64, action, targetType string, target int64, details string) audit.Entry {
	return audit.Entry{Seq: seq, At: t0.Add(time.Duration(seq) * time.Minute), Action: action, TargetType: targetType,
		TargetID: strconv.FormatInt(target, 10), Details: []byte(details)}
}

func wantGaps(t *testing.T, st *rewind.State, seqs ...int64) {
	t.Helper()
	gaps := st.Gaps()
	if len(gaps) != len(seqs) {
		t.Fatalf("gaps %+v, want entries %v", gaps, seqs)
	}
	for i, g := range gaps {
		if g.Seq != seqs[i] {
			t.Fatalf("gaps %+v, want entries %v", gaps, seqs)
		}
	}
}

func sees(st *rewind.State, user int64) bool {
	return st.Subject(user, t0).Check(access.Customer, access.View, st.Record()).Allowed
}

// A grant recorded without the assignment it replaced: the last entry
// about that role and user at or before the moment says; with none, a
// whole trail says there was none, a pruned one cannot.
func TestLegacyGrantSettledByOlderEntry(t *testing.T) {
	grant := entry(10, "role.grant", "user", 1, `{"role":"rep","expires_at":null}`)
	older := entry(2, "role.grant", "user", 1, `{"role":"rep","expires_at":"2026-06-01T00:00:00Z"}`)
	for _, c := range []struct {
		name  string
		last  *audit.Entry
		whole bool
		sees  bool
		gaps  []int64
	}{
		{"granted before", &older, false, true, nil},
		{"never held", nil, true, false, nil},
		{"pruned", nil, false, false, []int64{10}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := base()
			st.Undo(grant)
			ls := st.Pending()
			if len(ls) != 1 || ls[0].UserID != 1 || ls[0].RoleKey != "rep" || ls[0].Before != 10 {
				t.Fatalf("pending %+v", ls)
			}
			if c.last != nil && !ls[0].Matches(*c.last) {
				t.Fatal("the older grant does not match its lookup")
			}
			st.Settle(ls[0], c.last, c.whole)
			if got := sees(st, 1); got != c.sees {
				t.Errorf("sees: got %v, want %v", got, c.sees)
			}
			wantGaps(t, st, c.gaps...)
		})
	}
}

// A grant that says what it replaced needs no lookup.
func TestGrantWithPrevious(t *testing.T) {
	st := base()
	st.Undo(entry(10, "role.grant", "user", 1, `{"role":"rep","expires_at":null,"previous":null}`))
	if len(st.Pending()) != 0 || sees(st, 1) {
		t.Fatalf("pending %+v, sees %v", st.Pending(), sees(st, 1))
	}
	st = base()
	st.Undo(entry(10, "role.grant", "user", 1, `{"role":"rep","expires_at":null,"previous":{"expires_at":"2025-12-31T00:00:00Z"}}`))
	if sees(st, 1) {
		t.Fatal("the previous assignment had run out at the moment")
	}
}

// A team place removed without its level: the team.add before the moment
// gives it back; a revocation that left no older entry stays named.
func TestLegacyTeamRemove(t *testing.T) {
	st := base()
	st.Users[2] = rewind.User{DeptID: 1, Status: "active"}
	st.Undo(entry(12, "team.remove", "customer", 7, `{"principal":{"type":"user","id":2}}`))
	ls := st.Pending()
	add := entry(4, "team.add", "customer", 7, `{"grant_id":40,"principal":{"type":"user","id":2},"level":"read","expires_at":null}`)
	if len(ls) != 1 || !ls[0].Team || !ls[0].Matches(add) || ls[0].Matches(entry(4, "team.add", "customer", 8, string(add.Details))) {
		t.Fatalf("pending %+v", ls)
	}
	st.Settle(ls[0], &add, true)
	if !sees(st, 2) {
		t.Error("the team place before the moment was not given back")
	}
	wantGaps(t, st)

	st = base()
	st.Users[2] = rewind.User{DeptID: 1, Status: "active"}
	st.Undo(entry(12, "team.remove", "customer", 7, `{"principal":{"type":"user","id":2}}`))
	st.Settle(st.Pending()[0], nil, true)
	wantGaps(t, st, 12)
}

// Criteria fields an update did not record are unknown, which matters
// only while a rule reads them; a pool deleted without its departments
// matters only while the customer sits in it.
func TestLegacyFieldsAndPools(t *testing.T) {
	st := base()
	st.Undo(entry(9, "customer.update", "customer", 7, `{"fields":["region","notes"]}`))
	st.Undo(entry(8, "pool.delete", "pool", 5, `{}`))
	wantGaps(t, st)
	st.Restrictions[1] = access.RestrictionRule{ID: 1, Name: "east", Criteria: access.Criteria{All: []access.Criteria{
		{Field: "level", Op: "equals", Value: "A"}, {Field: "region", Op: "equals", Value: "East"}}}}
	wantGaps(t, st, 9)
	st.Customer.OwnerID, st.Customer.PoolID = 0, 5
	wantGaps(t, st, 8, 9)

	st = base()
	st.Undo(entry(9, "customer.update", "customer", 7, `{"fields":["region"],"before":{"region":"East"},"after":{"region":"West"}}`))
	st.Restrictions[1] = access.RestrictionRule{ID: 1, Criteria: access.Criteria{Field: "region", Op: "equals", Value: "East"}}
	wantGaps(t, st)
	if st.Customer.Facts.Region != "East" {
		t.Errorf("region %q, want East", st.Customer.Facts.Region)
	}
}

// Names are never recorded: an anonymisation or erasure leaves the name
// unknown, named only when a rule reads names; entries of other customers
// change nothing.
func TestNamesAreNotRecorded(t *testing.T) {
	st := base()
	st.Undo(entry(20, "retention.run", "retention_rule", 1, `{"object":"customer","ids":[6,7]}`))
	st.Undo(entry(19, "retention.run", "retention_rule", 1, `{"object":"customer","ids":[8]}`))
	st.Undo(entry(18, "customer.update", "customer", 8, `{"fields":["region"]}`))
	st.Rules[1] = access.SharingRule{ID: 1, Criteria: access.Criteria{Field: "name", Op: "prefix", Value: "Acme"}}
	wantGaps(t, st, 20)
	if st.Undone() != 1 {
		t.Errorf("undone %d, want 1", st.Undone())
	}
}

// An offboarding recorded without the leaver's facts leaves their status
// unknown; one with them gives it back, and gives the reports their
// manager.
func TestOffboarding(t *testing.T) {
	st := base()
	st.Users[1] = rewind.User{DeptID: 1, Status: "deactivated"}
	st.Users[2] = rewind.User{DeptID: 1, ManagerID: 9, Status: "active"}
	st.Undo(entry(30, "user.offboard", "user", 1, `{"reports_moved":[2],"report_id":4}`))
	if st.Users[2].ManagerID != 1 {
		t.Errorf("report's manager %d, want 1", st.Users[2].ManagerID)
	}
	for _, l := range st.Pending() {
		st.Settle(l, nil, true)
	}
	wantGaps(t, st, 30)

	st = base()
	st.Users[1] = rewind.User{DeptID: 1, Status: "deactivated"}
	st.Undo(entry(30, "user.offboard", "user", 1, `{"before":{"department_id":1,"manager_id":null,"status":"active"},"reports_moved":[]}`))
	wantGaps(t, st)
	if !sees(st, 1) {
		t.Error("the leaver was active before the offboarding")
	}
}

// Before its making a customer was seen by nobody, whatever else is open.
func TestBeforeTheCustomer(t *testing.T) {
	st := base()
	st.Undo(entry(9, "customer.update", "customer", 7, `{"fields":["region"]}`))
	st.Undo(entry(5, "customer.create", "customer", 7, `{"owner_id":1}`))
	st.Rules[1] = access.SharingRule{ID: 1, Criteria: access.Criteria{Field: "region", Op: "equals", Value: "East"}}
	wantGaps(t, st)
	if got := st.Access(t0, []access.Action{access.View}); len(got) != 0 {
		t.Errorf("access before the customer existed: %+v", got)
	}
}
