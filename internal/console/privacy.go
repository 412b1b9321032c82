package console

import (
	"net/http"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// The privacy register (docs/privacy-requests.md): data subjects' requests
// with their deadlines, the lookup of a subject by e-mail or phone, and
// the actions that carry requests out, each the service call the API
// makes. For holders of handle_privacy.

func (c *Console) privacyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /privacy", c.private(c.privacyPage))
	mux.Handle("POST /privacy/requests", c.private(c.createPrivacyRequest))
	mux.Handle("POST /privacy/requests/{id}/{action}", c.private(c.actOnPrivacyRequest))
	mux.Handle("GET /privacy/requests/{id}/export.json", c.private(c.privacyExport))
}

// CanPrivacy reports whether the user handles privacy requests.
func (v *view) CanPrivacy() bool { return v.can(access.HandlePrivacy) }

var privacyDone = []string{"created", "erase", "restrict", "object", "close"}

// privacyView is what the privacy template shows.
type privacyView struct {
	Done, Error string
	Requests    []privacyRow
	Form        form
	Email       string
	Phone       string
	Found       []store.PrivacySubject
	Looked      bool
}

// privacyRow is one request with the actions its kind offers while open.
type privacyRow struct {
	store.PrivacyRequest
	Overdue         bool
	ExportURL, Base string
	Erase, Restrict bool
	Object, Open    bool
}

var privacyFields = []string{"kind", "subject_type", "subject_id", "due_days", "note"}

func privacyForm(v *view, vals map[string]string) form {
	kinds := []option{}
	for _, k := range []string{"access", "rectify", "erase", "restrict", "object"} {
		kinds = append(kinds, option{Value: k, Label: v.T("pr.kind." + k)})
	}
	return form{Action: "/privacy/requests", Submit: v.T("pr.create"), Prefix: "pr-", Fields: []field{
		{Name: "kind", Label: v.T("pr.f.kind"), Kind: "select", Value: vals["kind"], Required: true, Options: kinds},
		{Name: "subject_type", Label: v.T("pr.f.subject_type"), Kind: "select", Value: vals["subject_type"], Required: true,
			Options: []option{{Value: "customer", Label: v.T("pr.subject.customer")}, {Value: "contact", Label: v.T("pr.subject.contact")}}},
		{Name: "subject_id", Label: v.T("pr.f.subject_id"), Kind: "number", Value: vals["subject_id"], Required: true},
		{Name: "due_days", Label: v.T("pr.f.due_days"), Kind: "number", Value: vals["due_days"], Hint: v.T("pr.f.due_days.hint")},
		{Name: "note", Label: v.T("pr.f.note"), Kind: "text", Value: vals["note"], Max: 1000, Hint: v.T("pr.f.note.hint"), Autocomplete: "off"},
	}}
}

func (c *Console) loadPrivacy(r *http.Request, v *view, vals map[string]string) (*privacyView, error) {
	if err := need(v, access.HandlePrivacy); err != nil {
		return nil, err
	}
	ctx := r.Context()
	reqs, err := c.svc.PrivacyRequests(ctx, v.act, "")
	if err != nil {
		return nil, err
	}
	p := &privacyView{Form: privacyForm(v, vals)}
	now := time.Now()
	for _, x := range reqs {
		base := "/privacy/requests/" + strconv.FormatInt(x.ID, 10)
		open := x.Status == "open"
		row := privacyRow{PrivacyRequest: x, Base: base, Open: open, Overdue: open && x.DueAt.Before(now),
			Erase: open && x.Kind == "erase", Restrict: open && x.Kind == "restrict", Object: open && x.Kind == "object"}
		if open && x.Kind == "access" {
			row.ExportURL = base + "/export.json"
		}
		p.Requests = append(p.Requests, row)
	}
	v.Title = v.T("pr.title")
	return p, nil
}

func (c *Console) privacyPage(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	p, err := c.loadPrivacy(r, v, map[string]string{"kind": q.Get("kind"), "subject_type": q.Get("subject_type"), "subject_id": q.Get("subject_id")})
	if err != nil {
		return err
	}
	p.Done = validDone(v, "done.pr.", q.Get("done"), privacyDone)
	status := http.StatusOK
	if q.Has("email") || q.Has("phone") {
		p.Email, p.Phone, p.Looked = q.Get("email"), q.Get("phone"), true
		if p.Found, err = c.svc.PrivacySubjects(r.Context(), v.act, p.Email, p.Phone); err != nil {
			st, fe, ok := c.formError(r, v, err)
			if !ok {
				return err
			}
			status, p.Error, p.Looked = st, fe.Message, false
		}
	}
	c.render(w, v, status, "privacy", p)
	return nil
}

func (c *Console) createPrivacyRequest(w http.ResponseWriter, r *http.Request, v *view) error {
	vals := postedMap(r, privacyFields...)
	in := service.PrivacyRequestInput{Kind: vals["kind"], SubjectType: vals["subject_type"], Note: vals["note"]}
	var err error
	if in.SubjectID, err = strconv.ParseInt(vals["subject_id"], 10, 64); err != nil {
		in.SubjectID = 0
	}
	if vals["due_days"] != "" {
		if in.DueDays, err = strconv.Atoi(vals["due_days"]); err != nil {
			in.DueDays = -1
		}
	}
	if _, err = c.svc.CreatePrivacyRequest(r.Context(), v.act, in); err == nil {
		http.Redirect(w, r, "/privacy?done=created", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.loadPrivacy(r, v, vals)
	if lerr != nil {
		return lerr
	}
	p.Form.place(fe)
	c.render(w, v, status, "privacy", p)
	return nil
}

// actOnPrivacyRequest carries out erase, restrict or object, or closes a
// request with its outcome.
func (c *Console) actOnPrivacyRequest(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotVisible("privacy request")
	}
	ctx := r.Context()
	action := r.PathValue("action")
	switch action {
	case "erase":
		_, err = c.svc.EraseSubject(ctx, v.act, id)
	case "restrict":
		_, err = c.svc.RestrictSubject(ctx, v.act, id)
	case "object":
		_, err = c.svc.ObjectSubject(ctx, v.act, id)
	case "close":
		_, err = c.svc.ClosePrivacyRequest(ctx, v.act, id, service.PrivacyClose{Status: r.PostForm.Get("status"), Outcome: r.PostForm.Get("outcome")})
	default:
		return errs.NotVisible("privacy request")
	}
	if err == nil {
		http.Redirect(w, r, "/privacy?done="+action, http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.loadPrivacy(r, v, nil)
	if lerr != nil {
		return lerr
	}
	p.Error = fe.Message
	c.render(w, v, status, "privacy", p)
	return nil
}

// privacyExport answers an access request with the subject's data as a
// JSON file.
func (c *Console) privacyExport(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotVisible("privacy request")
	}
	ex, err := c.svc.ExportSubject(r.Context(), v.act, id)
	if err != nil {
		return err
	}
	b, err := jsonFile(ex)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="privacy-request-`+strconv.FormatInt(id, 10)+`.json"`)
	_, _ = w.Write(b)
	return nil
}
