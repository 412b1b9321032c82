package console

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/errs"
	"steward/internal/store"
)

// The audit page is the trail for holders of view_audit: filters on actor,
// action, target, outcome and days, newest first with a cursor, and the
// result of verifying the chain and its signed checkpoints. Reading it is
// itself recorded by service.AuditEvents.

// auditPageSize is how many entries one page shows.
const auditPageSize = 50

// auditActions are suggestions for the action filter; any action, or a
// prefix ending in a dot, may be typed.
var auditActions = []string{"share.", "share.add", "share.remove", "team.", "role.grant", "role.revoke", "role.",
	"customer.claim", "customer.return", "customer.", "user.", "department.", "sharing_rule.", "restriction_rule.",
	"pool.", "auth.", "access.denied", "audit.read", "access_request."}

// auditOutcomes and auditTargets are the filter's fixed choices.
var (
	auditOutcomes = []string{audit.Success, audit.Denied, audit.Failure}
	auditTargets  = []string{"customer", "user", "role", "department", "group", "pool", "sharing_rule", "restriction_rule", "operation", "session", "audit", "access_request"}
)

// auditFilter is the filter form's values, as given.
type auditFilter struct {
	Actor, Action, TargetType, TargetID, Outcome, From, To string
}

// auditView is what the audit template shows.
type auditView struct {
	F                 auditFilter
	Users             []option
	Actions           []string
	Outcomes, Targets []string
	Rows              []entryRow
	NextURL, FirstURL string
	Paged, Filtered   bool
	Error, ErrorField string
	Verify            *audit.Report
	VerifyError       string
}

// entryRow is one audit entry as a row.
type entryRow struct {
	Seq       int64
	At        time.Time
	Actor     string
	Action    string
	Target    string
	TargetURL string
	Outcome   string
	Details   []detail
	RequestID string
}

// detail is one top-level field of an entry's details.
type detail struct{ Key, Value string }

// detailsOf lists an entry's details field by field, nested values as
// compact JSON; empty values are left out.
func detailsOf(raw json.RawMessage) []detail {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		if len(raw) == 0 || string(raw) == "{}" {
			return nil
		}
		return []detail{{Value: string(raw)}}
	}
	var out []detail
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := string(m[k])
		var str string
		switch {
		case v == "null" || v == `""` || v == "[]" || v == "{}":
			continue
		case json.Unmarshal(m[k], &str) == nil:
			v = str
		}
		out = append(out, detail{Key: k, Value: v})
	}
	return out
}

// entryTable is what the "entries" template draws.
type entryTable struct {
	V    *view
	Rows []entryRow
	ID   string
}

func (c *Console) auditLog(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := need(v, access.ViewAudit); err != nil {
		return err
	}
	ctx := r.Context()
	in := r.URL.Query()
	p := &auditView{F: auditFilter{Actor: in.Get("actor"), Action: in.Get("action"), TargetType: in.Get("target_type"),
		TargetID: in.Get("target_id"), Outcome: in.Get("outcome"), From: in.Get("from"), To: in.Get("to")},
		Actions: auditActions, Outcomes: auditOutcomes, Targets: auditTargets, Paged: in.Get("cursor") != ""}
	p.Filtered = p.F != auditFilter{}
	v.Title = v.T("audit.title")
	d, err := c.loadDirectory(ctx, v.act)
	if err != nil {
		return err
	}
	p.Users = d.userOptions(0)
	status := http.StatusOK
	q, err := auditQueryOf(p.F, in.Get("cursor"))
	if err == nil {
		err = c.fillEntries(r, v, d, q, p)
	}
	if errs.KindOf(err) == errs.Invalid {
		e := errs.As(err)
		status, p.Error, p.ErrorField, err = http.StatusBadRequest, v.lang.errText(e), e.Field, nil
	}
	if err != nil {
		return err
	}
	// Verifying reads the whole trail, so it runs when asked for.
	if in.Get("verify") == "" {
		c.render(w, v, status, "audit", p)
		return nil
	}
	rep, err := c.svc.VerifyOwnAudit(ctx, v.act)
	switch {
	case err == nil:
		p.Verify = &rep
	case errs.KindOf(err) == errs.Conflict:
		p.VerifyError = v.lang.errText(errs.As(err))
	default:
		return err
	}
	c.render(w, v, status, "audit", p)
	return nil
}

