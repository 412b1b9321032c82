package service_test

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// Starting a campaign over everyone turns each unexpired role assignment,
// team place and user share into an item with where it came from, when
// and by whom it was granted, whether it is temporary and when it was last
// used; an expired grant is no item. Under the manager rule each user's
// items go to their manager; a user without one goes to the owner, and the
// owner's own items to nobody (any other run_reviews holder decides).
func TestReviewGeneration(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		r := f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{All: true}})
		if r.Status != "active" || r.StartedAt == nil || r.Progress.Total != 10 || r.Progress.Pending != 10 {
			t.Fatalf("started campaign: %+v", r)
		}
		items := f.items(t, r.ID)
		// admin, head, mgr, sup, 王芳: one role each; repa: sales_rep, auditor, share of Beta; repb: sales_rep, team of Alpha.
		if len(items) != 10 {
			t.Fatalf("got %d items, want 10: %+v", len(items), items)
		}
		for _, it := range items {
			if it.CustomerID != nil && *it.CustomerID == f.custA && it.UserID == f.sup {
				t.Errorf("the expired share of Alpha with sup became an item: %+v", it)
			}
		}
		rep := find(t, items, f.repA, "role", "sales_rep", 0)
		if rep.ReviewerID == nil || *rep.ReviewerID != f.mgr || rep.Temporary || rep.LastExercisedAt == nil || rep.Status != "pending" {
			t.Errorf("repa's sales_rep item: %+v", rep)
		}
		aud := find(t, items, f.repA, "role", "auditor", 0)
		if !aud.Temporary || aud.ExpiresAt == nil || aud.Reason != "year-end audit" || aud.GrantedBy == nil || *aud.GrantedBy != f.adminID {
			t.Errorf("repa's temporary auditor role: %+v", aud)
		}
		if it := find(t, items, f.adminID, "role", "administrator", 0); it.LastExercisedAt == nil { // granting auditor used manage_users
			t.Errorf("the administrator's role shows no use: %+v", it)
		}
		if it := find(t, items, f.head, "role", "sales_director", 0); it.LastExercisedAt != nil {
			t.Errorf("head did nothing, yet the role shows a use: %+v", it)
		}
		share := find(t, items, f.repA, "share", "", f.custB)
		if share.Level != "read" || !share.Temporary || share.GrantedBy == nil || *share.GrantedBy != f.repB || share.CustomerName != "Beta Ltd" {
			t.Errorf("repa's share of Beta: %+v", share)
		}
		team := find(t, items, f.repB, "team", "", f.custA)
		if team.Level != "edit" || team.Reason != "covering holidays" || team.LastExercisedAt == nil || !team.LastExercisedAt.Before(*f.now) {
			t.Errorf("repb's team place on Alpha, used to add a contact: %+v", team)
		}
		if it := find(t, items, f.head, "role", "sales_director", 0); it.ReviewerID == nil || *it.ReviewerID != f.adminID {
			t.Errorf("head has no manager: the owner reviews; got %+v", it.ReviewerID)
		}
		if it := find(t, items, f.adminID, "role", "administrator", 0); it.ReviewerID != nil {
			t.Errorf("the owner's own role: reviewer %d, want nobody", *it.ReviewerID)
		}
		if it := find(t, items, f.wf, "role", "customer_service", 0); it.ReviewerID == nil || *it.ReviewerID != f.sup || it.UserName != "王芳" {
			t.Errorf("王芳's item: %+v", it)
		}
		if es := reviewAudit(t, f, "review.start"); len(es) != 1 || !strings.Contains(string(es[0].Details), `"role_items":8`) {
			t.Errorf("review.start entries: %+v", es)
		}
	})
}

