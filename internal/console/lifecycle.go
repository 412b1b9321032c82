package console

import (
	"net/http"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
)

// The lifecycle pages move a user to another department or manager and
// offboard a leaver (docs/moves-and-offboarding.md), for holders of
// manage_users. Each is a form whose Preview asks the service for the change
// with preview, which makes it in a transaction and rolls it back, so the
// report shown is what applying would do; Apply then posts the same input
// again without preview. Applying needs a recent sign-in: the service says
// so and the step-up flow redoes the apply with the fields it carried. An
// applied change is stored as a report, whose page and CSV the user's page
// lists.

func (c *Console) lifecycleRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/users/{id}/move", c.private(c.movePage))
	mux.Handle("POST /admin/users/{id}/move/preview", c.private(c.previewMove))
	mux.Handle("POST /admin/users/{id}/move", c.private(c.applyMove))
	mux.Handle("GET /admin/users/{id}/offboard", c.private(c.offboardPage))
	mux.Handle("POST /admin/users/{id}/offboard/preview", c.private(c.previewOffboard))
	mux.Handle("POST /admin/users/{id}/offboard", c.private(c.applyOffboard))
	mux.Handle("GET /admin/lifecycle-reports/{id}", c.private(c.lifecycleReport))
	mux.Handle("GET /admin/lifecycle-reports/{id}/csv", c.private(c.lifecycleReportCSV))
	mux.Handle("GET /admin/lifecycle-settings", c.private(c.lifecycleSettingsPage))
	mux.Handle("POST /admin/lifecycle-settings", c.private(c.saveLifecycleSettings))
}

// moveFields are the move form's inputs, posted again by Apply.
var moveFields = []string{"department_id", "manager_id", "records", "successor_id"}

// target is the user a move or offboarding is about, with the directory
// that names the people, departments and pools its report mentions.
type target struct {
	u   org.User
	row userRow
	d   *directory
}

func (t *target) base() string { return "/admin/users/" + strconv.FormatInt(t.u.ID, 10) }

func (c *Console) loadTarget(r *http.Request, v *view) (*target, error) {
	if err := need(v, access.ManageUsers); err != nil {
		return nil, err
	}
	id, err := userID(r)
	if err != nil {
		return nil, err
	}
	u, err := c.svc.User(r.Context(), v.act, id)
	if err != nil {
		return nil, err
	}
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	return &target{u: u, row: c.userRow(r, v, d, u), d: d}, nil
}

// lifecyclePage is what the move and offboarding templates show: the user,
// the form, and after a preview its report and the form that applies it.
type lifecyclePage struct {
	User   userRow
	Form   form
	Report *reportView
	Apply  form
}

func (c *Console) movePage(w http.ResponseWriter, r *http.Request, v *view) error {
	t, err := c.loadTarget(r, v)
	if err != nil {
		return err
	}
	vals := map[string]string{"department_id": strconv.FormatInt(t.u.DepartmentID, 10), "manager_id": managerValue(t.u.ManagerID)}
	return c.showMove(w, r, v, t, vals, nil, nil)
}

// managerValue is a manager as the select has it: "0" for none.
func managerValue(id *int64) string { return strconv.FormatInt(managerID(id), 10) }

func (c *Console) previewMove(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.postMove(w, r, v, true)
}

func (c *Console) applyMove(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.postMove(w, r, v, false)
}

