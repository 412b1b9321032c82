package console

import (
	"net/http"
	"strconv"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// Retention rules and legal holds (docs/retention.md): the rules with
// their last run, a preview before each run, adding and removing rules,
// and the customers under a legal hold. Reading is for holders of
// manage_security or view_audit, changing for manage_security, as the
// service checks.

func (c *Console) retentionRoutes(mux *http.ServeMux) {
	mux.Handle("GET /retention", c.private(c.retentionPage))
	mux.Handle("POST /retention/rules", c.private(c.createRetentionRule))
	mux.Handle("POST /retention/rules/{id}/{action}", c.private(c.actOnRetentionRule))
	mux.Handle("POST /retention/holds", c.private(c.placeHold))
	mux.Handle("POST /retention/holds/{id}/lift", c.private(c.liftHold))
}

// CanRetention reports whether the user may read the retention rules.
func (v *view) CanRetention() bool { return v.can(access.ManageSecurity) || v.can(access.ViewAudit) }

// CanEditRetention reports whether the user may change rules and holds.
func (v *view) CanEditRetention() bool { return v.can(access.ManageSecurity) }

var retentionDone = []string{"created", "run", "delete", "hold", "lift"}

type retentionView struct {
	Done, Error string
	Rules       []store.RetentionRule
	Holds       []store.LegalHold
	Preview     *service.RetentionResult
	Form        form
	Hold        form
}

var retentionFields = []string{"name", "object", "days"}

func retentionForm(v *view, vals map[string]string) form {
	return form{Action: "/retention/rules", Submit: v.T("ret.add"), Prefix: "ret-", Fields: []field{
		{Name: "name", Label: v.T("ret.f.name"), Kind: "text", Value: vals["name"], Required: true, Max: 200},
		{Name: "object", Label: v.T("ret.f.object"), Kind: "select", Value: vals["object"], Required: true,
			Options: []option{{Value: "activity", Label: v.T("ret.object.activity")}, {Value: "customer", Label: v.T("ret.object.customer")}}},
		{Name: "days", Label: v.T("ret.f.days"), Kind: "number", Value: vals["days"], Required: true, Hint: v.T("ret.f.days.hint")},
	}}
}

func holdForm(v *view, vals map[string]string) form {
	return form{Action: "/retention/holds", Submit: v.T("ret.hold.place"), Prefix: "hold-", Fields: []field{
		{Name: "customer_id", Label: v.T("ret.hold.customer"), Kind: "number", Value: vals["customer_id"], Required: true},
		{Name: "reason", Label: v.T("field.reason"), Kind: "text", Value: vals["reason"], Required: true, Max: 500, Autocomplete: "off"},
	}}
}

func (c *Console) loadRetention(r *http.Request, v *view) (*retentionView, error) {
	if err := needAny(v, access.ManageSecurity, access.ViewAudit); err != nil {
		return nil, err
	}
	p := &retentionView{Form: retentionForm(v, nil), Hold: holdForm(v, nil)}
	var err error
	if p.Rules, err = c.svc.RetentionRules(r.Context(), v.act); err != nil {
		return nil, err
	}
	if p.Holds, err = c.svc.LegalHolds(r.Context(), v.act); err != nil {
		return nil, err
	}
	v.Title = v.T("ret.title")
	return p, nil
}

func (c *Console) retentionPage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.loadRetention(r, v)
	if err != nil {
		return err
	}
	p.Done = validDone(v, "done.ret.", r.URL.Query().Get("done"), retentionDone)
	c.render(w, v, http.StatusOK, "retention", p)
	return nil
}

// retentionError shows the page with a refusal: by its field on the form
// it came from, or at the top.
func (c *Console) retentionError(w http.ResponseWriter, r *http.Request, v *view, err error, which string, vals map[string]string) error {
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, lerr := c.loadRetention(r, v)
	if lerr != nil {
		return lerr
	}
	switch which {
	case "rule":
		p.Form = retentionForm(v, vals)
		p.Form.place(fe)
	case "hold":
		p.Hold = holdForm(v, vals)
		p.Hold.place(fe)
	default:
		p.Error = fe.Message
	}
	c.render(w, v, status, "retention", p)
	return nil
}

func (c *Console) createRetentionRule(w http.ResponseWriter, r *http.Request, v *view) error {
	vals := postedMap(r, retentionFields...)
	days, err := strconv.Atoi(vals["days"])
	if err != nil {
		days = 0
	}
	if _, err = c.svc.SaveRetentionRule(r.Context(), v.act, 0, service.RetentionRuleInput{Name: vals["name"], Object: vals["object"], Days: days}); err == nil {
		http.Redirect(w, r, "/retention?done=created", http.StatusSeeOther)
		return nil
	}
	return c.retentionError(w, r, v, err, "rule", vals)
}

// actOnRetentionRule previews, runs or deletes a rule.
func (c *Console) actOnRetentionRule(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotVisible("retention rule")
	}
	ctx := r.Context()
	switch action := r.PathValue("action"); action {
	case "preview":
		res, err := c.svc.PreviewRetention(ctx, v.act, id)
		if err != nil {
			return c.retentionError(w, r, v, err, "", nil)
		}
		p, err := c.loadRetention(r, v)
		if err != nil {
			return err
		}
		p.Preview = &res
		c.render(w, v, http.StatusOK, "retention", p)
		return nil
	case "run":
		_, err = c.svc.RunRetention(ctx, v.act, id)
	case "delete":
		err = c.svc.DeleteRetentionRule(ctx, v.act, id)
	default:
		return errs.NotVisible("retention rule")
	}
	if err != nil {
		return c.retentionError(w, r, v, err, "", nil)
	}
	http.Redirect(w, r, "/retention?done="+r.PathValue("action"), http.StatusSeeOther)
	return nil
}

func (c *Console) placeHold(w http.ResponseWriter, r *http.Request, v *view) error {
	vals := postedMap(r, "customer_id", "reason")
	id, err := strconv.ParseInt(vals["customer_id"], 10, 64)
	if err != nil || id <= 0 {
		return c.retentionError(w, r, v, errs.Field("customer_id", "invalid_value", "give a customer number"), "hold", vals)
	}
	if _, err = c.svc.PlaceLegalHold(r.Context(), v.act, id, vals["reason"]); err != nil {
		if errs.KindOf(err) == errs.NotFound {
			err = errs.Field("customer_id", "invalid_reference", "no customer you can see has the number %d", id)
		}
		return c.retentionError(w, r, v, err, "hold", vals)
	}
	http.Redirect(w, r, "/retention?done=hold", http.StatusSeeOther)
	return nil
}

func (c *Console) liftHold(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotVisible("legal hold")
	}
	if err := c.svc.LiftLegalHold(r.Context(), v.act, id); err != nil {
		return c.retentionError(w, r, v, err, "", nil)
	}
	http.Redirect(w, r, "/retention?done=lift", http.StatusSeeOther)
	return nil
}
