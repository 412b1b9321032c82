package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

func (a *API) permissionMatrix(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	format := v.Get("format")
	for k := range v {
		if k != "format" {
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	if format != "" && format != "json" && format != "csv" {
		return nil, errs.Field("format", "invalid_parameter", "format must be json or csv")
	}
	m, err := a.svc.PermissionMatrix(r.Context(), act)
	if err != nil || format != "csv" {
		return m, err
	}
	header := []string{"role", "name"}
	for _, o := range m.Objects {
		for _, ac := range m.Actions {
			header = append(header, string(o)+"."+string(ac))
		}
	}
	header = append(header, "functions")
	var rows [][]string
	for _, role := range m.Roles {
		row := []string{role.Key, role.Name}
		for _, col := range header[2 : len(header)-1] {
			row = append(row, string(role.Cells[col]))
		}
		fns := make([]string, len(role.Functions))
		for i, f := range role.Functions {
			fns[i] = string(f)
		}
		rows = append(rows, append(row, strings.Join(fns, " ")))
	}
	data, err := a.svc.CSVFile(r.Context(), act, "permission-matrix", header, rows)
	return csvFile{name: "permission-matrix.csv", data: data}, err
}

func (a *API) listTeam(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	gs, err := a.svc.TeamMembers(r.Context(), act, id)
	return service.Page[store.Grant]{Items: gs}, err
}

func (a *API) addTeamMember(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.TeamInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.AddTeamMember(r.Context(), act, id, in)
}

func (a *API) removeTeamMember(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	uid, err := pathID(r, "user_id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.RemoveTeamMember(r.Context(), act, id, uid)
}

func (a *API) listShares(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	gs, err := a.svc.Shares(r.Context(), act, id)
	return service.Page[store.Grant]{Items: gs}, err
}

func (a *API) addShare(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.ShareInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.AddShare(r.Context(), act, id, in)
}

func (a *API) removeShare(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	sid, err := pathID(r, "share_id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.RemoveShare(r.Context(), act, id, sid)
}

func (a *API) listSharingRules(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	rs, err := a.svc.SharingRules(r.Context(), act)
	return service.Page[store.StoredSharingRule]{Items: rs}, err
}

func (a *API) createSharingRule(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.SharingRuleInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveSharingRule(r.Context(), act, 0, in)
}

func (a *API) replaceSharingRule(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.SharingRuleInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveSharingRule(r.Context(), act, id, in)
}

func (a *API) deleteSharingRule(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteSharingRule(r.Context(), act, id)
}

func (a *API) listRestrictions(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	rs, err := a.svc.RestrictionRules(r.Context(), act)
	return service.Page[store.StoredRestriction]{Items: rs}, err
}

func (a *API) createRestriction(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.RestrictionInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveRestriction(r.Context(), act, 0, in)
}

func (a *API) replaceRestriction(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.RestrictionInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveRestriction(r.Context(), act, id, in)
}

func (a *API) deleteRestriction(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteRestriction(r.Context(), act, id)
}

func (a *API) listPools(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	ps, err := a.svc.Pools(r.Context(), act)
	return service.Page[store.StoredPool]{Items: ps}, err
}

func (a *API) createPool(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.PoolInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SavePool(r.Context(), act, 0, in)
}

func (a *API) replacePool(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.PoolInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SavePool(r.Context(), act, id, in)
}

func (a *API) deletePool(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeletePool(r.Context(), act, id)
}

func (a *API) poolCustomers(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	q, err := service.CustomerList(v)
	if err != nil {
		return nil, err
	}
	return a.svc.PoolCustomers(r.Context(), act, id, q)
}

func (a *API) claim(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.ClaimRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.Claim(r.Context(), act, id, in)
}

func (a *API) returnCustomer(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.ReturnRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.Return(r.Context(), act, id, in)
}

func (a *API) explain(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	var uid int64
	for k, vals := range v {
		if k != "user_id" || len(vals) != 1 {
			return nil, errs.Field(k, "invalid_parameter", "the only parameter is user_id, once")
		}
		if uid, err = strconv.ParseInt(vals[0], 10, 64); err != nil || uid <= 0 {
			return nil, errs.Field("user_id", "invalid_parameter", "user_id must be a user id")
		}
	}
	return a.svc.Explain(r.Context(), act, id, uid)
}

func (a *API) effectivePermissions(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.EffectivePermissions(r.Context(), act, id)
}
