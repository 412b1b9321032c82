package console

import (
	"net/http"
	"slices"
	"strings"

	"steward/internal/service"
)

// decidePage is what the decide template shows: the pending requests the
// user may decide, oldest first, each with a comment box, Refuse and
// Approve.
type decidePage struct {
	Done, Error string
	Requests    []requestRow
}

func (c *Console) decidePage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.loadDecide(r, v)
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("done"); slices.Contains(accessDone, d) {
		p.Done = v.T("done.access." + d)
	}
	c.render(w, v, http.StatusOK, "decide", p)
	return nil
}

func (c *Console) loadDecide(r *http.Request, v *view) (*decidePage, error) {
	v.Title = v.T("decide.title")
	rs, err := c.svc.AccessRequests(r.Context(), v.act, service.AccessRequestList{ToDecide: true})
	if err != nil {
		return nil, err
	}
	p := &decidePage{}
	names := map[int64]string{}
	for _, x := range rs {
		p.Requests = append(p.Requests, c.requestRow(r, v, x, names))
	}
	return p, nil
}

func (c *Console) approveAccessRequest(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.decideAccessRequest(w, r, v, true)
}

func (c *Console) refuseAccessRequest(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.decideAccessRequest(w, r, v, false)
}

// decideAccessRequest approves or refuses; a refusal of the decision (a
// refusal without a comment, a request decided meanwhile, a grant beyond
// the approver's own) is shown on the request's row. A role approval that
// needs a recent sign-in is left to the step-up flow, which redoes it.
func (c *Console) decideAccessRequest(w http.ResponseWriter, r *http.Request, v *view, approve bool) error {
	id, err := requestID(r)
	if err != nil {
		return err
	}
	comment := strings.TrimSpace(r.PostForm.Get("comment"))
	_, err = c.svc.DecideAccessRequest(r.Context(), v.act, id, approve, comment)
	if err == nil {
		done := "approved"
		if !approve {
			done = "refused"
		}
		http.Redirect(w, r, "/access/decide?done="+done, http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.loadDecide(r, v)
	if lerr != nil {
		return lerr
	}
	p.Error = fe.Message
	for i := range p.Requests {
		if p.Requests[i].ID == id {
			p.Requests[i].Error, p.Requests[i].Typed = fe.Message, comment
		}
	}
	c.render(w, v, status, "decide", p)
	return nil
}
