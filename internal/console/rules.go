package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// The rules pages list the tenant's sharing rules (criteria → a principal
// at a level) and restriction rules (criteria → principals who may not see
// matching customers), and show one at a time. service.SharingRules and
// RestrictionRules let holders of manage_sharing or view_audit read them;
// holders of manage_sharing get the editor instead (rulesedit.go).

// ruleRow is a sharing or restriction rule as the pages show it.
type ruleRow struct {
	Kind       string // sharing or restriction
	ID         int64
	Name       string
	Criteria   string
	Principals []string
	Level      access.Level // sharing rules only
	Reason     string
	By         string
	Created    time.Time
	Updated    time.Time
}

// URL is the rule's own page.
func (r ruleRow) URL() string { return "/rules/" + r.Kind + "/" + strconv.FormatInt(r.ID, 10) }

// rulesView is what the rules template shows: the lists, or one rule.
type rulesView struct {
	Sharing, Restrictions []ruleRow
	One                   *ruleRow
	Done                  string
}

func (c *Console) rules(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.loadRules(r, v)
	if err != nil {
		return err
	}
	p.Done = validDone(v, "done.rule.", r.URL.Query().Get("done"), ruleDone)
	v.Title = v.T("rules.title")
	c.render(w, v, http.StatusOK, "rules", p)
	return nil
}

func (c *Console) rule(w http.ResponseWriter, r *http.Request, v *view) error {
	kind := r.PathValue("kind")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || (kind != "sharing" && kind != "restriction") {
		return errs.NotVisible("rule")
	}
	if v.CanEditRules() {
		return c.editRule(w, r, v, kind, id)
	}
	p, err := c.loadRules(r, v)
	if err != nil {
		return err
	}
	list := p.Sharing
	if kind == "restriction" {
		list = p.Restrictions
	}
	for i := range list {
		if list[i].ID == id {
			v.Title = list[i].Name
			c.render(w, v, http.StatusOK, "rules", rulesView{One: &list[i]})
			return nil
		}
	}
	return errs.NotVisible("rule")
}

func (c *Console) loadRules(r *http.Request, v *view) (*rulesView, error) {
	ctx := r.Context()
	sharing, err := c.svc.SharingRules(ctx, v.act)
	if err != nil {
		return nil, err
	}
	restrictions, err := c.svc.RestrictionRules(ctx, v.act)
	if err != nil {
		return nil, err
	}
	d, err := c.loadDirectory(ctx, v.act)
	if err != nil {
		return nil, err
	}
	p := &rulesView{}
	for _, x := range sharing {
		row := ruleRow{Kind: "sharing", ID: x.ID, Name: x.Name, Criteria: v.criteria(x.Criteria), Level: x.Level,
			Principals: []string{d.principal(v, x.Principal)}}
		meta(d, &row, x.RuleMeta)
		p.Sharing = append(p.Sharing, row)
	}
	for _, x := range restrictions {
		row := ruleRow{Kind: "restriction", ID: x.ID, Name: x.Name, Criteria: v.criteria(x.Criteria)}
		for _, pr := range x.Principals {
			row.Principals = append(row.Principals, d.principal(v, pr))
		}
		meta(d, &row, x.RuleMeta)
		p.Restrictions = append(p.Restrictions, row)
	}
	return p, nil
}

func meta(d *directory, row *ruleRow, m store.RuleMeta) {
	row.Reason, row.Created, row.Updated = m.Reason, m.CreatedAt, m.UpdatedAt
	if m.CreatedBy != nil {
		row.By = d.userName(*m.CreatedBy)
	}
}

// criteria writes a rule's criteria as a sentence:
// "level is A and (region is East or region is North)".
func (v *view) criteria(c access.Criteria) string {
	join := func(list []access.Criteria, word string) string {
		parts := make([]string, len(list))
		for i, x := range list {
			parts[i] = v.criteria(x)
			if len(x.All)+len(x.Any) > 1 {
				parts[i] = "(" + parts[i] + ")"
			}
		}
		return strings.Join(parts, " "+v.T(word)+" ")
	}
	switch {
	case c.All != nil:
		return join(c.All, "criteria.and")
	case c.Any != nil:
		return join(c.Any, "criteria.or")
	}
	name := v.T("field." + c.Field)
	switch c.Op {
	case "equals":
		return v.Tf("criteria.equals", name, c.Value)
	case "in":
		return v.Tf("criteria.in", name, strings.Join(c.Values, ", "))
	case "prefix":
		return v.Tf("criteria.prefix", name, c.Value)
	}
	switch {
	case c.Min != "" && c.Max != "":
		return v.Tf("criteria.between", name, c.Min, c.Max)
	case c.Min != "":
		return v.Tf("criteria.min", name, c.Min)
	}
	return v.Tf("criteria.max", name, c.Max)
}
