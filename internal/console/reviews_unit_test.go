package console

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"steward/internal/errs"
	"steward/internal/service"
)

// The campaign form becomes the service's input field for field; what it
// cannot turn into numbers or dates is refused by its input's name.
func TestReviewInputFromTheForm(t *testing.T) {
	vals := postedReview(url.Values{"name": {" Q3 "}, "scope.departments": {"3", "4"}, "scope.include_subdepartments": {"1"},
		"scope.roles": {"sales_rep"}, "scope.users": {"12, #15 16"}, "scope.dormant_days": {"30"}, "scope.kinds": {"role", ""},
		"reviewers.rule": {"named"}, "reviewers.users": {"7"}, "deadline": {"2030-06-30"}, "undecided": {"escalate"},
		"escalation_days": {"5"}, "fallback": {"revoke"}, "recurrence_days": {"90"}})
	in, err := reviewInput(vals)
	if err != nil {
		t.Fatal(err)
	}
	want := service.ReviewInput{Name: "Q3",
		Scope: service.ReviewScope{Departments: []int64{3, 4}, IncludeSubdepartments: true, Roles: []string{"sales_rep"},
			Users: []int64{12, 15, 16}, DormantDays: 30, Kinds: []string{"role"}},
		Reviewers: service.ReviewerRule{Rule: "named", Users: []int64{7}},
		Deadline:  time.Date(2030, 7, 1, 0, 0, 0, 0, time.UTC), Undecided: "escalate", EscalationDays: 5, Fallback: "revoke", RecurrenceDays: 90}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("got %+v\nwant %+v", in, want)
	}
	for name, bad := range map[string]url.Values{
		"scope.users":       {"scope.users": {"12, Eric"}},
		"reviewers.users":   {"reviewers.users": {"-3"}},
		"scope.stale_days":  {"scope.stale_days": {"ninety"}},
		"deadline":          {"deadline": {"30/06/2030"}},
		"recurrence_days":   {"recurrence_days": {"1.5"}},
		"scope.departments": {"scope.departments": {"sales"}},
	} {
		_, err := reviewInput(postedReview(bad))
		if got := errs.As(err).Field; got != name {
			t.Errorf("%v: error on %q, want %q", bad, got, name)
		}
	}
}

// The insights lists fill the form: dormant accounts by their days, stale
// grants for everyone with theirs.
func TestReviewDefaultsFromInsights(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	d := reviewDefaults(url.Values{"dormant_days": {"60"}}, now)
	if d.Get("scope.dormant_days") != "60" || d.Get("scope.all") != "" || d.Get("deadline") != "2030-01-15" {
		t.Errorf("from dormant accounts: %v", d)
	}
	d = reviewDefaults(url.Values{"stale_days": {"180"}, "all": {"1"}, "kind": {"team"}}, now)
	if d.Get("scope.stale_days") != "180" || d.Get("scope.all") != "1" || d.Get("scope.kinds") != "team" {
		t.Errorf("from stale grants: %v", d)
	}
}

// One button decides its item with its own comment; the buttons under the
// table decide every ticked item, the comment under the table standing in
// for those left empty; nothing ticked is refused.
func TestDecisionsFromTheForm(t *testing.T) {
	st := func() *reviewPageState {
		return &reviewPageState{typed: map[int64]string{}, ticked: map[int64]bool{}, rowErrors: map[int64]string{}}
	}
	form := url.Values{"decide": {"revoke:41"}, "comment.41": {" left "}, "comment.42": {"x"}, "item": {"42"}}
	in, err := decisions(form, st())
	if err != nil || !reflect.DeepEqual(in.Decisions, []service.ItemDecision{{ItemID: 41, Decision: "revoke", Comment: "left"}}) {
		t.Errorf("one item: %+v, %v", in.Decisions, err)
	}
	s := st()
	s.bulkComment = "not needed"
	form = url.Values{"decide": {"revoke"}, "item": {"41", "42"}, "comment.42": {"own"}}
	in, err = decisions(form, s)
	want := []service.ItemDecision{{ItemID: 41, Decision: "revoke", Comment: "not needed"}, {ItemID: 42, Decision: "revoke", Comment: "own"}}
	if err != nil || !reflect.DeepEqual(in.Decisions, want) || !s.ticked[41] || !s.ticked[42] {
		t.Errorf("ticked items: %+v, %v, ticked %v", in.Decisions, err, s.ticked)
	}
	if _, err := decisions(url.Values{"decide": {"certify"}}, st()); errs.As(err).Field != "item" {
		t.Errorf("nothing ticked: %v, want an error on item", err)
	}
	if _, err := decisions(url.Values{"decide": {"approve:4"}}, st()); errs.As(err).Field != "decide" {
		t.Errorf("an unknown decision: %v, want an error on decide", err)
	}
}
