package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// A campaign's page: what it reviews and how, Start or Close for holders
// of run_reviews, the evidence pack for those who oversee campaigns, the
// progress per reviewer, and the items, filtered, a page at a time. The
// items the user may decide have a box to tick, a comment and their own
// Certify and Revoke; Certify or Revoke under the table decides every
// ticked item at once, all or none, as one call of DecideReviewItems, a
// comment typed on an item's row going with it and the one under the
// table with the others. The service decides what is the user's to
// decide; the page offers the controls only where it would.

// itemFilters are the item list's parameters, as the address carries them.
var itemFilters = []string{"reviewer", "status", "kind", "cursor"}

// reviewPageState is what a POST that failed leaves for the page to show.
type reviewPageState struct {
	status           int
	actionError      string // Start or Close refused
	closeUnconfirmed bool
	decideError      string
	rowErrors        map[int64]string
	typed            map[int64]string
	ticked           map[int64]bool
	bulkComment      string
}

// reviewPage is what the review template shows.
type reviewPage struct {
	Review                      reviewRow
	Scope                       []string
	NamedReviewers              string
	Done, ActionError           string
	CloseUnconfirmed            bool
	CanStart, CanClose, Oversee bool
	Evidence                    []option // format → URL
	Progress                    []progressRow
	Chart                       *progressChart
	Filters                     itemFilterView
	Items                       []itemRow
	AnyDecidable                bool
	Query                       string // the filters, for the decide form to come back to
	NextURL                     string
	DecideError, BulkComment    string
}

// progressRow is one reviewer's share.
type progressRow struct {
	service.ReviewerProgress
	Who      string
	Reminded string
}

// itemFilterView is the filter form's state and choices.
type itemFilterView struct {
	Reviewer, Status, Kind string
	Reviewers              []option
	States, Kinds          []option
}

// itemRow is one item as the table shows it.
type itemRow struct {
	service.ReviewItem
	Grant, GrantURL, Level, Exercised, Reviewer, State, Change string
	Granted, Expires                                           string
	Decidable, Ticked                                          bool
	Typed, Error                                               string
}

func (c *Console) reviewPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.showReview(w, r, v, &reviewPageState{})
}

