package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/service"
)

// listParams are the query parameters the list page passes on to
// service.CustomerList, the same parser the API uses.
var listParams = []string{"q", "level", "region", "industry", "source", "sort", "cursor"}

// sorts are the sort selector's choices; the first is the default.
var sorts = []string{"-last_activity_at", "last_activity_at", "name", "-name", "-created_at", "created_at", "-updated_at"}

// listPage is what the customer list template shows.
type listPage struct {
	Q, Level, Region, Industry, Source, Sort string
	Levels, Sources, Sorts                   []string
	Count                                    int64
	Items                                    []crm.Customer
	NextURL, FirstURL                        string
	Paged                                    bool // this is not the first page
	Filtered                                 bool
	CanCreate                                bool
	// ExportURL is the export form with the list's filters; empty when no
	// role of the user's may export.
	ExportURL string
	Error     string
}

// listValues keeps the list parameters that were given a value; an empty
// filter from the form means "any", not "equal to nothing".
func listValues(r *http.Request) url.Values {
	in, out := r.URL.Query(), url.Values{}
	for _, k := range listParams {
		if v := in.Get(k); v != "" && !(k == "sort" && v == sorts[0]) {
			out.Set(k, v)
		}
	}
	return out
}

func (c *Console) customerList(w http.ResponseWriter, r *http.Request, v *view) error {
	vals := listValues(r)
	p := listPage{Q: vals.Get("q"), Level: vals.Get("level"), Region: vals.Get("region"), Industry: vals.Get("industry"),
		Source: vals.Get("source"), Sort: vals.Get("sort"), Levels: crm.Levels, Sources: crm.Sources, Sorts: sorts,
		Paged: vals.Has("cursor"), CanCreate: v.act.Subject.Holds(access.Customer, access.Create)}
	if p.Sort == "" {
		p.Sort = sorts[0]
	}
	p.Filtered = p.Q != "" || p.Level != "" || p.Region != "" || p.Industry != "" || p.Source != ""
	if v.act.Subject.Holds(access.Customer, access.Export) {
		p.ExportURL = exportURL(vals)
	}
	v.Title = v.T("customers.title")
	status, err := c.fillList(r, v, vals, &p)
	if err != nil {
		return err
	}
	c.render(w, v, status, "customers", p)
	return nil
}

// exportURL is the export form carrying the list's filters.
func exportURL(vals url.Values) string {
	f := url.Values{}
	for _, k := range exportFilters {
		if val := vals.Get(k); val != "" {
			f.Set(k, val)
		}
	}
	if len(f) == 0 {
		return "/customers/export"
	}
	return "/customers/export?" + f.Encode()
}

// fillList runs the count and the page. Invalid parameters are shown on
// the page above an empty list, with the form to correct them.
func (c *Console) fillList(r *http.Request, v *view, vals url.Values, p *listPage) (int, error) {
	counted := url.Values{}
	for k, val := range vals {
		if k != "cursor" {
			counted[k] = val
		}
	}
	p.FirstURL = "/customers"
	if len(counted) > 0 {
		p.FirstURL += "?" + counted.Encode()
	}
	err := c.countAndPage(r, v, counted, vals, p)
	if errs.KindOf(err) == errs.Invalid {
		p.Error, p.Items, p.NextURL = v.lang.errText(errs.As(err)), nil, ""
		return http.StatusBadRequest, nil
	}
	return http.StatusOK, err
}

// countAndPage asks the service for the count (without the cursor) and for
// the page, both parsed by service.CustomerList exactly as the API does.
func (c *Console) countAndPage(r *http.Request, v *view, counted, vals url.Values, p *listPage) error {
	cq, err := service.CustomerList(counted)
	if err != nil {
		return err
	}
	if p.Count, err = c.svc.CountCustomers(r.Context(), v.act, cq); err != nil {
		return err
	}
	q, err := service.CustomerList(vals)
	if err != nil {
		return err
	}
	page, err := c.svc.Customers(r.Context(), v.act, q)
	if err != nil {
		return err
	}
	p.Items = page.Items
	if page.NextCursor != nil {
		next := url.Values{}
		for k, val := range vals {
			next[k] = val
		}
		next.Set("cursor", *page.NextCursor)
		p.NextURL = "/customers?" + next.Encode()
	}
	return nil
}

// detailPage is what the customer page shows: the customer, what is under
// it, and the follow-up form.
type detailPage struct {
	C     crm.Customer
	Owner string
	// Facts are the customer's fields the user may see, custom ones
	// included, name aside (it is the heading).
	Facts       []fact
	RevealError string // a refused reveal
	// ContactRows are the contacts with the columns the user may see,
	// headed by ContactHeads.
	ContactRows                                   []contactRow
	ContactHeads                                  []string
	AmountShown                                   bool // the user's roles do not hide deal amounts
	Contacts                                      []crm.Contact
	Deals                                         []crm.Deal
	Activities                                    []crm.Activity
	ContactsHidden, DealsHidden, ActivitiesHidden bool
	CanEdit, CanAddActivity                       bool
	Done                                          string
	Activity                                      form
	Sharing                                       *sharingPanel
	SharingError                                  string // a refused removal
	Pool                                          *poolPanel

	dir *directory
}