// Each reviewer rule picks the reviewer it names, and nobody is ever given
// their own access: the pick hands over to their manager, then the owner.
func TestReviewerRules(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		owner := f.items(t, f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{All: true},
			Reviewers: service.ReviewerRule{Rule: service.RuleRecordOwner}}).ID)
		wantReviewer(t, "record owner: repb's team place on Alpha", find(t, owner, f.repB, "team", "", f.custA), f.repA)
		wantReviewer(t, "record owner: repa's share of Beta", find(t, owner, f.repA, "share", "", f.custB), f.repB)
		wantReviewer(t, "record owner: repa's role", find(t, owner, f.repA, "role", "sales_rep", 0), f.mgr)

		heads := f.items(t, f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{All: true},
			Reviewers: service.ReviewerRule{Rule: service.RuleDepartmentHead}}).ID)
		wantReviewer(t, "head rule: repa", find(t, heads, f.repA, "role", "sales_rep", 0), f.mgr)
		wantReviewer(t, "head rule: mgr heads East himself", find(t, heads, f.mgr, "role", "sales_manager", 0), f.head)
		wantReviewer(t, "head rule: head heads Sales and has no manager", find(t, heads, f.head, "role", "sales_director", 0), f.adminID)
		wantReviewer(t, "head rule: 王芳", find(t, heads, f.wf, "role", "customer_service", 0), f.sup)

		named := f.items(t, f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{All: true},
			Reviewers: service.ReviewerRule{Rule: service.RuleNamed, Users: []int64{f.sup}}}).ID)
		wantReviewer(t, "named: repa", find(t, named, f.repA, "role", "sales_rep", 0), f.sup)
		wantReviewer(t, "named: sup's own role goes past him", find(t, named, f.sup, "role", "customer_service", 0), f.adminID)
		for _, it := range append(append(owner, heads...), named...) {
			if it.ReviewerID != nil && *it.ReviewerID == it.UserID {
				t.Errorf("item %d: user %d reviews their own access", it.ID, it.UserID)
			}
		}
	})
}

// A scope is everyone, or the users meeting every criterion: members of
// departments (with or without those below), holders of roles, holders of
// a function or of an action of the matrix; and kinds narrow the grants.
func TestReviewScopes(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		users := func(sc service.ReviewScope) []int64 {
			var out []int64
			for _, it := range f.items(t, f.campaign(t, service.ReviewInput{Scope: sc}).ID) {
				if !slices.Contains(out, it.UserID) {
					out = append(out, it.UserID)
				}
			}
			slices.Sort(out)
			return out
		}
		cases := []struct {
			name  string
			scope service.ReviewScope
			want  []int64
		}{
			{"Sales alone", service.ReviewScope{Departments: []int64{f.sales}}, []int64{f.head}},
			{"Sales and below", service.ReviewScope{Departments: []int64{f.sales}, IncludeSubdepartments: true}, []int64{f.head, f.mgr, f.repA, f.repB}},
			{"sales reps", service.ReviewScope{Roles: []string{"sales_rep"}}, []int64{f.repA, f.repB}},
			{"who may export", service.ReviewScope{Functions: []string{"export"}}, []int64{f.adminID, f.head, f.mgr}},
			{"who reads the trail", service.ReviewScope{Functions: []string{"view_audit"}}, []int64{f.adminID, f.repA}},
			{"reps of Sales who export", service.ReviewScope{Departments: []int64{f.sales}, IncludeSubdepartments: true, Roles: []string{"sales_rep"},
				Functions: []string{"export"}}, nil},
			{"named users", service.ReviewScope{Users: []int64{f.sup, f.repB}}, []int64{f.repB, f.sup}},
			{"named users who are reps", service.ReviewScope{Users: []int64{f.repA, f.sup}, Roles: []string{"sales_rep"}}, []int64{f.repA}},
		}
		for _, c := range cases {
			if got := users(c.scope); !slices.Equal(got, c.want) {
				t.Errorf("%s: got users %v, want %v", c.name, got, c.want)
			}
		}
		roles := f.items(t, f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{All: true, Kinds: []string{"team", "share"}}}).ID)
		if len(roles) != 2 {
			t.Errorf("team places and shares only: got %d items, want 2", len(roles))
		}

		// Stale grants: without expiry and given over a day ago. Every role
		// but repa's temporary auditor, and repb's team place; no share
		// (the one left expires).
		kinds := map[string]int{}
		for _, it := range f.items(t, f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{All: true, StaleDays: 1}}).ID) {
			kinds[it.Kind]++
			if it.ExpiresAt != nil {
				t.Errorf("a stale grant has an expiry: %+v", it)
			}
		}
		if want := map[string]int{"role": 7, "team": 1}; !maps.Equal(kinds, want) {
			t.Errorf("stale grants by kind: got %v, want %v", kinds, want)
		}
		if got := users(service.ReviewScope{All: true, StaleDays: 30}); got != nil {
			t.Errorf("nothing is 30 days old, yet the campaign reviews %v", got)
		}

		// Dormant accounts, judged when the campaign starts: repa acts now;
		// the administrator creates the campaign; the rest did nothing for
		// two days.
		f.advance(time.Hour)
		region := "South"
		must[crm.Customer](t)(f.svc.UpdateCustomer(context.Background(), f.as(t, f.repA), f.custA, crm.CustomerInput{Region: &region}))
		if got, want := users(service.ReviewScope{DormantDays: 1}), []int64{f.head, f.mgr, f.repB, f.sup, f.wf}; !slices.Equal(got, want) {
			t.Errorf("dormant for a day: got users %v, want %v", got, want)
		}
		if got := users(service.ReviewScope{DormantDays: 3}); got != nil {
			t.Errorf("nobody is three days old, yet the campaign reviews %v", got)
		}
	})
}