// showReview draws the campaign's page, with what a failed POST left.
func (c *Console) showReview(w http.ResponseWriter, r *http.Request, v *view, st *reviewPageState) error {
	id, err := reviewIDOf(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rv, err := c.svc.ReviewByID(ctx, v.act, id)
	if err != nil {
		return err
	}
	q := itemQuery(r)
	list := service.ReviewItemList{Reviewer: q.Get("reviewer"), Status: q.Get("status"), Kind: q.Get("kind"), Cursor: q.Get("cursor")}
	d, err := c.loadDirectory(ctx, v.act)
	if err != nil {
		return err
	}
	p := &reviewPage{Review: reviewRowOf(v, rv), Scope: scopeText(v, d, rv.Scope), Oversee: v.CanReviews(),
		ActionError: st.actionError, CloseUnconfirmed: st.closeUnconfirmed, DecideError: st.decideError, BulkComment: st.bulkComment}
	p.Done = validDone(v, "done.rv.", r.URL.Query().Get("done"), reviewDone)
	p.CanStart = v.CanRunReviews() && rv.Status == store.ReviewDraft
	p.CanClose = v.CanRunReviews() && rv.Status == store.ReviewActive
	if p.Oversee {
		for _, f := range []string{"csv", "json", "pdf"} {
			p.Evidence = append(p.Evidence, option{Value: f, Label: reviewURL(id) + "/evidence/" + f})
		}
	}
	var names []string
	for _, u := range rv.Reviewers.Users {
		names = append(names, d.userName(u))
	}
	p.NamedReviewers = strings.Join(names, ", ")
	for _, x := range rv.ByReviewer {
		row := progressRow{ReviewerProgress: x, Who: x.Name, Reminded: "—"}
		if x.ReviewerID == nil {
			row.Who = v.T("rv.reviewer.none")
		}
		if x.LastRemindedAt != nil {
			row.Reminded = x.LastRemindedAt.UTC().Format("2006-01-02 15:04 UTC")
		}
		p.Progress = append(p.Progress, row)
	}
	p.Chart = progressChartOf(v, rv, p.Progress)
	p.Filters = itemFilterViewOf(v, list)
	status := http.StatusOK
	if rv.Status != store.ReviewDraft {
		page, err := c.svc.ReviewItems(ctx, v.act, id, list)
		if errs.KindOf(err) == errs.Invalid {
			// A filter typed into the address: say so above the table.
			p.DecideError, status = v.lang.errText(errs.As(err)), http.StatusBadRequest
			page, err = c.svc.ReviewItems(ctx, v.act, id, service.ReviewItemList{Reviewer: reviewerDefault(v)})
		}
		if err != nil {
			return err
		}
		now := c.svc.Now()
		for _, it := range page.Items {
			row := itemRowOf(v, d, it)
			row.Decidable = decidable(rv) && now.Before(rv.Due) && c.mayDecide(v, it)
			row.Ticked, row.Typed, row.Error = st.ticked[it.ID], st.typed[it.ID], st.rowErrors[it.ID]
			p.AnyDecidable = p.AnyDecidable || row.Decidable
			p.Items = append(p.Items, row)
		}
		if page.NextCursor != nil {
			next := url.Values{}
			for _, k := range []string{"reviewer", "status", "kind"} {
				if s := q.Get(k); s != "" {
					next.Set(k, s)
				}
			}
			next.Set("cursor", *page.NextCursor)
			p.NextURL = reviewURL(id) + "?" + next.Encode()
		}
	}
	p.Query = q.Encode()
	if st.status != 0 {
		status = st.status
	}
	v.Title = rv.Name
	c.render(w, v, status, "review", p)
	return nil
}

// reviewerDefault is the reviewer filter a page starts at: everyone's
// items for those who oversee campaigns, one's own for a reviewer.
func reviewerDefault(v *view) string {
	if v.CanReviews() {
		return ""
	}
	return "me"
}

// itemQuery reads the item filters from the address, or, on a POST, from
// the form's copy of it.
func itemQuery(r *http.Request) url.Values {
	src := r.URL.Query()
	if r.Method == http.MethodPost {
		src, _ = url.ParseQuery(r.PostForm.Get("q"))
	}
	out := url.Values{}
	for _, k := range itemFilters {
		if s := strings.TrimSpace(src.Get(k)); s != "" {
			out.Set(k, s)
		}
	}
	return out
}

func itemFilterViewOf(v *view, l service.ReviewItemList) itemFilterView {
	f := itemFilterView{Reviewer: l.Reviewer, Status: l.Status, Kind: l.Kind}
	if v.CanReviews() {
		f.Reviewers = []option{{Value: "", Label: v.T("rv.filter.everyone")}, {Value: "me", Label: v.T("rv.filter.me")}}
	}
	f.States = []option{{Value: "", Label: v.T("rv.filter.any")}}
	for _, s := range []string{"pending", "escalated", "decided", store.DecisionCertify, store.DecisionRevoke,
		store.DecisionExpiredKept, store.DecisionExpiredRevoked} {
		f.States = append(f.States, option{Value: s, Label: v.T("rv.item." + s)})
	}
	f.Kinds = []option{{Value: "", Label: v.T("rv.filter.any")}}
	for _, k := range reviewKinds {
		f.Kinds = append(f.Kinds, option{Value: k, Label: v.T("rv.kind." + k)})
	}
	return f
}

// mayDecide says whether the item is the user's to decide, as the service
// judges it: assigned to them, or to nobody when they hold run_reviews,
// undecided, and not about their own access.
func (c *Console) mayDecide(v *view, it service.ReviewItem) bool {
	if it.Status != "pending" && it.Status != "escalated" {
		return false
	}
	if it.UserID == v.act.UserID {
		return false
	}
	if it.ReviewerID == nil {
		return v.can(access.RunReviews)
	}
	return *it.ReviewerID == v.act.UserID
}

func itemRowOf(v *view, d *directory, it service.ReviewItem) itemRow {
	row := itemRow{ReviewItem: it, State: v.T("rv.item." + it.Status), Granted: it.GrantedAt.UTC().Format("2006-01-02"),
		Expires: until(v, it.ExpiresAt), Exercised: v.T("rv.exercised.none")}
	switch {
	case it.Kind == store.ReviewRole:
		row.Grant = d.roleName(it.Role)
	case it.CustomerName != "":
		row.Grant, row.GrantURL = it.CustomerName, "/customers/"+strconv.FormatInt(*it.CustomerID, 10)
	case it.CustomerID != nil:
		row.Grant = v.Tf("access.customer.number", *it.CustomerID)
	}
	if it.Level != "" {
		row.Level = v.T("level." + it.Level)
	}
	if it.LastExercisedAt != nil {
		row.Exercised = it.LastExercisedAt.UTC().Format("2006-01-02")
	}
	row.Reviewer = v.T("rv.reviewer.none")
	if it.ReviewerID != nil {
		row.Reviewer = d.userName(*it.ReviewerID)
	}
	if it.Change != "" {
		row.Change = v.T("rv.change." + it.Change)
	}
	return row
}

// decisionField finds the item a service error names: decisions[2].comment
// is the third decision's.
var decisionField = regexp.MustCompile(`^decisions\[(\d+)\]`)

// decideReview sends the decisions the form asks for. One button decides
// one item; the buttons under the table decide every ticked item.
func (c *Console) decideReview(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := reviewIDOf(r)
	if err != nil {
		return err
	}
	st := &reviewPageState{typed: map[int64]string{}, ticked: map[int64]bool{}, rowErrors: map[int64]string{},
		bulkComment: strings.TrimSpace(r.PostForm.Get("bulk_comment"))}
	in, err := decisions(r.PostForm, st)
	if err == nil {
		_, err = c.svc.DecideReviewItems(r.Context(), v.act, id, in)
	}
	if err == nil {
		q := itemQuery(r)
		q.Del("cursor") // decided items may leave the page; start it again
		q.Set("done", "decided")
		http.Redirect(w, r, reviewURL(id)+"?"+q.Encode(), http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	st.status, st.decideError = status, fe.Message
	if m := decisionField.FindStringSubmatch(fe.Field); m != nil {
		if i, _ := strconv.Atoi(m[1]); i < len(in.Decisions) {
			st.rowErrors[in.Decisions[i].ItemID] = fe.Message
		}
	}
	return c.showReview(w, r, v, st)
}

// decisions reads the form into the service's input, keeping what was
// typed and ticked in st to show again.
func decisions(form url.Values, st *reviewPageState) (service.ReviewDecisionInput, error) {
	var in service.ReviewDecisionInput
	for _, s := range form["item"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			st.ticked[id] = true
		}
	}
	for k, vals := range form {
		if s, ok := strings.CutPrefix(k, "comment."); ok {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil && len(vals) > 0 {
				st.typed[id] = strings.TrimSpace(vals[0])
			}
		}
	}
	decision, one, single := strings.Cut(form.Get("decide"), ":")
	if decision != store.DecisionCertify && decision != store.DecisionRevoke {
		return in, errs.Field("decide", "invalid_value", "choose certify or revoke")
	}
	if single {
		id, err := strconv.ParseInt(one, 10, 64)
		if err != nil || id <= 0 {
			return in, errs.Field("decide", "invalid_value", "choose an item")
		}
		in.Decisions = []service.ItemDecision{{ItemID: id, Decision: decision, Comment: st.typed[id]}}
		return in, nil
	}
	for _, s := range form["item"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		comment := st.typed[id]
		if comment == "" {
			comment = st.bulkComment
		}
		in.Decisions = append(in.Decisions, service.ItemDecision{ItemID: id, Decision: decision, Comment: comment})
	}
	if len(in.Decisions) == 0 {
		return in, errs.Field("item", "field_required", "tick the items to decide")
	}
	return in, nil
}

// myReviewRow is a campaign with items waiting for the user.
type myReviewRow struct {
	ID      int64
	Name    string
	URL     string
	Pending int
	Due     time.Time
}

// myReviewsPage is what the reviews_mine template shows.
type myReviewsPage struct {
	Rows []myReviewRow
}

func (c *Console) myReviews(w http.ResponseWriter, r *http.Request, v *view) error {
	rows, err := c.pendingReviews(r, v)
	if err != nil {
		return err
	}
	v.Title = v.T("rv.mine.title")
	c.render(w, v, http.StatusOK, "reviews_mine", &myReviewsPage{Rows: rows})
	return nil
}

// pendingReviews lists the active campaigns with items waiting for the
// user. To a reviewer the service counts their own items; for those who
// oversee campaigns it counts all, so their own line is read per campaign.
func (c *Console) pendingReviews(r *http.Request, v *view) ([]myReviewRow, error) {
	rs, err := c.svc.Reviews(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	var out []myReviewRow
	for _, rv := range rs {
		if rv.Status != store.ReviewActive {
			continue
		}
		pending := rv.Progress.Pending
		if v.CanReviews() {
			full, err := c.svc.ReviewByID(r.Context(), v.act, rv.ID)
			if err != nil {
				return nil, err
			}
			pending = 0
			for _, p := range full.ByReviewer {
				if p.ReviewerID != nil && *p.ReviewerID == v.act.UserID {
					pending = p.Pending
				}
			}
		}
		if pending > 0 {
			out = append(out, myReviewRow{ID: rv.ID, Name: rv.Name, Pending: pending, Due: rv.Due,
				URL: reviewURL(rv.ID) + "?reviewer=me&status=pending"})
		}
	}
	return out, nil
}
