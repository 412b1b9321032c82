package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
)

func (a *API) login(w http.ResponseWriter, r *http.Request, _ *service.Actor) (any, error) {
	var in LoginRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.Login(r.Context(), in.Tenant, in.Email, in.Password)
}

func (a *API) logout(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return nil, a.svc.Logout(r.Context(), act)
}

func (a *API) me(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.svc.WhoAmI(r.Context(), act)
}

// idPage reads the limit and cursor of an id-ordered list; allowed names the
// other parameters the route accepts.
func idPage(r *http.Request, allowed ...string) (after int64, limit int, err error) {
	limit = 50
	q, err := query(r)
	if err != nil {
		return 0, 0, err
	}
	for k, v := range q {
		if len(v) != 1 {
			return 0, 0, errs.Field(k, "invalid_parameter", "%s may be given once", k)
		}
		switch k {
		case "limit":
			if limit, err = strconv.Atoi(v[0]); err != nil || limit < 1 || limit > 200 {
				return 0, 0, errs.Field("limit", "invalid_parameter", "limit must be a number from 1 to 200")
			}
		case "cursor":
			if after, err = strconv.ParseInt(v[0], 10, 64); err != nil || after < 0 {
				return 0, 0, errs.Field("cursor", "invalid_cursor", "cursor is not one this list gave out")
			}
		default:
			if !contains(allowed, k) {
				return 0, 0, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
			}
			if err := fieldcheck.Text(k, v[0], 200, false); err != nil {
				return 0, 0, err
			}
		}
	}
	return after, limit, nil
}

// pageOf cuts one extra fetched item off and turns it into a cursor.
func pageOf[T any](items []T, limit int, id func(T) int64) service.Page[T] {
	p := service.Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(items) > limit {
		p.Items = items[:limit]
		c := strconv.FormatInt(id(items[limit-1]), 10)
		p.NextCursor = &c
	}
	return p
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// query parses the query string strictly: a malformed one (such as one
// with a semicolon) is refused rather than silently dropped.
func query(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errs.E(errs.Invalid, "invalid_query", "the query string is malformed")
	}
	return v, nil
}

func noParams(r *http.Request) error {
	v, err := query(r)
	if err != nil {
		return err
	}
	for k := range v {
		return errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
	}
	return nil
}

func (a *API) listDepartments(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	ds, err := a.svc.Departments(r.Context(), act)
	return service.Page[org.Department]{Items: ds}, err
}

func (a *API) createDepartment(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in org.DepartmentInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateDepartment(r.Context(), act, in)
}

func (a *API) getDepartment(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.Department(r.Context(), act, id)
}

func (a *API) updateDepartment(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in org.DepartmentInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateDepartment(r.Context(), act, id, in)
}

func (a *API) deleteDepartment(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteDepartment(r.Context(), act, id)
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	after, limit, err := idPage(r, "q")
	if err != nil {
		return nil, err
	}
	us, err := a.svc.Users(r.Context(), act, store.UserPage{After: after, Limit: limit + 1, Query: strings.TrimSpace(r.URL.Query().Get("q"))})
	return pageOf(us, limit, func(u org.User) int64 { return u.ID }), err
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in org.UserInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateUser(r.Context(), act, in)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.User(r.Context(), act, id)
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in org.UserInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateUser(r.Context(), act, id, in)
}

func (a *API) listAssignments(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	as, err := a.svc.Assignments(r.Context(), act, id)
	return service.Page[store.Assignment]{Items: as}, err
}

func (a *API) grantRole(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.RoleGrant
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := a.svc.GrantRole(r.Context(), act, id, in); err != nil {
		return nil, err
	}
	return a.listAssignments(w, r, act)
}

func (a *API) revokeRole(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.RevokeRole(r.Context(), act, id, r.PathValue("key"))
}

func (a *API) listGroups(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	gs, err := a.svc.Groups(r.Context(), act)
	return service.Page[org.Group]{Items: gs}, err
}

func (a *API) createGroup(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in org.GroupInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveGroup(r.Context(), act, 0, in)
}

func (a *API) getGroup(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.Group(r.Context(), act, id)
}

func (a *API) updateGroup(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in org.GroupInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveGroup(r.Context(), act, id, in)
}

func (a *API) deleteGroup(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteGroup(r.Context(), act, id)
}

func (a *API) addGroupMember(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in GroupMemberRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.UserID <= 0 {
		return nil, errs.Field("user_id", "field_required", "user_id must name a user")
	}
	return a.svc.AddGroupMember(r.Context(), act, id, in.UserID)
}

func (a *API) removeGroupMember(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	uid, err := pathID(r, "user_id")
	if err != nil {
		return nil, err
	}
	_, err = a.svc.RemoveGroupMember(r.Context(), act, id, uid)
	return nil, err
}

func (a *API) listRoles(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	rs, err := a.svc.Roles(r.Context(), act)
	return service.Page[access.Role]{Items: rs}, err
}

func (a *API) createRole(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.RoleInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Key == nil {
		return nil, errs.Field("key", "field_required", "key is required")
	}
	return a.svc.SaveRole(r.Context(), act, "", in)
}

func (a *API) getRole(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.svc.Role(r.Context(), act, r.PathValue("key"))
}

func (a *API) updateRole(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.RoleInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveRole(r.Context(), act, r.PathValue("key"), in)
}

func (a *API) deleteRole(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return nil, a.svc.DeleteRole(r.Context(), act, r.PathValue("key"))
}
