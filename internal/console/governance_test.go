package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"steward/internal/service"
)

// draftReview creates a campaign of the East team's access through the
// service, reviewed by each user's manager, started when start is set.
func (s *site) draftReview(t testing.TB, start bool) service.Review {
	t.Helper()
	admin := s.actor(t, "admin@demo.example")
	rv, err := s.svc.CreateReview(context.Background(), admin, service.ReviewInput{Name: "East team review",
		Scope:     service.ReviewScope{Departments: []int64{s.department(t, admin, "East Team").ID}},
		Reviewers: service.ReviewerRule{Rule: service.RuleManager}, Deadline: s.svc.Now().Add(7 * 24 * time.Hour), Undecided: "keep"})
	if err != nil {
		t.Fatal(err)
	}
	if start {
		if rv, err = s.svc.StartReview(context.Background(), admin, rv.ID); err != nil {
			t.Fatal(err)
		}
	}
	return rv
}

// The governance pages render in both languages for the administrator and
// the auditor, with every catalogue key found and no inline script or style.
func TestGovernancePagesRender(t *testing.T) {
	s := newSite(t)
	draft, active := s.draftReview(t, false), s.draftReview(t, true)
	for _, who := range []string{"admin@demo.example", "auditor@demo.example"} {
		for _, lang := range []string{"en", "zh-CN"} {
			c := newClient(t, s.URL)
			c.signIn(who)
			c.get("/lang/" + lang)
			pages := map[string]int{"/reviews": 200, "/reviews/mine": 200, fmt.Sprintf("/reviews/%d", draft.ID): 200,
				fmt.Sprintf("/reviews/%d", active.ID): 200, fmt.Sprintf("/reviews/%d?reviewer=me&status=pending&kind=role", active.ID): 200,
				fmt.Sprintf("/reviews/%d?status=nonsense", active.ID): 400,
				"/insights/unused": 200, "/insights/dormant?days=1": 200, "/insights/stale?days=1&kind=role": 200, "/insights/roles": 200,
				"/insights/unused?days=0": 400, "/insights/stale?kind=cake": 400, "/insights/dormant?cursor=x": 400,
				"/sod": 200, "/policy": 200, "/reviews/new?dormant_days=30": 403}
			if who == "admin@demo.example" {
				pages["/reviews/new?dormant_days=30"] = 200
				pages["/reviews/new"] = 200
			}
			for p, want := range pages {
				resp, body := c.get(p)
				if resp.StatusCode != want {
					t.Errorf("%s %s %s: status %d, want %d", who, lang, p, resp.StatusCode, want)
				}
				if i := strings.Index(body, "[["); i >= 0 {
					t.Errorf("%s %s %s: untranslated key near %q", who, lang, p, body[i:min(len(body), i+60)])
				}
				if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
					t.Errorf("%s %s %s: inline script or style", who, lang, p)
				}
				// An administrator's nav is full: the pages are a tab of theirs.
				link := `id="nav-governance"`
				if who == "admin@demo.example" {
					link = `id="tab-governance"`
				}
				if want == 200 && !strings.Contains(body, link) {
					t.Errorf("%s %s %s: no link to the governance pages (%s)", who, lang, p, link)
				}
			}
		}
	}
}

