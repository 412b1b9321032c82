package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// Holders of manage_sharing create, edit and delete the rules here, with
// service.SaveSharingRule / SaveRestriction / Delete*, the calls the API
// makes. Preview posts the form as it stands to service.PreviewSharingRule
// or PreviewRestriction, which say how many customers the criteria match
// now and how many users would gain or lose sight of customers, and shows
// the form again with that answer: nothing is saved until Save.

func (c *Console) ruleEditRoutes(mux *http.ServeMux) {
	mux.Handle("GET /rules/{kind}/new", c.private(c.newRule))
	mux.Handle("POST /rules/{kind}", c.private(c.createRule))
	mux.Handle("POST /rules/{kind}/preview", c.private(c.previewRule))
	mux.Handle("POST /rules/{kind}/{id}", c.private(c.saveRule))
	mux.Handle("POST /rules/{kind}/{id}/preview", c.private(c.previewRule))
	mux.Handle("POST /rules/{kind}/{id}/delete", c.private(c.deleteRule))
}

// ruleDone are the notices a redirect to the rules page may ask for.
var ruleDone = []string{"created", "saved", "deleted"}

// ruleEditView is what the rule_edit template shows.
type ruleEditView struct {
	Kind   string
	ID     int64 // 0 for a new rule
	Name   string
	F      *ruleForm
	Reach  *service.RuleReach
	Delete string // the delete form's action, for a stored rule
}

// ruleTarget reads the kind and, for a stored rule, the id of the path.
func ruleTarget(r *http.Request) (string, int64, error) {
	kind := r.PathValue("kind")
	if kind != "sharing" && kind != "restriction" {
		return "", 0, errs.NotVisible("rule")
	}
	s := r.PathValue("id")
	if s == "" {
		return kind, 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, errs.NotVisible("rule")
	}
	return kind, id, nil
}

func ruleURL(kind string, id int64) string {
	if id == 0 {
		return "/rules/" + kind
	}
	return "/rules/" + kind + "/" + strconv.FormatInt(id, 10)
}

func (c *Console) newRule(w http.ResponseWriter, r *http.Request, v *view) error {
	kind, _, err := ruleTarget(r)
	if err != nil {
		return err
	}
	if err := need(v, access.ManageSharing); err != nil {
		return err
	}
	vals := url.Values{"match": {"all"}, "level": {string(access.Read)}}
	return c.showRule(w, r, v, &ruleEditView{Kind: kind}, vals, http.StatusOK, nil)
}

// storedRule reads a rule through the list, which is all the service
// offers, as the form posts it; a rule not there is not found.
func (c *Console) storedRule(ctx context.Context, v *view, kind string, id int64) (string, url.Values, error) {
	if kind == "sharing" {
		rules, err := c.svc.SharingRules(ctx, v.act)
		if err != nil {
			return "", nil, err
		}
		if i := slices.IndexFunc(rules, func(x store.StoredSharingRule) bool { return x.ID == id }); i >= 0 {
			x := rules[i]
			return x.Name, ruleValues(x.Name, x.Reason, x.Level, x.Criteria, []access.Principal{x.Principal}), nil
		}
		return "", nil, errs.NotVisible("rule")
	}
	rules, err := c.svc.RestrictionRules(ctx, v.act)
	if err != nil {
		return "", nil, err
	}
	if i := slices.IndexFunc(rules, func(x store.StoredRestriction) bool { return x.ID == id }); i >= 0 {
		x := rules[i]
		return x.Name, ruleValues(x.Name, x.Reason, "", x.Criteria, x.Principals), nil
	}
	return "", nil, errs.NotVisible("rule")
}

// editRule is a stored rule's page for those who may change it.
func (c *Console) editRule(w http.ResponseWriter, r *http.Request, v *view, kind string, id int64) error {
	name, vals, err := c.storedRule(r.Context(), v, kind, id)
	if err != nil {
		return err
	}
	return c.showRule(w, r, v, &ruleEditView{Kind: kind, ID: id, Name: name}, vals, http.StatusOK, nil)
}

