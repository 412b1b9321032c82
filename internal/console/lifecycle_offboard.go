package console

import (
	"net/http"
	"strconv"
	"strings"

	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// The offboarding page hands a leaver's work over (离职交接): one default
// successor, customers from a pool back to it (and the rest to a chosen
// pool), whom the leaver's reports report to, and a reason. Splitting the
// customers among several successors is left to the API
// (POST /users/{id}/offboard with "successors"): a console form for it
// would be a list of every customer, which the preview's report already
// is. Apply asks for a confirmation, as the account ends with it.

// offboardFields are the offboarding form's inputs, posted again by Apply.
var offboardFields = []string{"successor_id", "return_to_pool", "pool_id", "reports_to", "reason"}

func (c *Console) offboardPage(w http.ResponseWriter, r *http.Request, v *view) error {
	t, err := c.loadTarget(r, v)
	if err != nil {
		return err
	}
	return c.showOffboard(w, r, v, t, map[string]string{}, nil, nil, false)
}

func (c *Console) previewOffboard(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.postOffboard(w, r, v, true)
}

func (c *Console) applyOffboard(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.postOffboard(w, r, v, false)
}

// postOffboard previews or applies the posted offboarding. An apply without
// the confirmation is previewed again instead, the box marked, so the
// person sees once more what they are about to do.
func (c *Console) postOffboard(w http.ResponseWriter, r *http.Request, v *view, preview bool) error {
	t, err := c.loadTarget(r, v)
	if err != nil {
		return err
	}
	vals := postedMap(r, offboardFields...)
	unconfirmed := !preview && r.PostForm.Get("confirm") == ""
	preview = preview || unconfirmed
	in, err := offboardInput(vals)
	var rep service.LifecycleReport
	if err == nil {
		rep, err = c.svc.Offboard(r.Context(), v.act, t.u.ID, in, preview)
	}
	switch {
	case err != nil:
		return c.showOffboard(w, r, v, t, vals, nil, err, false)
	case !preview:
		http.Redirect(w, r, reportURL(rep.ID)+"?done=offboard", http.StatusSeeOther)
		return nil
	}
	return c.showOffboard(w, r, v, t, vals, &rep, nil, unconfirmed)
}

func offboardInput(vals map[string]string) (service.OffboardInput, error) {
	in := service.OffboardInput{ReturnToPool: vals["return_to_pool"] != "", Reason: vals["reason"]}
	for _, x := range []struct {
		name string
		to   **int64
	}{{"successor_id", &in.SuccessorID}, {"pool_id", &in.PoolID}} {
		if s := strings.TrimSpace(vals[x.name]); s != "" {
			id, err := parseID(x.name, s)
			if err != nil {
				return in, err
			}
			*x.to = &id
		}
	}
	// Empty: the leaver's manager, as the service does when it is absent; 0: none.
	if s := strings.TrimSpace(vals["reports_to"]); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return in, errs.Field("reports_to", "invalid_reference", "choose who the reports go to")
		}
		in.ReportsTo = &n
	}
	return in, nil
}

// showOffboard renders the offboarding page: the form with vals, and either
// the preview's report with Apply, or err placed by its field.
func (c *Console) showOffboard(w http.ResponseWriter, r *http.Request, v *view, t *target, vals map[string]string, rep *service.LifecycleReport, err error, unconfirmed bool) error {
	pools, perr := c.svc.Pools(r.Context(), v.act)
	if perr != nil {
		return perr
	}
	p := &lifecyclePage{User: t.row, Form: offboardForm(v, t, vals, pools)}
	status := http.StatusOK
	if err != nil {
		var fe *fieldErr
		var ok bool
		if status, fe, ok = c.formError(r, v, err); !ok {
			return err
		}
		p.Form.place(fe)
	}
	if rep != nil {
		if p.Report, err = c.reportView(r, v, t.d, *rep); err != nil {
			return err
		}
		p.Apply = applyForm(v, t.base()+"/offboard", offboardFields, vals)
		p.Apply.Fields = []field{{Name: "confirm", Label: v.T("lc.f.confirm"), Kind: "checkbox"}}
		if unconfirmed {
			status = http.StatusBadRequest
			p.Apply.Fields[0].Error = v.T("lc.confirm.needed")
		}
	}
	v.Title = v.Tf("lc.offboard.title", t.u.Name)
	c.render(w, v, status, "lifecycle_offboard", p)
	return nil
}

func offboardForm(v *view, t *target, vals map[string]string, pools []store.StoredPool) form {
	others := t.d.userOptions(t.u.ID)
	successor := field{Name: "successor_id", Label: v.T("lc.f.successor_id"), Kind: "select", Value: vals["successor_id"],
		Hint: v.T("lc.f.successor_id.offboard"), Options: append([]option{{Value: "", Label: "—"}}, others...)}
	back := field{Name: "return_to_pool", Label: v.T("lc.f.return_to_pool"), Kind: "checkbox", Value: vals["return_to_pool"]}
	pool := field{Name: "pool_id", Label: v.T("lc.f.pool_id"), Kind: "select", Value: vals["pool_id"], Hint: v.T("lc.f.pool_id.hint"),
		Options: []option{{Value: "", Label: "—"}}}
	for _, x := range pools {
		pool.Options = append(pool.Options, option{Value: strconv.FormatInt(x.ID, 10), Label: x.Name})
	}
	manager := v.T("lc.f.no_manager")
	if t.row.Manager != "" {
		manager = t.row.Manager
	}
	reportsTo := field{Name: "reports_to", Label: v.T("lc.f.reports_to"), Kind: "select", Value: vals["reports_to"],
		Options: append([]option{{Value: "", Label: v.Tf("lc.f.reports_to.default", manager)}, {Value: "0", Label: v.T("lc.f.no_manager")}}, others...)}
	reason := field{Name: "reason", Label: v.T("lc.f.reason"), Kind: "text", Value: vals["reason"], Max: 500, Autocomplete: "off"}
	return form{Action: t.base() + "/offboard/preview", Submit: v.T("lc.preview"), Prefix: "off-",
		Fields: []field{successor, back, pool, reportsTo, reason}}
}
