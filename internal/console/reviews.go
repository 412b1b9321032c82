package console

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// Access review campaigns (docs/access-reviews.md): the list, the form
// that creates a draft, Start and Close, the campaign's page with its
// progress per reviewer and its items to certify or revoke
// (reviews_items.go), the reviewer's own list ("My reviews") and the
// evidence pack. Each is the service call the API makes (CreateReview,
// StartReview, CloseReview, ReviewByID, ReviewItems, DecideReviewItems,
// ReviewEvidenceCSV...), which decides who sees and does what: holders of
// run_reviews or view_audit see every campaign, a reviewer only theirs.

func (c *Console) reviewRoutes(mux *http.ServeMux) {
	mux.Handle("GET /reviews", c.private(c.reviewList))
	mux.Handle("GET /reviews/new", c.private(c.newReview))
	mux.Handle("POST /reviews", c.private(c.createReview))
	mux.Handle("GET /reviews/mine", c.private(c.myReviews))
	mux.Handle("GET /reviews/{id}", c.private(c.reviewPage))
	mux.Handle("POST /reviews/{id}/start", c.private(c.startReview))
	mux.Handle("POST /reviews/{id}/close", c.private(c.closeReview))
	mux.Handle("POST /reviews/{id}/decide", c.private(c.decideReview))
	mux.Handle("GET /reviews/{id}/evidence/{format}", c.private(c.reviewEvidence))
}

// reviewDone are the notices a redirect to a campaign may ask for.
var reviewDone = []string{"created", "started", "closed", "decided"}

// reviewRow is a campaign as the list shows it.
type reviewRow struct {
	service.Review
	URL, State, Rule, Policy string
	Bar                      bar // the progress, drawn
	Percent                  int // of the items decided
}

func reviewURL(id int64) string { return "/reviews/" + strconv.FormatInt(id, 10) }

func reviewRowOf(v *view, r service.Review) reviewRow {
	row := reviewRow{Review: r, URL: reviewURL(r.ID), State: v.T("rv.status." + r.Status), Rule: v.T("rv.rule." + r.Reviewers.Rule),
		Policy: v.T("rv.undecided." + r.Undecided), Bar: listBar(v, r.Progress), Percent: percent(decided(r.Progress), r.Progress.Total)}
	if r.Undecided == "escalate" {
		row.Policy = v.Tf("rv.policy.escalate", r.EscalationDays, v.T("rv.undecided."+r.Fallback))
	}
	return row
}

// reviewListPage is what the reviews template shows.
type reviewListPage struct {
	Reviews []reviewRow
}

// reviewList lists the campaigns to those who oversee them; a reviewer
// goes to their own list.
func (c *Console) reviewList(w http.ResponseWriter, r *http.Request, v *view) error {
	if !v.CanReviews() {
		http.Redirect(w, r, "/reviews/mine", http.StatusSeeOther)
		return nil
	}
	rs, err := c.svc.Reviews(r.Context(), v.act)
	if err != nil {
		return err
	}
	p := &reviewListPage{}
	for _, x := range rs {
		p.Reviews = append(p.Reviews, reviewRowOf(v, x))
	}
	v.Title = v.T("rv.title")
	c.render(w, v, http.StatusOK, "reviews", p)
	return nil
}

// reviewFormPage is what the review_new template shows.
type reviewFormPage struct {
	Form form
	// From says which insights list the form was filled from.
	From string
}

func (c *Console) newReview(w http.ResponseWriter, r *http.Request, v *view) error {
	if !v.CanRunReviews() {
		return need(v, access.RunReviews)
	}
	q := r.URL.Query()
	vals := reviewDefaults(q, c.svc.Now())
	from := ""
	switch {
	case q.Get("dormant_days") != "":
		from = v.Tf("rv.from.dormant", q.Get("dormant_days"))
		if vals.Get("name") == "" {
			vals.Set("name", v.Tf("rv.name.dormant", q.Get("dormant_days")))
		}
	case q.Get("stale_days") != "":
		from = v.Tf("rv.from.stale", q.Get("stale_days"))
		if vals.Get("name") == "" {
			vals.Set("name", v.Tf("rv.name.stale", q.Get("stale_days")))
		}
	}
	return c.showReviewForm(w, r, v, vals, from, nil)
}

// createReview stores the draft and opens it; a refusal is shown by its
// field with the values kept.
func (c *Console) createReview(w http.ResponseWriter, r *http.Request, v *view) error {
	vals := postedReview(r.PostForm)
	in, err := reviewInput(vals)
	var rv service.Review
	if err == nil {
		rv, err = c.svc.CreateReview(r.Context(), v.act, in)
	}
	if err != nil {
		return c.showReviewForm(w, r, v, vals, "", err)
	}
	http.Redirect(w, r, reviewURL(rv.ID)+"?done=created", http.StatusSeeOther)
	return nil
}

