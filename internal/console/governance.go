package console

import (
	"net/http"
	"strings"

	"steward/internal/access"
)

// The governance pages are the console's side of section 8 of the access
// model: access review campaigns (reviews*.go), least-privilege insights
// (insights*.go), separation of duties (sod.go) and policy as code
// (policy.go). They share one nav entry, with a tab per area; each tab is
// offered to those whose functions let them read it, as the service checks
// (needInsights, overseesReviews, SoDRules, ExportPolicy), and each action
// goes through the service call the API makes, which checks again. A
// reviewer who holds none of these functions reaches the items they review
// from My access.

func (c *Console) governanceRoutes(mux *http.ServeMux) {
	c.reviewRoutes(mux)
	c.insightRoutes(mux)
	c.sodRoutes(mux)
	c.policyRoutes(mux)
	c.complianceRoutes(mux)
	c.privacyRoutes(mux)
	c.retentionRoutes(mux)
}

// CanReviews reports whether the user oversees access reviews: holders of
// run_reviews run campaigns, holders of view_audit read them.
func (v *view) CanReviews() bool { return v.can(access.RunReviews) || v.can(access.ViewAudit) }

// CanRunReviews reports whether the user may create, start and close
// campaigns.
func (v *view) CanRunReviews() bool { return v.can(access.RunReviews) }

// CanInsights reports whether the user may read the least-privilege
// insights, which service.needInsights lets these functions read.
func (v *view) CanInsights() bool {
	return v.can(access.ViewAudit) || v.can(access.ManageUsers) || v.can(access.RunReviews)
}

// CanSoD reports whether the user may read the separation-of-duties rules,
// their conflicts and the 三员分立 profile.
func (v *view) CanSoD() bool {
	return v.can(access.ManageRoles) || v.can(access.ManageUsers) || v.can(access.ViewAudit)
}

// CanEditSoD reports whether the user may change the rules and the profile.
func (v *view) CanEditSoD() bool { return v.can(access.ManageRoles) }

// CanPolicy reports whether the user may export the policy and dry-run a
// document, which service.ExportPolicy and ApplyPolicy let these read.
func (v *view) CanPolicy() bool { return v.can(access.ManageRoles) || v.can(access.ViewAudit) }

// CanGovernance reports whether the governance pages are offered: a nav
// entry of their own, or for administrators, whose nav is full, a tab of
// Org & users, as the access pages are.
func (v *view) CanGovernance() bool {
	return v.CanReviews() || v.CanInsights() || v.CanSoD() || v.CanPolicy() || v.CanCompliance() || v.CanPrivacy() || v.CanRetention()
}

// GovernanceHome is the first governance tab the user may open.
func (v *view) GovernanceHome() string {
	switch {
	case v.CanReviews():
		return "/reviews"
	case v.CanInsights():
		return "/insights/unused"
	case v.CanSoD():
		return "/sod"
	}
	return "/policy"
}

// GovTab is the governance tab the page belongs to.
func (v *view) GovTab() string {
	switch {
	case strings.HasPrefix(v.Path, "/reviews/mine"):
		return "mine"
	case strings.HasPrefix(v.Path, "/reviews"):
		return "reviews"
	case strings.HasPrefix(v.Path, "/insights"):
		return "insights"
	case strings.HasPrefix(v.Path, "/sod"):
		return "sod"
	case strings.HasPrefix(v.Path, "/policy"):
		return "policy"
	case strings.HasPrefix(v.Path, "/compliance"):
		return "compliance"
	case strings.HasPrefix(v.Path, "/privacy"):
		return "privacy"
	case strings.HasPrefix(v.Path, "/retention"):
		return "retention"
	}
	return ""
}

// InGovernance reports whether the page is one of the governance pages.
func (v *view) InGovernance() bool { return v.GovTab() != "" }

// needAny refuses a page whose purpose needs one of the functions, as need
// does for one.
func needAny(v *view, fs ...access.Function) error {
	for _, f := range fs {
		if v.can(f) {
			return nil
		}
	}
	return need(v, fs[0])
}

// proposalList is what the "proposals" template draws.
type proposalList struct {
	V    *view
	Rows []proposalRow
}
