package console

import (
	"net/http"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// explainPage answers "who can see this customer, and why" for one user:
// a grid of every object and action, then the reasons behind each.
type explainPage struct {
	C            crm.Customer
	Visible      bool // the asker may see the customer itself
	Target       org.User
	Self         bool
	MayAskOthers bool
	MayAudit     bool // may ask who could see it at an earlier moment
	Users        []org.User
	Actions      []access.Action
	Rows         []explainRow
	Fields       []fieldGroup
	Error        string
	History      []entryRow // who was granted or lost access, newest first
	HasHistory   bool       // the asker may read the customer's access history
}

// fieldGroup is one object's fields in the explanation.
type fieldGroup struct {
	Object access.Object
	Rows   []fieldRow
}

// fieldRow is one field of the explanation: the user's access to it and
// the roles that gave it.
type fieldRow struct {
	access.FieldDecision
	Label string
	Given []string // the roles with how each gave it, in words
}

type explainRow struct {
	Object    access.Object
	Decisions []access.Decision
}

// userChoices caps the user picker; a larger tenant types the id.
const userChoices = 500

func (c *Console) explain(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	p := explainPage{C: crm.Customer{ID: id}, Actions: access.Actions, Self: true, Target: v.act.User,
		MayAskOthers: v.act.Subject.Can(access.ManageUsers) || v.act.Subject.Can(access.ViewAudit), MayAudit: v.act.Subject.Can(access.ViewAudit)}
	// Holders of manage_users or view_audit may ask about a customer they
	// cannot see themselves; the page then shows only its id.
	if cu, err := c.svc.Customer(ctx, v.act, id); err == nil {
		p.C, p.Visible = cu, true
	} else if errs.KindOf(err) != errs.NotFound {
		return err
	}
	status := http.StatusOK
	userID, err := explainTarget(r)
	if err != nil {
		status, p.Error, userID = http.StatusBadRequest, v.lang.errText(errs.As(err)), 0
	}
	ex, err := c.svc.Explain(ctx, v.act, id, userID)
	if errs.KindOf(err) == errs.Invalid && userID != 0 {
		status, p.Error = http.StatusBadRequest, v.lang.errText(errs.As(err))
		ex, err = c.svc.Explain(ctx, v.act, id, 0)
	}
	if err != nil {
		return err
	}
	if ex.UserID != v.act.UserID {
		p.Self = false
		if p.Target, err = c.svc.User(ctx, v.act, ex.UserID); err != nil {
			return err
		}
	}
	for _, o := range access.Objects {
		row := explainRow{Object: o}
		for _, d := range ex.Decisions {
			if d.Object == o {
				row.Decisions = append(row.Decisions, d)
			}
		}
		p.Rows = append(p.Rows, row)
	}
	for _, d := range ex.Fields { // in object order, as the service lists them
		if n := len(p.Fields); n == 0 || p.Fields[n-1].Object != d.Object {
			p.Fields = append(p.Fields, fieldGroup{Object: d.Object})
		}
		g := &p.Fields[len(p.Fields)-1]
		g.Rows = append(g.Rows, fieldRow{FieldDecision: d, Label: v.Label(d.Object, d.Field), Given: v.givenBy(d.Roles)})
	}
	if p.MayAskOthers {
		if p.Users, err = c.svc.Users(ctx, v.act, store.UserPage{Limit: userChoices}); err != nil {
			return err
		}
	}
	// The customer's access history, for view_audit holders and those who
	// may share it (the service decides; anyone else simply has none shown).
	hist, err := c.svc.AccessHistory(ctx, v.act, id, store.AuditQuery{Limit: historyRows})
	switch k := errs.KindOf(err); {
	case err == nil:
		d, err := c.loadDirectory(ctx, v.act)
		if err != nil {
			return err
		}
		p.History, p.HasHistory = entryRows(v, d, hist), true
	case k != errs.Forbidden && k != errs.NotFound:
		return err
	}
	v.Title = v.T("explain.title")
	c.render(w, v, status, "explain", p)
	return nil
}

// historyRows is how much of a customer's access history the page shows;
// the audit page has the rest.
const historyRows = 50

// explainTarget reads the optional user_id; none means the asker.
func explainTarget(r *http.Request) (int64, error) {
	s := r.URL.Query().Get("user_id")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.Field("user_id", "invalid_parameter", "user_id must be a user id")
	}
	return n, nil
}

// Reason describes one grant path in words: the source, and its role and
// scope or its level.
func (v *view) Reason(r access.Reason) string {
	src := v.T("source." + r.Source)
	switch {
	case r.Source == "role":
		return v.Tf("explain.role", r.Role, v.T("scope."+string(r.Scope)))
	case r.Level != "":
		return v.Tf("explain.level", src, v.T("level."+string(r.Level)))
	}
	return src
}

// givenBy describes the roles behind a field decision: the engine writes
// each as "role_key:how" (a field rule, an all-fields rule, a default),
// and "pool:..." where a pool masks the field until the customer is claimed.
func (v *view) givenBy(roles []string) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		who, how, ok := strings.Cut(r, ":")
		if !ok {
			out = append(out, r)
			continue
		}
		if _, known := messages["fieldsrc."+how]; known {
			how = v.T("fieldsrc." + how)
		}
		switch who {
		case "(no role)":
			who = v.T("fieldsrc.norole")
		case "pool":
			who = v.T("source.pool")
		}
		out = append(out, who+" · "+how)
	}
	return out
}