// doneMessages are the notices a redirect back to the customer may ask for.
var doneMessages = []string{"saved", "created", "activity", "unchanged", "shared", "team", "unshared", "unteamed", "claimed"}

// childLimit is how many contacts, deals and follow-ups the page shows.
const childLimit = 50

func (c *Console) customerDetail(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := c.loadDetail(r, v, id)
	if errs.KindOf(err) == errs.NotFound {
		return c.customerNotFound(w, r, v, id, err)
	}
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("done"); slices.Contains(doneMessages, d) {
		p.Done = v.T("done." + d)
	}
	p.Activity = c.activityForm(v, nil, nil)
	c.render(w, v, http.StatusOK, "customer", p)
	return nil
}

// loadDetail reads the customer and its children through the service. A
// child list the user's roles do not cover is shown as such, not as an error.
func (c *Console) loadDetail(r *http.Request, v *view, id int64) (*detailPage, error) {
	ctx := r.Context()
	cu, err := c.svc.Customer(ctx, v.act, id)
	if err != nil {
		return nil, err
	}
	p := &detailPage{C: cu, Owner: c.ownerName(r, v, cu)}
	v.Title = cu.Name
	ex, err := c.svc.Explain(ctx, v.act, id, 0)
	if err != nil {
		return nil, err
	}
	can := revealableOf(ex)
	revealURL := "/customers/" + strconv.FormatInt(id, 10) + "/reveal"
	p.Facts = v.facts(customerPlan(v, cu.View), customerValue(cu), can[access.Customer], revealURL, "name")
	p.AmountShown = v.Shows(access.Deal, "amount")
	p.CanEdit = allowed(ex, access.Customer, access.Edit)
	p.CanAddActivity = allowed(ex, access.Activity, access.Create)
	if p.dir, err = c.loadDirectory(ctx, v.act); err != nil {
		return nil, err
	}
	if p.Sharing, err = c.loadSharing(r, v, p.dir, id, allowed(ex, access.Customer, access.Share)); err != nil {
		return nil, err
	}
	if p.Pool, err = c.loadPoolPanel(r, v, cu, allowed(ex, access.Customer, access.Transfer)); err != nil {
		return nil, err
	}
	page := childPage()
	if p.Contacts, err = c.svc.Contacts(ctx, v.act, id, page); errs.KindOf(err) == errs.NotFound {
		p.ContactsHidden, err = true, nil
	}
	if err != nil {
		return nil, err
	}
	p.ContactRows, p.ContactHeads = contactRows(v, id, p.Contacts, can)
	if p.Deals, err = c.svc.Deals(ctx, v.act, id, page); errs.KindOf(err) == errs.NotFound {
		p.DealsHidden, err = true, nil
	}
	if err != nil {
		return nil, err
	}
	if p.Activities, err = c.svc.Activities(ctx, v.act, id, page); errs.KindOf(err) == errs.NotFound {
		p.ActivitiesHidden, err = true, nil
	}
	return p, err
}

func allowed(ex service.Explanation, o access.Object, a access.Action) bool {
	for _, d := range ex.Decisions {
		if d.Object == o && d.Action == a {
			return d.Allowed
		}
	}
	return false
}

// ownerName names the customer's owner. The directory is open to every
// member, so this reveals nothing the API does not.
func (c *Console) ownerName(r *http.Request, v *view, cu crm.Customer) string {
	if cu.OwnerID == nil {
		return v.T("owner.pool")
	}
	if *cu.OwnerID == v.act.UserID {
		return v.act.User.Name + " (" + v.T("owner.you") + ")"
	}
	u, err := c.svc.User(r.Context(), v.act, *cu.OwnerID)
	if err != nil {
		return "#" + strconv.FormatInt(*cu.OwnerID, 10)
	}
	return u.Name
}

func (c *Console) addActivity(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	typ, note := r.PostForm.Get("type"), r.PostForm.Get("note")
	_, err = c.svc.SaveActivity(r.Context(), v.act, id, 0, crm.ActivityInput{Type: &typ, Note: &note})
	if err == nil {
		http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?done=activity#activities", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.loadDetail(r, v, id)
	if lerr != nil {
		return lerr
	}
	p.Activity = c.activityForm(v, map[string]string{"type": typ, "note": note}, fe)
	c.render(w, v, status, "customer", p)
	return nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotVisible("customer")
	}
	return id, nil
}
