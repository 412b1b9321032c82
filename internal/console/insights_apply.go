package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
)

// A proposal is previewed first, then applied, as a move is: Preview
// posts it to ApplyProposal with preview (made and rolled back, so the
// answer is the result), and the preview's Apply posts the same fields
// again without. A proposal travels as form fields: kind, user_id, role,
// and for a narrowing each cell as "object.action:scope" and each function
// by name. Removing a role needs manage_users, narrowing one manage_roles
// and a recent sign-in (the step-up flow redoes it); the lists offer
// Preview only to those who hold what the proposal needs.

// proposalRow is one proposal as the lists show it.
type proposalRow struct {
	Kind, Why, What string
	Certain         bool
	Unknown         []string
	Holders         int
	// Fields are the proposal as the preview form posts it; empty when the
	// user may not apply it.
	Fields []hidden
}

func proposalRowOf(v *view, d *directory, p service.Proposal) proposalRow {
	row := proposalRow{Kind: p.Apply.Kind, Why: p.Why, Certain: p.Certain, Unknown: p.Unknown, Holders: p.Holders,
		What: proposalText(v, d, p.Apply)}
	need := access.ManageUsers
	if p.Apply.Kind == service.ProposeNarrowRole {
		need = access.ManageRoles
	}
	if v.can(need) {
		row.Fields = proposalFields(p.Apply)
	}
	return row
}

// proposalText says what a proposal does, in words.
func proposalText(v *view, d *directory, in service.ProposalInput) string {
	if in.Kind == service.ProposeRemoveRole {
		return v.Tf("in.prop.remove", d.roleName(in.Role), d.userName(in.UserID))
	}
	var parts []string
	for _, c := range in.Cells {
		parts = append(parts, string(c.Object)+"."+string(c.Action)+" → "+v.T("scope."+string(c.Scope)))
	}
	for _, f := range in.Functions {
		parts = append(parts, string(f))
	}
	return v.Tf("in.prop.narrow", d.roleName(in.Role), strings.Join(parts, ", "))
}

// proposalFields are a proposal as form fields.
func proposalFields(in service.ProposalInput) []hidden {
	out := []hidden{{Name: "kind", Value: in.Kind}, {Name: "role", Value: in.Role}}
	if in.UserID != 0 {
		out = append(out, hidden{Name: "user_id", Value: strconv.FormatInt(in.UserID, 10)})
	}
	for _, c := range in.Cells {
		out = append(out, hidden{Name: "cell", Value: string(c.Object) + "." + string(c.Action) + ":" + string(c.Scope)})
	}
	for _, f := range in.Functions {
		out = append(out, hidden{Name: "function", Value: string(f)})
	}
	return out
}

// proposalInput reads a proposal from the form's fields.
func proposalInput(form url.Values) (service.ProposalInput, error) {
	in := service.ProposalInput{Kind: form.Get("kind"), Role: form.Get("role")}
	var err error
	if in.UserID, err = optionalID("user_id", form.Get("user_id")); err != nil {
		return in, err
	}
	for i, s := range form["cell"] {
		cell, scope, ok1 := strings.Cut(s, ":")
		obj, act, ok2 := strings.Cut(cell, ".")
		if !ok1 || !ok2 {
			return in, errs.Field("cells["+strconv.Itoa(i)+"]", "invalid_value", "a cell is object.action:scope")
		}
		in.Cells = append(in.Cells, access.Permission{Object: access.Object(obj), Action: access.Action(act), Scope: access.Scope(scope)})
	}
	for _, f := range form["function"] {
		in.Functions = append(in.Functions, access.Function(f))
	}
	return in, nil
}

// proposalPage is what the insight_proposal template shows.
type proposalPage struct {
	What    string
	Done    bool
	Error   string
	Result  *service.ProposalResult
	Grants  []grantChangeRow
	Changes []changeRow
	Apply   form
}

// grantChangeRow is how one user's grants change.
type grantChangeRow struct {
	UserID        int64
	Name          string
	Cells         []string
	FunctionsLost string
	Fields        []string
}

func (c *Console) previewProposal(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.postProposal(w, r, v, true)
}

func (c *Console) applyProposal(w http.ResponseWriter, r *http.Request, v *view) error {
	return c.postProposal(w, r, v, false)
}

// postProposal previews or applies the posted proposal and shows what it
// does (or did); a refusal is shown above it, nothing changed.
func (c *Console) postProposal(w http.ResponseWriter, r *http.Request, v *view, preview bool) error {
	if err := needAny(v, access.ManageUsers, access.ManageRoles); err != nil {
		return err
	}
	in, err := proposalInput(r.PostForm)
	var res service.ProposalResult
	if err == nil {
		res, err = c.svc.ApplyProposal(r.Context(), v.act, in, preview)
	}
	d, derr := c.loadDirectory(r.Context(), v.act)
	if derr != nil {
		return derr
	}
	p := &proposalPage{What: proposalText(v, d, in)}
	status := http.StatusOK
	if err != nil {
		var fe *fieldErr
		var ok bool
		if status, fe, ok = c.formError(r, v, err); !ok {
			return err
		}
		p.Error = fe.Message
	} else {
		p.Result, p.Done = &res, !preview
		for _, g := range res.Grants {
			p.Grants = append(p.Grants, grantChangeRowOf(v, g))
		}
		for _, ch := range res.AccessChanges {
			p.Changes = append(p.Changes, changeRowOf(v, ch))
		}
		if preview {
			p.Apply = form{Action: "/insights/proposals/apply", Submit: v.T("lc.apply"), Prefix: "apply-", Hidden: proposalFields(in)}
		}
	}
	v.Title = v.T("in.prop.title")
	c.render(w, v, status, "insight_proposal", p)
	return nil
}

func grantChangeRowOf(v *view, g service.GrantChange) grantChangeRow {
	row := grantChangeRow{UserID: g.UserID, Name: g.Name}
	scopes := func(ss []access.Scope) string {
		if len(ss) == 0 {
			return v.T("scope.none")
		}
		var out []string
		for _, s := range ss {
			out = append(out, v.T("scope."+string(s)))
		}
		return strings.Join(out, " + ")
	}
	for _, c := range g.Cells {
		row.Cells = append(row.Cells, string(c.Object)+"."+string(c.Action)+": "+scopes(c.Before)+" → "+scopes(c.After))
	}
	var fns []string
	for _, f := range g.FunctionsLost {
		fns = append(fns, string(f))
	}
	row.FunctionsLost = strings.Join(fns, ", ")
	for _, f := range g.Fields {
		row.Fields = append(row.Fields, string(f.Object)+"."+f.Field+": "+f.Before+" → "+f.After)
	}
	return row
}
