package console

import (
	"net/http"
	"strconv"

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
	Users        []org.User
	Actions      []access.Action
	Rows         []explainRow
	Error        string
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
		MayAskOthers: v.act.Subject.Can(access.ManageUsers) || v.act.Subject.Can(access.ViewAudit)}
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
	if p.MayAskOthers {
		if p.Users, err = c.svc.Users(ctx, v.act, store.UserPage{Limit: userChoices}); err != nil {
			return err
		}
	}
	v.Title = v.T("explain.title")
	c.render(w, v, status, "explain", p)
	return nil
}

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