// postMove previews or applies the posted move. An applied move goes to its
// stored report; a refusal is shown by its field with the values kept, and
// nothing changed.
func (c *Console) postMove(w http.ResponseWriter, r *http.Request, v *view, preview bool) error {
	t, err := c.loadTarget(r, v)
	if err != nil {
		return err
	}
	vals := postedMap(r, moveFields...)
	in, err := moveInput(t.u, vals)
	var rep service.LifecycleReport
	if err == nil {
		rep, err = c.svc.MoveUser(r.Context(), v.act, t.u.ID, in, preview)
	}
	if err == nil && !preview {
		http.Redirect(w, r, reportURL(rep.ID)+"?done=move", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return c.showMove(w, r, v, t, vals, nil, err)
	}
	return c.showMove(w, r, v, t, vals, &rep, nil)
}

// moveInput reads the form. The department and manager go to the service
// only when they differ from today's, as a person changing one of them
// means; the records choice always goes, as the form shows the policy
// chosen.
func moveInput(u org.User, vals map[string]string) (service.MoveInput, error) {
	var in service.MoveInput
	dept, err := parseID("department_id", vals["department_id"])
	if err != nil {
		return in, err
	}
	mgr, err := strconv.ParseInt(strings.TrimSpace(vals["manager_id"]), 10, 64)
	if err != nil || mgr < 0 {
		return in, errs.Field("manager_id", "field_required", "choose a manager, or no manager")
	}
	if dept != u.DepartmentID {
		in.DepartmentID = &dept
	}
	if mgr != managerID(u.ManagerID) {
		in.ManagerID = &mgr
	}
	if in.DepartmentID == nil && in.ManagerID == nil {
		return in, errs.Field("department_id", "nothing_to_change", "choose another department or another manager")
	}
	in.Records = vals["records"]
	if s := strings.TrimSpace(vals["successor_id"]); s != "" {
		id, err := parseID("successor_id", s)
		if err != nil {
			return in, err
		}
		in.SuccessorID = &id
	}
	return in, nil
}

// managerID is a manager's id, 0 for none, as MoveInput takes it.
func managerID(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// showMove renders the move page: the form with vals, and either the
// preview's report with Apply, or err placed by its field.
func (c *Console) showMove(w http.ResponseWriter, r *http.Request, v *view, t *target, vals map[string]string, rep *service.LifecycleReport, err error) error {
	st, serr := c.svc.LifecycleSettingsOf(r.Context(), v.act)
	if serr != nil {
		return serr
	}
	if vals["records"] == "" {
		vals["records"] = st.MoveRecords
	}
	p := &lifecyclePage{User: t.row, Form: moveForm(v, t, vals, st.MoveRecords)}
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
		p.Apply = applyForm(v, t.base()+"/move", moveFields, vals)
	}
	v.Title = v.Tf("lc.move.title", t.u.Name)
	c.render(w, v, status, "lifecycle_move", p)
	return nil
}

// moveForm is the move's form; the records choice starts at, and names,
// the tenant's policy.
func moveForm(v *view, t *target, vals map[string]string, policy string) form {
	dept := field{Name: "department_id", Label: v.T("lc.f.department_id"), Kind: "select", Value: vals["department_id"], Required: true,
		Options: t.d.deptOptions()}
	mgr := field{Name: "manager_id", Label: v.T("lc.f.manager_id"), Kind: "select", Value: vals["manager_id"], Required: true,
		Options: append([]option{{Value: "0", Label: v.T("lc.f.no_manager")}}, t.d.userOptions(t.u.ID)...)}
	keepChoice(&mgr, t.d)
	records := field{Name: "records", Label: v.T("lc.f.records"), Kind: "select", Value: vals["records"], Required: true,
		Hint:    v.Tf("lc.f.records.hint", v.T("lc.records."+policy)),
		Options: []option{{Value: "follow", Label: v.T("lc.records.follow")}, {Value: "stay", Label: v.T("lc.records.stay")}}}
	successor := field{Name: "successor_id", Label: v.T("lc.f.successor_id"), Kind: "select", Value: vals["successor_id"],
		Hint: v.T("lc.f.successor_id.move"), Options: append([]option{{Value: "", Label: "—"}}, t.d.userOptions(t.u.ID)...)}
	return form{Action: t.base() + "/move/preview", Submit: v.T("lc.preview"), Prefix: "move-",
		Fields: []field{dept, mgr, records, successor}}
}

// keepChoice adds the chosen user to a select that does not offer them
// (today's manager, deactivated since), so that the select shows what is
// and a preview does not quietly change it.
func keepChoice(f *field, d *directory) {
	for _, o := range f.Options {
		if o.Value == f.Value {
			return
		}
	}
	id, err := strconv.ParseInt(f.Value, 10, 64)
	if err != nil || id <= 0 {
		return
	}
	f.Options = append(f.Options, option{Value: f.Value, Label: d.userName(id)})
}

// applyForm carries the previewed input, unchanged, to the apply route.
func applyForm(v *view, action string, names []string, vals map[string]string) form {
	f := form{Action: action, Submit: v.T("lc.apply"), Prefix: "apply-"}
	for _, n := range names {
		if vals[n] != "" {
			f.Hidden = append(f.Hidden, hidden{Name: n, Value: vals[n]})
		}
	}
	return f
}
