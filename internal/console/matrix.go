package console

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
)

// The matrix page shows every role as a heat-map row (cells coloured by
// how wide the scope is) and, for one role at a time, an editor with a
// scope <select> per object and action. Saving goes through a confirm step
// that shows the diff; applying calls service.SaveRole, which checks the
// manage_roles function and records the change with before and after.

// cells is one role's matrix: "customer.view" → scope.
type cells map[string]access.Scope

func cellKey(o access.Object, a access.Action) string { return string(o) + "." + string(a) }

// matrixPage is what the matrix template shows.
type matrixPage struct {
	M        service.Matrix
	Role     *service.MatrixRole
	Editable bool
	Grid     []gridRow
	Scopes   []access.Scope
	Pending  int
	Notice   string
	Error    string
	// FieldRules are the chosen role's field rules, per object.
	FieldRules    []ruleGroup
	FieldAccesses []access.FieldAccess
	FieldsNotice  string
	FieldsError   string
}

// gridRow is one action of the editor, with a cell per object: eight rows
// of four selects fit a laptop screen, where four rows of eight do not.
type gridRow struct {
	Action access.Action
	Cells  []gridCell
}

// gridCell is one editor cell: the scope shown, and the role's current one.
type gridCell struct {
	Key        string
	Object     access.Object
	Action     access.Action
	Scope, Was access.Scope
}

// change is one line of the diff shown before applying.
type change struct {
	Object        access.Object
	Action        access.Action
	Before, After access.Scope
}

// previewPage is the confirm step.
type previewPage struct {
	Role    service.MatrixRole
	Changes []change
	Cells   []gridCell // the whole new state, carried in hidden inputs
	Base    string     // fingerprint of the role as the diff was computed
	Notice  string
	Error   string
}

func (c *Console) matrix(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.matrixPage(r, v, r.URL.Query().Get("role"), nil)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") != "" {
		p.Notice = v.T("matrix.saved")
	}
	if r.URL.Query().Get("fields_saved") != "" {
		p.FieldsNotice = v.T("fieldrules.saved")
	}
	c.render(w, v, http.StatusOK, "matrix", p)
	return nil
}

