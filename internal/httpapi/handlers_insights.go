package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"steward/internal/errs"
	"steward/internal/service"
)

// Least-privilege insights (docs/least-privilege.md).

var (
	daysParam      = Param{"days", "integer", "the period: the last N days, 1-3650 (default 90)"}
	insightListPar = []Param{daysParam, {"limit", "integer", "page size, 1-200 (default 50)"}, {"cursor", "string", "next_cursor of the previous page"}}
)

func insightRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/insights/unused-permissions", Summary: "Per user, each role's cells and functions and whether the audit trail shows them used in the period, the team places and shares naming them, and proposals to remove what was not used (view_audit, manage_users or run_reviews)",
			Query: append(append([]Param{}, insightListPar...), Param{"user_id", "integer", "only this user"}), Response: service.UnusedReport{}, handle: (*API).unusedPermissions},
		{Method: "POST", Path: "/insights/proposals/apply", Summary: "Apply a proposal (a role removal needs manage_users, a narrowing manage_roles); ?preview=true answers what it would change and changes nothing",
			Query: previewParam, Body: service.ProposalInput{}, Response: service.ProposalResult{}, handle: (*API).applyProposal},
		{Method: "GET", Path: "/insights/dormant-accounts", Summary: "Active users older than the period with no sign-in, request or recorded action in it, with the page's user ids for an access review",
			Query: insightListPar, Response: service.DormantReport{}, handle: (*API).dormantAccounts},
		{Method: "GET", Path: "/insights/stale-grants", Summary: "Role assignments, team places and shares without expiry given before the period, with the user ids they name",
			Query: append(append([]Param{}, insightListPar...), Param{"kind", "string", "role, team or share (default all)"}), Response: service.StaleReport{}, handle: (*API).staleGrants},
		{Method: "GET", Path: "/insights/roles", Summary: "Identical roles, roles within others, roles nobody holds, what holders used of each role and proposals to narrow roles",
			Query: []Param{daysParam}, Response: service.RoleAnalysis{}, handle: (*API).analyseRoles},
	}
}

// insightQuery reads an insight's query string: only the allowed
// parameters, each once, days checked.
type insightQuery struct {
	v     url.Values
	days  int
	limit int
}

func parseInsightQuery(r *http.Request, allowed ...string) (insightQuery, error) {
	q := insightQuery{limit: 50}
	v, err := query(r)
	if err != nil {
		return q, err
	}
	for k, vals := range v {
		if !contains(allowed, k) && k != "days" {
			return q, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
		if len(vals) != 1 {
			return q, errs.Field(k, "invalid_parameter", "%s may be given once", k)
		}
	}
	if q.days, err = service.ParseDays(v.Get("days")); err != nil {
		return q, err
	}
	if s := v.Get("limit"); s != "" {
		if q.limit, err = strconv.Atoi(s); err != nil || q.limit < 1 || q.limit > 200 {
			return q, errs.Field("limit", "invalid_parameter", "limit must be a number from 1 to 200")
		}
	}
	q.v = v
	return q, nil
}

// id reads a positive integer parameter (0 when absent).
func (q insightQuery) id(name, code string) (int64, error) {
	s := q.v.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.Field(name, code, "%s is not valid here", name)
	}
	return n, nil
}

func (a *API) unusedPermissions(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	q, err := parseInsightQuery(r, "limit", "cursor", "user_id")
	if err != nil {
		return nil, err
	}
	after, err := q.id("cursor", "invalid_cursor")
	if err != nil {
		return nil, err
	}
	user, err := q.id("user_id", "invalid_parameter")
	if err != nil {
		return nil, err
	}
	return a.svc.UnusedPermissions(r.Context(), act, service.UnusedQuery{Days: q.days, After: after, Limit: q.limit, UserID: user})
}

func (a *API) applyProposal(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	preview, err := previewFlag(r)
	if err != nil {
		return nil, err
	}
	var in service.ProposalInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.ApplyProposal(r.Context(), act, in, preview)
}

func (a *API) dormantAccounts(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	q, err := parseInsightQuery(r, "limit", "cursor")
	if err != nil {
		return nil, err
	}
	after, err := q.id("cursor", "invalid_cursor")
	if err != nil {
		return nil, err
	}
	return a.svc.DormantAccounts(r.Context(), act, q.days, after, q.limit)
}

func (a *API) staleGrants(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	q, err := parseInsightQuery(r, "limit", "cursor", "kind")
	if err != nil {
		return nil, err
	}
	return a.svc.StaleGrants(r.Context(), act, service.StaleQuery{Days: q.days, Kind: q.v.Get("kind"), Cursor: q.v.Get("cursor"), Limit: q.limit})
}

func (a *API) analyseRoles(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	q, err := parseInsightQuery(r)
	if err != nil {
		return nil, err
	}
	return a.svc.AnalyseRoles(r.Context(), act, q.days)
}