// A rep holds none of the governance functions: the nav offers none of the
// pages, and typed in they answer 403 (a campaign, 404); their reviews
// page is empty. A reviewer who holds none either finds their items from
// My access.
func TestGovernancePagesNeedTheirFunctions(t *testing.T) {
	s := newSite(t)
	rv := s.draftReview(t, true)
	c := newClient(t, s.URL)
	c.signIn("east.rep1@demo.example")
	_, body := c.get("/customers")
	if strings.Contains(body, `id="nav-governance"`) {
		t.Errorf("a rep's nav offers the governance pages")
	}
	for p, want := range map[string]int{"/reviews/new": 403, "/insights/unused": 403, "/insights/dormant": 403, "/insights/stale": 403,
		"/insights/roles": 403, "/sod": 403, "/policy": 403, "/policy/export.yaml": 403, fmt.Sprintf("/reviews/%d", rv.ID): 404,
		fmt.Sprintf("/reviews/%d/evidence/csv", rv.ID): 404, "/reviews": 303, "/reviews/mine": 200} {
		if resp, _ := c.get(p); resp.StatusCode != want {
			t.Errorf("a rep's GET %s: %d, want %d", p, resp.StatusCode, want)
		}
	}
	token := csrf(t, body)
	for p, form := range map[string]url.Values{
		"/reviews":                              {"name": {"mine"}, "scope.all": {"1"}, "reviewers.rule": {"manager"}, "deadline": {"2099-01-01"}, "undecided": {"keep"}},
		"/sod/rules":                            {"name": {"x"}, "holdings": {"customer.export\nfunction:approve_exports"}, "mode": {"refuse"}},
		"/sod/profile":                          {"separation_of_duties": {"on"}},
		"/insights/proposals/apply":             {"kind": {"remove_role"}, "role": {"sales_rep"}, "user_id": {"1"}},
		fmt.Sprintf("/reviews/%d/start", rv.ID): {},
	} {
		form.Set("csrf", token)
		if resp, _ := c.post(p, form); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
			t.Errorf("a rep's POST %s: %d, want 403 or 404", p, resp.StatusCode)
		}
	}

	manager := newClient(t, s.URL)
	manager.signIn("east.manager@demo.example")
	_, body = manager.get("/access")
	if !strings.Contains(body, `id="to-review"`) || !strings.Contains(body, "items wait for your decision") {
		t.Errorf("the East manager's My access has no link to the items they review")
	}
	_, body = manager.get("/reviews/mine")
	if !strings.Contains(body, fmt.Sprintf(`id="my-review-%d"`, rv.ID)) {
		t.Errorf("the East manager's reviews do not list campaign %d", rv.ID)
	}
	resp, body := manager.get(fmt.Sprintf("/reviews/%d/evidence/csv", rv.ID))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a reviewer without run_reviews or view_audit takes the evidence: %d, want 403", resp.StatusCode)
	}
	_, body = manager.get(fmt.Sprintf("/reviews/%d", rv.ID))
	if strings.Contains(body, `id="evidence-csv"`) || strings.Contains(body, `id="review-close"`) {
		t.Errorf("a reviewer is offered the evidence or Close")
	}
}

// A campaign form the service refuses shows the refusal next to its input,
// with what was typed kept, and creates nothing.
func TestReviewFormRefusalsByField(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get("/reviews/new")
	token := csrf(t, body)
	for _, x := range []struct {
		form url.Values
		id   string
	}{
		{url.Values{"name": {"Q3"}, "reviewers.rule": {"manager"}, "deadline": {"2099-01-01"}, "undecided": {"keep"}}, `id="rv-form-error"`},
		{url.Values{"name": {"Q3"}, "scope.all": {"1"}, "reviewers.rule": {"manager"}, "deadline": {"2000-01-01"}, "undecided": {"keep"}}, `id="rv-e-deadline"`},
		{url.Values{"name": {"Q3"}, "scope.all": {"1"}, "reviewers.rule": {"manager"}, "deadline": {"soon"}, "undecided": {"keep"}}, `id="rv-e-deadline"`},
		{url.Values{"name": {"Q3"}, "scope.users": {"12, twelve"}, "reviewers.rule": {"manager"}, "deadline": {"2099-01-01"}, "undecided": {"keep"}}, `id="rv-e-scope-users"`},
		{url.Values{"name": {"Q3"}, "scope.users": {"999999"}, "reviewers.rule": {"manager"}, "deadline": {time.Now().AddDate(0, 1, 0).Format("2006-01-02")}, "undecided": {"keep"}}, `id="rv-e-scope-users"`},
		{url.Values{"name": {"Q3"}, "scope.all": {"1"}, "reviewers.rule": {"named"}, "deadline": {"2099-01-01"}, "undecided": {"keep"}}, `id="rv-e-reviewers-users"`},
		{url.Values{"name": {"Q3"}, "scope.all": {"1"}, "reviewers.rule": {"manager"}, "deadline": {"2099-01-01"}, "undecided": {"keep"}, "escalation_days": {"5"}}, `id="rv-e-escalation_days"`},
	} {
		x.form.Set("csrf", token)
		resp, body := c.post("/reviews", x.form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, x.id) {
			t.Errorf("%v: status %d, want 400 with %s", x.form, resp.StatusCode, x.id)
		}
		if !strings.Contains(body, `value="Q3"`) {
			t.Errorf("%v: the name was not kept", x.form)
		}
	}
	if rs, err := s.svc.Reviews(context.Background(), s.actor(t, "admin@demo.example")); err != nil || len(rs) != 0 {
		t.Errorf("refused forms created %d campaigns (%v)", len(rs), err)
	}
}