// A reviewer certifies and revokes in one call; the revocations take
// effect on the very next check and are recorded as the revocation and as
// the decision; a decided item never changes; nobody decides another
// reviewer's item or their own access; a revocation needs a comment.
func TestReviewDecisions(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		ctx := context.Background()
		r := f.campaign(t, service.ReviewInput{Scope: service.ReviewScope{All: true}})
		items := f.items(t, r.ID)
		rep, aud := find(t, items, f.repA, "role", "sales_rep", 0), find(t, items, f.repA, "role", "auditor", 0)
		share, team := find(t, items, f.repA, "share", "", f.custB), find(t, items, f.repB, "team", "", f.custA)
		if !seesCustomer(t, f, f.repA, f.custB) || !f.as(t, f.repA).Subject.Can(access.ViewAudit) {
			t.Fatal("repa lacks the access under review before any decision")
		}
		mgr := f.as(t, f.mgr)
		_, err := f.svc.DecideReviewItems(ctx, mgr, r.ID, decisions(share.ID, "revoke", ""))
		wantCode(t, err, errs.Invalid, "field_required")
		got := must[service.ReviewDecided](t)(f.svc.DecideReviewItems(ctx, mgr, r.ID, service.ReviewDecisionInput{Decisions: []service.ItemDecision{
			{ItemID: rep.ID, Decision: "certify"},
			{ItemID: aud.ID, Decision: "revoke", Comment: "the audit is over"},
			{ItemID: share.ID, Decision: "revoke", Comment: "the bid was lost"},
		}}))
		if len(got.Items) != 3 || got.Items[0].Status != "certify" || got.Items[1].Status != "revoke" || got.Items[1].Change != "revoked" ||
			got.Items[2].Change != "revoked" || got.Items[1].DecidedBy == nil || *got.Items[1].DecidedBy != f.mgr {
			t.Fatalf("decided items: %+v", got.Items)
		}
		if seesCustomer(t, f, f.repA, f.custB) || f.as(t, f.repA).Subject.Can(access.ViewAudit) {
			t.Error("the revoked share and role still count on the next check")
		}
		if !seesCustomer(t, f, f.repA, f.custA) { // through the certified sales_rep role
			t.Error("the certified role was lost")
		}

		_, err = f.svc.DecideReviewItems(ctx, mgr, r.ID, decisions(rep.ID, "revoke", "second thoughts"))
		wantCode(t, err, errs.Conflict, "item_decided")
		_, err = f.svc.DecideReviewItems(ctx, f.as(t, f.repA), r.ID, decisions(team.ID, "certify", ""))
		wantCode(t, err, errs.NotFound, "not_found") // repa reviews nothing here: the campaign is not theirs to see
		_, err = f.svc.DecideReviewItems(ctx, f.as(t, f.sup), r.ID, decisions(team.ID, "certify", ""))
		wantCode(t, err, errs.Invalid, "invalid_reference") // sup reviews 王芳, not repb
		own := find(t, items, f.adminID, "role", "administrator", 0)
		_, err = f.svc.DecideReviewItems(ctx, f.as(t, f.adminID), r.ID, decisions(own.ID, "certify", ""))
		wantCode(t, err, errs.Forbidden, "own_access")

		// The whole batch fails with one bad item: team stays pending.
		_, err = f.svc.DecideReviewItems(ctx, mgr, r.ID, service.ReviewDecisionInput{Decisions: []service.ItemDecision{
			{ItemID: team.ID, Decision: "revoke", Comment: "no longer on holiday"}, {ItemID: aud.ID, Decision: "certify"}}})
		wantCode(t, err, errs.Conflict, "item_decided")
		if !seesCustomer(t, f, f.repB, f.custA) {
			t.Error("a failed batch revoked repb's team place")
		}

		mine := must[service.Page[service.ReviewItem]](t)(f.svc.ReviewItems(ctx, mgr, r.ID, service.ReviewItemList{Status: "pending"}))
		if len(mine.Items) != 2 { // repb's sales_rep and team place
			t.Errorf("mgr's pending items: %+v", mine.Items)
		}
		_, err = f.svc.ReviewItems(ctx, mgr, r.ID, service.ReviewItemList{Reviewer: strconv.FormatInt(f.sup, 10)})
		wantCode(t, err, errs.Forbidden, "forbidden")

		revokes := entries(t, f, "role.revoke")
		if len(revokes) != 1 || revokes[0].ActorID != f.mgr || !strings.Contains(string(revokes[0].Details), `"review_item_id":`+strconv.FormatInt(aud.ID, 10)) {
			t.Errorf("role.revoke entries: %+v", revokes)
		}
		if es := entries(t, f, "share.remove"); len(es) != 1 || !strings.Contains(string(es[0].Details), `"review_id":`+strconv.FormatInt(r.ID, 10)) {
			t.Errorf("share.remove entries: %+v", es)
		}
		if es := reviewAudit(t, f, "review.decide"); len(es) != 3 {
			t.Errorf("review.decide entries: got %d, want 3", len(es))
		}
	})
}

