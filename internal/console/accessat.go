package console

import (
	"context"
	"net/http"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// accessAtPage answers "who could see this customer at that moment, and
// why" from the audit trail (docs/access-at.md), for holders of view_audit.
type accessAtPage struct {
	ID      int64
	At      string // as the form shows it, UTC
	Asked   bool
	Answer  service.AccessAt
	Actions []access.Action
	Names   map[int64]string // users and departments, by id
	Depts   map[int64]string
	Error   string
}

// accessAtForm is the layout of the form's datetime-local field, in UTC
// (a browser leaves the seconds out when they are zero).
const accessAtForm = "2006-01-02T15:04:05"

func (c *Console) accessAt(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if !v.act.Subject.Can(access.ViewAudit) {
		return errs.E(errs.Forbidden, "forbidden", "access at an earlier moment needs view_audit")
	}
	ctx := r.Context()
	p := accessAtPage{ID: id, At: r.URL.Query().Get("at"), Actions: []access.Action{access.View, access.Edit, access.Delete,
		access.Transfer, access.Share, access.Export}}
	status := http.StatusOK
	if p.At != "" {
		at, perr := parseAccessAt(p.At)
		if perr == nil {
			p.Answer, perr = c.svc.AccessAt(ctx, v.act, id, at)
		}
		switch k := errs.KindOf(perr); {
		case perr == nil:
			p.Asked, p.At = true, at.UTC().Format(accessAtForm)
		case k == errs.Invalid:
			status, p.Error = http.StatusBadRequest, v.lang.errText(errs.As(perr))
		default:
			return perr
		}
	}
	if p.Names, p.Depts, err = c.directoryNames(ctx, v); err != nil {
		return err
	}
	v.Title = v.T("accessat.title")
	c.render(w, v, status, "accessat", p)
	return nil
}

// parseAccessAt reads the form's UTC time, or an RFC 3339 one.
func parseAccessAt(s string) (time.Time, error) {
	for _, layout := range []string{accessAtForm, "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, errs.Field("at", "invalid_time", "at must be a time such as 2026-05-01T09:30")
	}
	return t, nil
}

// directoryNames names the tenant's users (the first userChoices) and
// departments, for a page that lists ids.
func (c *Console) directoryNames(ctx context.Context, v *view) (map[int64]string, map[int64]string, error) {
	users, err := c.svc.Users(ctx, v.act, store.UserPage{Limit: userChoices})
	if err != nil {
		return nil, nil, err
	}
	depts, err := c.svc.Departments(ctx, v.act)
	names, dnames := map[int64]string{}, map[int64]string{}
	for _, u := range users {
		names[u.ID] = strings.TrimSpace(u.Name + " · " + u.Email)
	}
	for _, d := range depts {
		dnames[d.ID] = d.Name
	}
	return names, dnames, err
}