// showRule renders the editor of p's rule with vals; place, when given,
// puts an error on it.
func (c *Console) showRule(w http.ResponseWriter, r *http.Request, v *view, p *ruleEditView, vals url.Values, status int, place func(*ruleForm)) error {
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return err
	}
	p.F = newRuleForm(v, d, p.Kind, ruleURL(p.Kind, p.ID), vals)
	p.F.Form.Submit, v.Title = v.T("rule.save"), p.Name
	if p.ID == 0 {
		p.F.Form.Submit, v.Title = v.T("rule.create"), v.T("rule.new."+p.Kind)
	} else {
		p.Delete = ruleURL(p.Kind, p.ID) + "/delete"
	}
	if place != nil {
		place(p.F)
	}
	c.render(w, v, status, "rule_edit", p)
	return nil
}

func (c *Console) createRule(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.submitRule(w, r, v, false)
}

func (c *Console) saveRule(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.submitRule(w, r, v, false)
}

func (c *Console) previewRule(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.submitRule(w, r, v, true)
}

// submitRule saves the posted rule, or with preview says what saving it
// would reach; bad input shows the form again with the input named.
func (c *Console) submitRule(w http.ResponseWriter, r *http.Request, v *view, preview bool) error {
	kind, id, err := ruleTarget(r)
	if err != nil {
		return err
	}
	if err := need(v, access.ManageSharing); err != nil {
		return err
	}
	p, vals, err := readRule(kind, r.PostForm)
	var reach service.RuleReach
	if err == nil {
		reach, err = c.callRule(r.Context(), v, kind, id, p, preview)
	}
	if err == nil && !preview {
		done := "saved"
		if id == 0 {
			done = "created"
		}
		http.Redirect(w, r, "/rules?done="+done, http.StatusSeeOther)
		return nil
	}
	status, fe := http.StatusOK, (*fieldErr)(nil)
	if err != nil {
		var ok bool
		if status, fe, ok = c.formError(r, v, err); !ok {
			return err
		}
	}
	page := &ruleEditView{Kind: kind, ID: id}
	if id != 0 {
		if page.Name, _, err = c.storedRule(r.Context(), v, kind, id); err != nil {
			return err
		}
	}
	if fe == nil {
		page.Reach = &reach
	}
	return c.showRule(w, r, v, page, vals, status, func(f *ruleForm) { f.place(p, fe) })
}

// callRule saves the rule, or previews it.
func (c *Console) callRule(ctx context.Context, v *view, kind string, id int64, p postedRule, preview bool) (service.RuleReach, error) {
	if kind == "sharing" {
		in := service.SharingRuleInput{Name: p.Name, Criteria: p.Criteria, Principal: p.Principals[0], Level: p.Level, Reason: p.Reason}
		if preview {
			return c.svc.PreviewSharingRule(ctx, v.act, id, in)
		}
		_, err := c.svc.SaveSharingRule(ctx, v.act, id, in)
		return service.RuleReach{}, err
	}
	in := service.RestrictionInput{Name: p.Name, Criteria: p.Criteria, Principals: p.Principals, Reason: p.Reason}
	if preview {
		return c.svc.PreviewRestriction(ctx, v.act, id, in)
	}
	_, err := c.svc.SaveRestriction(ctx, v.act, id, in)
	return service.RuleReach{}, err
}

func (c *Console) deleteRule(w http.ResponseWriter, r *http.Request, v *view) error {
	kind, id, err := ruleTarget(r)
	if err != nil || id == 0 {
		return errs.NotVisible("rule")
	}
	if err := need(v, access.ManageSharing); err != nil {
		return err
	}
	if kind == "sharing" {
		err = c.svc.DeleteSharingRule(r.Context(), v.act, id)
	} else {
		err = c.svc.DeleteRestriction(r.Context(), v.act, id)
	}
	if err == nil {
		http.Redirect(w, r, "/rules?done=deleted", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	name, vals, err := c.storedRule(r.Context(), v, kind, id)
	if err != nil {
		return err
	}
	return c.showRule(w, r, v, &ruleEditView{Kind: kind, ID: id, Name: name}, vals, status, func(f *ruleForm) { f.Form.Error = fe.Message })
}