// auditQueryOf turns the filter form into the store's query. Days are
// whole UTC days: from the start of From to the end of To.
func auditQueryOf(f auditFilter, cursor string) (store.AuditQuery, error) {
	q := store.AuditQuery{Limit: auditPageSize + 1, Action: strings.TrimSpace(f.Action), TargetType: f.TargetType,
		TargetID: strings.TrimSpace(f.TargetID), Outcome: f.Outcome}
	var err error
	if f.Actor != "" {
		if q.ActorID, err = strconv.ParseInt(f.Actor, 10, 64); err != nil || q.ActorID <= 0 {
			return q, errs.Field("actor", "invalid_parameter", "actor must be a user")
		}
	}
	for name, s := range map[string]string{"action": q.Action, "target_id": q.TargetID} {
		if len(s) > 100 {
			return q, errs.Field(name, "too_long", "%s is too long", name)
		}
	}
	if f.From != "" {
		t, err := time.Parse("2006-01-02", f.From)
		if err != nil {
			return q, errs.Field("from", "invalid_time", "from must be a date such as 2026-01-31")
		}
		q.From = &t
	}
	if q.To, err = parseDate("to", f.To); err != nil {
		return q, err
	}
	if cursor != "" {
		if q.Before, err = strconv.ParseInt(cursor, 10, 64); err != nil || q.Before <= 0 {
			return q, errs.Field("cursor", "invalid_cursor", "cursor is not one this list gave out")
		}
	}
	return q, nil
}

// fillEntries reads one page of the trail and the link to the next.
func (c *Console) fillEntries(r *http.Request, v *view, d *directory, q store.AuditQuery, p *auditView) error {
	entries, err := c.svc.AuditEvents(r.Context(), v.act, q)
	if err != nil {
		return err
	}
	vals := url.Values{}
	for k, s := range map[string]string{"actor": p.F.Actor, "action": p.F.Action, "target_type": p.F.TargetType,
		"target_id": p.F.TargetID, "outcome": p.F.Outcome, "from": p.F.From, "to": p.F.To} {
		if s != "" {
			vals.Set(k, s)
		}
	}
	p.FirstURL = "/audit"
	if len(vals) > 0 {
		p.FirstURL += "?" + vals.Encode()
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		vals.Set("cursor", strconv.FormatInt(entries[auditPageSize-1].Seq, 10))
		p.NextURL = "/audit?" + vals.Encode()
	}
	p.Rows = entryRows(v, d, entries)
	return nil
}

// entryRows describes entries for people: actors by name, targets linked
// where the console has a page for them.
func entryRows(v *view, d *directory, entries []audit.Entry) []entryRow {
	var out []entryRow
	for _, e := range entries {
		row := entryRow{Seq: e.Seq, At: e.At, Action: e.Action, Outcome: e.Outcome, Details: detailsOf(e.Details), RequestID: e.RequestID}
		switch e.ActorType {
		case "user":
			row.Actor = d.userName(e.ActorID)
		default:
			row.Actor = v.Val(e.ActorType)
		}
		if e.TargetType != "" {
			row.Target = v.Val(e.TargetType)
			if e.TargetID != "" {
				row.Target += " #" + e.TargetID
			}
		}
		switch e.TargetType {
		case "customer":
			row.TargetURL = "/customers/" + e.TargetID
		case "user":
			if v.can(access.ManageUsers) {
				row.TargetURL = "/admin/users/" + e.TargetID
			}
		}
		out = append(out, row)
	}
	return out
}