func decisions(id int64, decision, comment string) service.ReviewDecisionInput {
	return service.ReviewDecisionInput{Decisions: []service.ItemDecision{{ItemID: id, Decision: decision, Comment: comment}}}
}

func wantReviewer(t *testing.T, what string, it service.ReviewItem, want int64) {
	t.Helper()
	if it.ReviewerID == nil || *it.ReviewerID != want {
		t.Errorf("%s: reviewer %v, want %d", what, it.ReviewerID, want)
	}
}

func seesCustomer(t *testing.T, f *reviewFixture, user, customer int64) bool {
	t.Helper()
	_, err := f.svc.Customer(context.Background(), f.as(t, user), customer)
	if err != nil && errs.KindOf(err) != errs.NotFound {
		t.Fatal(err)
	}
	return err == nil
}

// entries are the audit entries of an action, newest first.
func entries(t *testing.T, f *reviewFixture, action string) []audit.Entry {
	t.Helper()
	return must[[]audit.Entry](t)(f.svc.AuditEvents(context.Background(), f.admin, store.AuditQuery{Action: action, Limit: 500}))
}

// reviewAudit is entries for a review action, checked to hold no personal
// data: no names, e-mail addresses or customer names.
func reviewAudit(t *testing.T, f *reviewFixture, action string) []audit.Entry {
	t.Helper()
	es := entries(t, f, action)
	for _, e := range es {
		for _, personal := range []string{"@rev.example", "Alpha", "Beta", "repa", "王芳", "the audit is over"} {
			if strings.Contains(string(e.Details), personal) {
				t.Errorf("%s entry %d holds %q: %s", action, e.Seq, personal, e.Details)
			}
		}
	}
	return es
}