func (c *Console) showReviewForm(w http.ResponseWriter, r *http.Request, v *view, vals map[string][]string, from string, err error) error {
	d, derr := c.loadDirectory(r.Context(), v.act)
	if derr != nil {
		return derr
	}
	p := &reviewFormPage{Form: reviewForm(v, d, vals), From: from}
	status := http.StatusOK
	if err != nil {
		var fe *fieldErr
		var ok bool
		if status, fe, ok = c.formError(r, v, err); !ok {
			return err
		}
		p.Form.place(fe)
	}
	v.Title = v.T("rv.new.title")
	c.render(w, v, status, "review_new", p)
	return nil
}

func reviewIDOf(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotVisible("review")
	}
	return id, nil
}

func (c *Console) startReview(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.reviewAction(w, r, v, "started", c.svc.StartReview)
}

func (c *Console) closeReview(w http.ResponseWriter, r *http.Request, v *view) error {
	if r.PostForm.Get("confirm") == "" {
		return c.showReview(w, r, v, &reviewPageState{closeUnconfirmed: true, status: http.StatusBadRequest})
	}
	return c.reviewAction(w, r, v, "closed", c.svc.CloseReview)
}

// reviewAction starts or closes a campaign; a refusal (started already,
// deadline passed) is shown on the campaign's page.
func (c *Console) reviewAction(w http.ResponseWriter, r *http.Request, v *view, done string,
	act func(context.Context, *service.Actor, int64) (service.Review, error)) error {
	id, err := reviewIDOf(r)
	if err != nil {
		return err
	}
	if _, err = act(r.Context(), v.act, id); err == nil {
		http.Redirect(w, r, reviewURL(id)+"?done="+done, http.StatusSeeOther)
		return nil
	}
	_, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	return c.showReview(w, r, v, &reviewPageState{actionError: fe.Message, status: statusOf[errs.KindOf(err)]})
}

// reviewEvidence answers the evidence pack as a file. Taking it is
// recorded (review.evidence), so a request another site starts is refused,
// as for a lifecycle report's CSV.
func (c *Console) reviewEvidence(w http.ResponseWriter, r *http.Request, v *view) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errCSRF
	}
	id, err := reviewIDOf(r)
	if err != nil {
		return err
	}
	var data []byte
	var name, ctype string
	switch r.PathValue("format") {
	case "csv":
		data, name, err = c.svc.ReviewEvidenceCSV(r.Context(), v.act, id)
		ctype = "text/csv; charset=utf-8"
	case "pdf":
		data, name, err = c.svc.ReviewEvidencePDF(r.Context(), v.act, id)
		ctype = "application/pdf"
	case "json":
		var ev service.ReviewEvidence
		if ev, err = c.svc.ReviewEvidenceJSON(r.Context(), v.act, id); err == nil {
			data, err = jsonFile(ev)
		}
		name, ctype = "review-"+strconv.FormatInt(id, 10)+"-evidence.json", "application/json"
	default:
		return errs.NotVisible("page")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(data)
	return nil
}

// scopeText says whose access a campaign reviews, in words.
func scopeText(v *view, d *directory, sc service.ReviewScope) []string {
	var out []string
	if sc.All {
		out = append(out, v.T("rv.scope.all"))
	}
	if len(sc.Departments) > 0 {
		var names []string
		for _, id := range sc.Departments {
			names = append(names, d.deptName(id))
		}
		key := "rv.scope.departments"
		if sc.IncludeSubdepartments {
			key = "rv.scope.departments.below"
		}
		out = append(out, v.Tf(key, strings.Join(names, ", ")))
	}
	if len(sc.Roles) > 0 {
		var names []string
		for _, k := range sc.Roles {
			names = append(names, d.roleName(k))
		}
		out = append(out, v.Tf("rv.scope.roles", strings.Join(names, ", ")))
	}
	if len(sc.Functions) > 0 {
		out = append(out, v.Tf("rv.scope.functions", strings.Join(sc.Functions, ", ")))
	}
	if len(sc.Users) > 0 {
		var names []string
		for i, id := range sc.Users {
			if i == 10 {
				names = append(names, v.Tf("rv.more", len(sc.Users)-10))
				break
			}
			names = append(names, d.userName(id))
		}
		out = append(out, v.Tf("rv.scope.users", strings.Join(names, ", ")))
	}
	if sc.DormantDays > 0 {
		out = append(out, v.Tf("rv.scope.dormant", sc.DormantDays))
	}
	if sc.StaleDays > 0 {
		out = append(out, v.Tf("rv.scope.stale", sc.StaleDays))
	}
	kinds := sc.Kinds
	if len(kinds) == 0 {
		kinds = reviewKinds
	}
	var ks []string
	for _, k := range kinds {
		ks = append(ks, v.T("rv.kind."+k))
	}
	return append(out, v.Tf("rv.scope.kinds", strings.Join(ks, ", ")))
}

// decidable reports whether the campaign takes decisions now.
func decidable(rv service.Review) bool { return rv.Status == store.ReviewActive }

// validDone is a notice the address may ask for, or "".
func validDone(v *view, prefix, done string, allowed []string) string {
	if !slices.Contains(allowed, done) {
		return ""
	}
	return v.T(prefix + done)
}

// jsonFile is a document as an indented JSON file.
func jsonFile(x any) ([]byte, error) {
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return nil, errs.Wrap(err, "console.jsonFile")
	}
	return append(b, '\n'), nil
}