// matrixPage loads the matrix and, when a role is chosen, fills its editor
// with pending cells or, without them, the role's current ones.
func (c *Console) matrixPage(r *http.Request, v *view, key string, pending cells) (*matrixPage, error) {
	m, err := c.svc.PermissionMatrix(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	v.Title = v.T("matrix.title")
	p := &matrixPage{M: m, Scopes: access.Scopes, Editable: v.act.Subject.Can(access.ManageRoles)}
	if key == "" {
		return p, nil
	}
	i := slices.IndexFunc(m.Roles, func(x service.MatrixRole) bool { return x.Key == key })
	if i < 0 {
		return nil, errs.NotVisible("role")
	}
	p.Role = &m.Roles[i]
	for _, a := range m.Actions {
		row := gridRow{Action: a}
		for _, o := range m.Objects {
			k := cellKey(o, a)
			gc := gridCell{Key: k, Object: o, Action: a, Scope: p.Role.Cells[k], Was: p.Role.Cells[k]}
			if sc, ok := pending[k]; ok {
				gc.Scope = sc
			}
			if gc.Scope != gc.Was {
				p.Pending++
			}
			row.Cells = append(row.Cells, gc)
		}
		p.Grid = append(p.Grid, row)
	}
	return p, c.fieldRuleEditor(r, v, p, nil)
}

// postedCells reads the editor's selects. A cell not posted keeps the
// role's current scope; an unknown scope is refused.
func postedCells(f url.Values, current cells) (cells, error) {
	out := cells{}
	for k, sc := range current {
		out[k] = sc
		if s := f.Get("cell." + k); s != "" {
			if !slices.Contains(access.Scopes, access.Scope(s)) {
				return nil, errs.Field("cell."+k, "invalid_value", "unknown scope %q", s)
			}
			out[k] = access.Scope(s)
		}
	}
	return out, nil
}

// fingerprint names a role's cells, so that applying can tell whether the
// role changed after the diff was shown.
func fingerprint(m service.Matrix, cs cells) string {
	h := sha256.New()
	for _, o := range m.Objects {
		for _, a := range m.Actions {
			k := cellKey(o, a)
			h.Write([]byte(k + "=" + string(cs[k]) + ";"))
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// diff lists the cells that differ, in matrix order.
func diff(m service.Matrix, before, after cells) []change {
	var out []change
	for _, o := range m.Objects {
		for _, a := range m.Actions {
			k := cellKey(o, a)
			if before[k] != after[k] {
				out = append(out, change{Object: o, Action: a, Before: before[k], After: after[k]})
			}
		}
	}
	return out
}

// loadRole reads the matrix and the posted role's row.
func (c *Console) loadRole(r *http.Request, v *view) (service.Matrix, service.MatrixRole, error) {
	m, err := c.svc.PermissionMatrix(r.Context(), v.act)
	if err != nil {
		return m, service.MatrixRole{}, err
	}
	key := r.PostForm.Get("role")
	i := slices.IndexFunc(m.Roles, func(x service.MatrixRole) bool { return x.Key == key })
	if i < 0 {
		return m, service.MatrixRole{}, errs.NotVisible("role")
	}
	return m, m.Roles[i], nil
}

func (c *Console) matrixPreview(w http.ResponseWriter, r *http.Request, v *view) error {
	m, role, err := c.loadRole(r, v)
	if err != nil {
		return err
	}
	next, err := postedCells(r.PostForm, role.Cells)
	if err != nil {
		return err
	}
	return c.preview(w, r, v, m, role, next, "")
}

// preview shows the diff and asks for confirmation, or goes back to the
// editor when nothing would change.
func (c *Console) preview(w http.ResponseWriter, r *http.Request, v *view, m service.Matrix, role service.MatrixRole, next cells, notice string) error {
	if len(diff(m, role.Cells, next)) == 0 {
		p, err := c.matrixPage(r, v, role.Key, nil)
		if err != nil {
			return err
		}
		p.Notice = v.T("matrix.nochange")
		c.render(w, v, http.StatusOK, "matrix", p)
		return nil
	}
	p := previewOf(m, role, next)
	p.Notice = notice
	v.Title = v.Tf("matrix.confirm", role.Name)
	c.render(w, v, http.StatusOK, "preview", p)
	return nil
}

func previewOf(m service.Matrix, role service.MatrixRole, next cells) previewPage {
	p := previewPage{Role: role, Changes: diff(m, role.Cells, next), Base: fingerprint(m, role.Cells)}
	for _, o := range m.Objects {
		for _, a := range m.Actions {
			k := cellKey(o, a)
			p.Cells = append(p.Cells, gridCell{Key: k, Object: o, Action: a, Scope: next[k]})
		}
	}
	return p
}

// matrixApply applies a confirmed diff, or takes it back to the editor.
// If the role changed since the diff was shown, the diff is shown again
// against the role as it is now, so nobody confirms what they did not see.
func (c *Console) matrixApply(w http.ResponseWriter, r *http.Request, v *view) error {
	m, role, err := c.loadRole(r, v)
	if err != nil {
		return err
	}
	next, err := postedCells(r.PostForm, role.Cells)
	if err != nil {
		return err
	}
	if r.PostForm.Get("do") == "edit" {
		p, err := c.matrixPage(r, v, role.Key, next)
		if err != nil {
			return err
		}
		c.render(w, v, http.StatusOK, "matrix", p)
		return nil
	}
	if r.PostForm.Get("base") != fingerprint(m, role.Cells) {
		return c.preview(w, r, v, m, role, next, v.T("matrix.stale"))
	}
	var perms []access.Permission
	for _, o := range m.Objects {
		for _, a := range m.Actions {
			if sc := next[cellKey(o, a)]; sc != access.None {
				perms = append(perms, access.Permission{Object: o, Action: a, Scope: sc})
			}
		}
	}
	if _, err := c.svc.SaveRole(r.Context(), v.act, role.Key, service.RoleInput{Permissions: &perms}); err != nil {
		status, fe, ok := c.formError(r, v, err)
		if !ok {
			return err
		}
		p := previewOf(m, role, next)
		p.Error = fe.Message
		v.Title = v.Tf("matrix.confirm", role.Name)
		c.render(w, v, status, "preview", p)
		return nil
	}
	http.Redirect(w, r, "/matrix?"+url.Values{"role": {role.Key}, "saved": {"1"}}.Encode(), http.StatusSeeOther)
	return nil
}