// Bad campaigns are refused by field before anything is stored.
func TestReviewInput(t *testing.T) {
	eachReviewFixture(t, func(t *testing.T, f *reviewFixture) {
		ctx := context.Background()
		ok := service.ReviewInput{Name: "Q2", Scope: service.ReviewScope{All: true}, Reviewers: service.ReviewerRule{Rule: "manager"},
			Deadline: f.now.Add(time.Hour), Undecided: "keep"}
		cases := []struct {
			edit  func(*service.ReviewInput)
			code  string
			field string
		}{
			{func(in *service.ReviewInput) { in.Name = " " }, "field_required", "name"},
			{func(in *service.ReviewInput) { in.Scope = service.ReviewScope{} }, "field_required", "scope"},
			{func(in *service.ReviewInput) { in.Scope.Roles = []string{"sales_rep"} }, "invalid_value", "scope.all"},
			{func(in *service.ReviewInput) { in.Scope = service.ReviewScope{Functions: []string{"fly"}} }, "invalid_value", "scope.functions[0]"},
			{func(in *service.ReviewInput) { in.Scope = service.ReviewScope{Roles: []string{"nobody"}} }, "invalid_reference", "scope.roles[0]"},
			{func(in *service.ReviewInput) { in.Scope = service.ReviewScope{Departments: []int64{99999}} }, "invalid_reference", "scope.departments[0]"},
			{func(in *service.ReviewInput) { in.Scope.Users = []int64{f.repA} }, "invalid_value", "scope.all"},
			{func(in *service.ReviewInput) { in.Scope = service.ReviewScope{Users: []int64{f.repA, f.repA}} }, "invalid_value", "scope.users[1]"},
			{func(in *service.ReviewInput) { in.Scope = service.ReviewScope{Users: []int64{f.repA, 99999}} }, "invalid_reference", "scope.users[1]"},
			{func(in *service.ReviewInput) { in.Scope = service.ReviewScope{DormantDays: -1} }, "invalid_value", "scope.dormant_days"},
			{func(in *service.ReviewInput) { in.Scope.StaleDays = 5000 }, "invalid_value", "scope.stale_days"},
			{func(in *service.ReviewInput) { in.Reviewers = service.ReviewerRule{Rule: "named"} }, "field_required", "reviewers.users"},
			{func(in *service.ReviewInput) {
				in.Reviewers = service.ReviewerRule{Rule: "named", Users: []int64{99999}}
			}, "invalid_reference", "reviewers.users[0]"},
			{func(in *service.ReviewInput) { in.Reviewers = service.ReviewerRule{Rule: "boss"} }, "invalid_value", "reviewers.rule"},
			{func(in *service.ReviewInput) { in.Deadline = time.Time{} }, "field_required", "deadline"},
			{func(in *service.ReviewInput) { in.Deadline = f.now.Add(-time.Hour) }, "invalid_time", "deadline"},
			{func(in *service.ReviewInput) { in.Undecided = "shrug" }, "invalid_value", "undecided"},
			{func(in *service.ReviewInput) { in.EscalationDays = 3 }, "invalid_value", "escalation_days"},
			{func(in *service.ReviewInput) { in.Undecided, in.Fallback = "escalate", "escalate" }, "invalid_value", "fallback"},
			{func(in *service.ReviewInput) { in.RecurrenceDays = 3 }, "invalid_value", "recurrence_days"},
		}
		for _, c := range cases {
			in := ok
			c.edit(&in)
			_, err := f.svc.CreateReview(ctx, f.admin, in)
			if e := errs.As(err); err == nil || e.Code != c.code || e.Field != c.field {
				t.Errorf("%+v: got %v, want %s on %s", in, err, c.code, c.field)
			}
		}
		_, err := f.svc.CreateReview(ctx, f.as(t, f.mgr), ok)
		wantCode(t, err, errs.Forbidden, "forbidden")
		r := must[service.Review](t)(f.svc.CreateReview(ctx, f.admin, ok))
		if r.Status != "draft" || r.Progress.Total != 0 {
			t.Errorf("a new campaign: %+v", r)
		}
		must[service.Review](t)(f.svc.StartReview(ctx, f.admin, r.ID))
		_, err = f.svc.StartReview(ctx, f.admin, r.ID)
		wantCode(t, err, errs.Conflict, "review_not_draft")
	})
}
