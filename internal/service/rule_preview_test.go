package service_test

import (
	"context"
	"testing"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// A rule's preview counts the customers its criteria match and the users
// whose sight of customers saving it changes, saves nothing, and is
// refused to those who may not save rules; what it says is what saving
// then does.
func TestRulePreviewEqualsResult(t *testing.T) {
	eachRequestFixture(t, func(t *testing.T, f *requestFixture) {
		ctx := context.Background()
		share := service.SharingRuleInput{Name: "A and Outer to B", Level: access.Read, Reason: "cover",
			Criteria:  access.Criteria{Any: []access.Criteria{{Field: "name", Op: "prefix", Value: "Al"}, {Field: "name", Op: "equals", Value: "Outer Ltd"}}},
			Principal: access.Principal{Type: access.PrincipalUser, ID: f.repB}}
		got := must[service.RuleReach](t)(f.svc.PreviewSharingRule(ctx, f.admin, 0, share))
		if got != (service.RuleReach{Customers: 2, UsersGain: 1, UsersChange: 1}) {
			t.Errorf("sharing preview %+v, want 2 customers and repB gaining", got)
		}
		if rules := must[[]store.StoredSharingRule](t)(f.svc.SharingRules(ctx, f.admin)); len(rules) != 0 {
			t.Fatalf("the preview saved %d rules", len(rules))
		}
		if f.sees(t, f.repB, f.custA) {
			t.Fatal("repB sees Alpha before the rule is saved")
		}
		must[store.StoredSharingRule](t)(f.svc.SaveSharingRule(ctx, f.admin, 0, share))
		if !f.sees(t, f.repB, f.custA) || !f.sees(t, f.repB, f.custOut) {
			t.Error("after saving, repB does not see what the preview said")
		}

		hide := service.RestrictionInput{Name: "Alpha hidden", Reason: "legal",
			Criteria:   access.Criteria{Field: "name", Op: "equals", Value: "Alpha Ltd"},
			Principals: []access.Principal{{Type: access.PrincipalUser, ID: f.mgr}, {Type: access.PrincipalUser, ID: f.repA}}}
		got = must[service.RuleReach](t)(f.svc.PreviewRestriction(ctx, f.admin, 0, hide))
		if got != (service.RuleReach{Customers: 1, UsersLose: 2, UsersChange: 2}) {
			t.Errorf("restriction preview %+v, want 1 customer and 2 users losing it", got)
		}

		_, err := f.svc.PreviewSharingRule(ctx, f.as(t, f.hr), 0, share)
		wantCode(t, err, errs.Forbidden, "forbidden")
		bad := share
		bad.Criteria = access.Criteria{Field: "phone", Op: "equals", Value: "1"}
		_, err = f.svc.PreviewSharingRule(ctx, f.admin, 0, bad)
		wantCode(t, err, errs.Invalid, "invalid_value")
		bad = share
		bad.Principal.ID = 999999
		_, err = f.svc.PreviewSharingRule(ctx, f.admin, 0, bad)
		if errs.KindOf(err) != errs.Invalid {
			t.Errorf("a preview naming no user: %v, want invalid", err)
		}
	})
}
