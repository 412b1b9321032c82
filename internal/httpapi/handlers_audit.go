package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"steward/internal/audit"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

var auditParams = []Param{
	{"limit", "integer", "page size, 1-1000 (default 100)"},
	{"cursor", "string", "next_cursor of the previous page"},
	{"actor_id", "integer", "who acted"},
	{"action", "string", "an action such as role.grant, or a prefix ending in a dot such as role."},
	{"target_type", "string", "customer, user, role, ..."},
	{"target_id", "string", "the target's id"},
	{"outcome", "string", "success, denied or failure"},
	{"from", "string", "RFC 3339 time, inclusive"},
	{"to", "string", "RFC 3339 time, exclusive"},
	{"format", "string", "json (default), jsonl or csv"},
}

// PublicKey is the published key that audit checkpoints are signed with.
type PublicKey struct {
	KeyID     string `json:"key_id"`
	Algorithm string `json:"algorithm"`
	PublicKey string `json:"public_key"` // base64
}

// auditQuery reads the trail's filters; allowed lists any extra parameter.
func auditQuery(r *http.Request, allowed ...string) (store.AuditQuery, string, error) {
	q := store.AuditQuery{Limit: 100}
	v, err := query(r)
	if err != nil {
		return q, "", err
	}
	format := ""
	for k, vals := range v {
		if len(vals) != 1 {
			return q, "", errs.Field(k, "invalid_parameter", "%s may be given once", k)
		}
		val := vals[0]
		switch k {
		case "limit":
			if q.Limit, err = strconv.Atoi(val); err != nil || q.Limit < 1 || q.Limit > 1000 {
				return q, "", errs.Field("limit", "invalid_parameter", "limit must be a number from 1 to 1000")
			}
		case "cursor":
			if q.Before, err = strconv.ParseInt(val, 10, 64); err != nil || q.Before <= 0 {
				return q, "", errs.Field("cursor", "invalid_cursor", "cursor is not one this list gave out")
			}
		case "actor_id":
			if q.ActorID, err = strconv.ParseInt(val, 10, 64); err != nil {
				return q, "", errs.Field("actor_id", "invalid_parameter", "actor_id must be a user id")
			}
		case "action", "target_type", "target_id", "outcome":
			if len(val) > 100 {
				return q, "", errs.Field(k, "too_long", "%s is too long", k)
			}
			*map[string]*string{"action": &q.Action, "target_type": &q.TargetType, "target_id": &q.TargetID, "outcome": &q.Outcome}[k] = val
		case "from", "to":
			t, err := time.Parse(time.RFC3339, val)
			if err != nil {
				return q, "", errs.Field(k, "invalid_time", "%s must be an RFC 3339 time", k)
			}
			if k == "from" {
				q.From = &t
			} else {
				q.To = &t
			}
		default:
			if !contains(allowed, k) {
				return q, "", errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
			}
			format = val
		}
	}
	if format != "" && format != "json" && format != "jsonl" && format != "csv" {
		return q, "", errs.Field("format", "invalid_parameter", "format must be json, jsonl or csv")
	}
	return q, format, nil
}

// auditPage turns entries into a page, or a JSON Lines or CSV file for SIEM tools.
func (a *API) auditPage(r *http.Request, act *service.Actor, entries []audit.Entry, limit int, format string) (any, error) {
	switch format {
	case "jsonl":
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return nil, err
			}
		}
		if err := a.svc.RecordFile(r.Context(), act, "audit-jsonl", len(entries), b.Bytes()); err != nil {
			return nil, err
		}
		return csvFile{name: "audit.jsonl", data: b.Bytes(), contentType: jsonlType}, nil
	case "csv":
		header := []string{"seq", "at", "actor_type", "actor_id", "session_id", "source_ip", "action", "target_type", "target_id", "outcome", "details", "request_id", "hash"}
		var rows [][]string
		for _, e := range entries {
			rows = append(rows, []string{strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339Nano), e.ActorType, strconv.FormatInt(e.ActorID, 10),
				strconv.FormatInt(e.SessionID, 10), e.SourceIP, e.Action, e.TargetType, e.TargetID, e.Outcome, string(e.Details), e.RequestID, e.Hash})
		}
		data, err := a.svc.CSVFile(r.Context(), act, "audit", header, rows)
		return csvFile{name: "audit.csv", data: data}, err
	}
	return pageOf(entries, limit, func(e audit.Entry) int64 { return e.Seq }), nil
}

func (a *API) auditEvents(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	q, format, err := auditQuery(r, "format")
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	q.Limit++
	entries, err := a.svc.AuditEvents(r.Context(), act, q)
	if err != nil {
		return nil, err
	}
	return a.auditPage(r, act, entries, limit, format)
}

func (a *API) auditVerify(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	return a.svc.VerifyOwnAudit(r.Context(), act)
}

func (a *API) auditPublicKey(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if a.svc.Signer == nil {
		return nil, errs.E(errs.Conflict, "no_audit_key", "no audit signing key is configured")
	}
	pub := a.svc.Signer.Public()
	return PublicKey{KeyID: audit.KeyID(pub), Algorithm: "Ed25519", PublicKey: base64.StdEncoding.EncodeToString(pub)}, nil
}

func (a *API) permissionHistory(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	q, _, err := auditQuery(r)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	q.Limit++
	entries, err := a.svc.PermissionHistory(r.Context(), act, id, q)
	return pageOf(entries, limit, func(e audit.Entry) int64 { return e.Seq }), err
}

func (a *API) accessHistory(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	q, _, err := auditQuery(r)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	q.Limit++
	entries, err := a.svc.AccessHistory(r.Context(), act, id, q)
	return pageOf(entries, limit, func(e audit.Entry) int64 { return e.Seq }), err
}

func (a *API) accessAt(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := onlyParams(r, "at")
	if err != nil {
		return nil, err
	}
	if len(v["at"]) == 0 {
		return nil, errs.Field("at", "field_required", "at is required: the moment to answer for, an RFC 3339 time")
	}
	at, err := time.Parse(time.RFC3339, v["at"][0])
	if err != nil {
		return nil, errs.Field("at", "invalid_time", "at must be an RFC 3339 time")
	}
	return a.svc.AccessAt(r.Context(), act, id, at)
}
