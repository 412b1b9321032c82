package service

import (
	"context"
	"slices"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// Access requests (docs/temporary-access.md): a user asks for a role, or
// for read or edit access to one customer, for a bounded time and with a
// reason. An approver grants it through the same code as a manual grant,
// so the same rules hold; the grant carries the expiry and every check
// ignores it once it has passed, whether or not a job has removed it yet.
//
// A customer request may name a customer the requester cannot see: that is
// what it is for. Whether such a customer exists must not show, so a
// request for an invisible customer and one for an id that names nothing
// are accepted alike and look alike to their requester; only someone who
// can see the customer decides, and nobody can decide a request for a
// customer that does not exist, which lapses like any undecided request.

// The limits of access requests.
const (
	// RequestLapse is how long a request waits for a decision; after it,
	// it reads as expired and can no longer be approved.
	RequestLapse       = 14 * 24 * time.Hour
	minRequestSpan     = time.Hour
	maxRequestSpan     = 90 * 24 * time.Hour
	maxPendingRequests = 20  // per requester, so that nobody floods the approvers
	requestListLimit   = 200 // per list
)

// governingFunctions are the functions that change who may do what. A
// role carrying one cannot be requested: its temporary holder could use it
// to give themselves lasting access and so escape the bound on the
// request. An administrator grants such a role directly, with an expiry.
var governingFunctions = []access.Function{access.ManageUsers, access.ManageRoles, access.ManageOrg, access.ManageSharing,
	access.ManageSecurity, access.ManageFields, access.OverrideRestrictions}

// AccessRequestInput is the body of POST /access-requests.
type AccessRequestInput struct {
	Kind       string       `json:"kind" doc:"role or customer"`
	Role       string       `json:"role,omitempty" doc:"the role's key, for a role request"`
	CustomerID int64        `json:"customer_id,omitempty" doc:"the customer, for a customer request; it may be one you cannot see"`
	Level      access.Level `json:"level,omitempty" doc:"read or edit, for a customer request"`
	Reason     string       `json:"reason"`
	Duration   string       `json:"duration" doc:"how long the access lasts once approved: whole hours or days from 1h to 90d, such as 72h or 7d"`
}

// AccessRequest is a request as its requester or an approver sees it.
type AccessRequest struct {
	store.AccessRequest
	Role         string `json:"role" doc:"the role's key, for a role request"`
	RoleName     string `json:"role_name"`
	CustomerName string `json:"customer_name" doc:"empty unless you may see the customer"`
	Duration     string `json:"duration"`
	// LapsesAt is when a pending request expires undecided.
	LapsesAt *time.Time `json:"lapses_at"`
}

// checked is a request's input once checked.
type checked struct {
	dur    time.Duration
	reason string
}

// CheckAccessRequest checks a request's fields on their own, as
// RequestAccess does before it looks at any data.
func CheckAccessRequest(in AccessRequestInput) error {
	_, err := in.check()
	return err
}

func (in AccessRequestInput) check() (checked, error) {
	var c checked
	switch in.Kind {
	case store.RequestRole:
		if in.Role == "" {
			return c, errs.Field("role", "field_required", "a role request names the role's key")
		}
		if in.CustomerID != 0 {
			return c, errs.Field("customer_id", "invalid_value", "a role request names no customer")
		}
		if in.Level != "" {
			return c, errs.Field("level", "invalid_value", "a role request has no level")
		}
	case store.RequestCustomer:
		if in.Role != "" {
			return c, errs.Field("role", "invalid_value", "a customer request names no role")
		}
		if in.CustomerID <= 0 {
			return c, errs.Field("customer_id", "field_required", "a customer request names the customer's id")
		}
		if in.Level != access.Read && in.Level != access.EditLevel {
			return c, errs.Field("level", "invalid_value", "level must be read or edit")
		}
	case "":
		return c, errs.Field("kind", "field_required", "kind is required: role or customer")
	default:
		return c, errs.Field("kind", "invalid_value", "kind must be role or customer")
	}
	var err error
	if c.reason, err = fieldcheck.Name("reason", in.Reason, 500); err != nil {
		return c, err
	}
	c.dur, err = ParseSpan("duration", in.Duration, minRequestSpan, maxRequestSpan)
	return c, err
}

// RequestAccess records a request. It is refused when it would add
// nothing (the access is already held for at least as long), when the
// same thing is already asked for, and for a role that governs access.
func (s *Service) RequestAccess(ctx context.Context, a *Actor, in AccessRequestInput) (AccessRequest, error) {
	var out AccessRequest
	c, err := in.check()
	if err != nil {
		return out, err
	}
	now := s.now()
	r := store.AccessRequest{TenantID: a.TenantID, RequesterID: a.UserID, Kind: in.Kind, Level: in.Level, Reason: c.reason,
		DurationSeconds: int64(c.dur / time.Second), CreatedAt: now}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.LockRequester(ctx, a.TenantID, a.UserID); err != nil {
			return err
		}
		links := store.AuditLinks{User: a.UserID}
		if in.Kind == store.RequestRole {
			role, err := s.requestableRole(ctx, tx, a, in.Role, now.Add(c.dur))
			if err != nil {
				return err
			}
			r.RoleID = &role.ID
		} else {
			exists, err := s.checkCustomerAsked(ctx, tx, a, in.CustomerID, in.Level, now.Add(c.dur))
			if err != nil {
				return err
			}
			r.CustomerID = &in.CustomerID
			if exists {
				links.Customer = in.CustomerID
			}
		}
		total, same, err := tx.PendingAccessRequests(ctx, r, now.Add(-RequestLapse))
		if err != nil {
			return err
		}
		if same > 0 {
			return errs.E(errs.Conflict, "request_pending", "you already asked for this; the request is waiting for a decision")
		}
		if total >= maxPendingRequests {
			return errs.E(errs.Conflict, "too_many_pending", "you have %d requests waiting for a decision; cancel one or wait", total)
		}
		if err := tx.CreateAccessRequest(ctx, &r); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "access_request.create", targetType: "access_request", targetID: r.ID,
			links: links, details: requestDetails(r, map[string]any{"reason": r.Reason})}); err != nil {
			return err
		}
		out, err = s.requestView(ctx, tx, a, r, nil)
		return err
	})
	return out, err
}

// requestableRole finds the role a request names and refuses one that
// governs access, or one the requester holds until at least until.
func (s *Service) requestableRole(ctx context.Context, tx *store.Tx, a *Actor, key string, until time.Time) (access.Role, error) {
	role, err := tx.Role(ctx, a.TenantID, key)
	if errs.KindOf(err) == errs.NotFound {
		return role, errs.Field("role", "invalid_reference", "no role has the key %q", key)
	}
	if err != nil {
		return role, err
	}
	if f, ok := governs(role); ok {
		return role, errs.Field("role", "role_not_requestable", "the role carries the %s function, which is granted by an administrator, not requested", f)
	}
	held, err := heldUntil(ctx, tx, a.TenantID, a.UserID, role.ID, until)
	if err != nil || !held {
		return role, err
	}
	return role, errs.E(errs.Conflict, "access_already_held", "you hold the role %s for at least that long already", role.Key)
}

// governs reports a governing function the role carries, if any.
func governs(r access.Role) (access.Function, bool) {
	for _, f := range r.Functions {
		if slices.Contains(governingFunctions, f) {
			return f, true
		}
	}
	return "", false
}

// heldUntil reports whether the user holds the role through an assignment
// that lasts until at least until.
func heldUntil(ctx context.Context, tx *store.Tx, tenantID, userID, roleID int64, until time.Time) (bool, error) {
	held, err := tx.Assignments(ctx, tenantID, userID)
	for _, as := range held {
		if as.RoleID == roleID && (as.ExpiresAt == nil || !as.ExpiresAt.Before(until)) {
			return true, err
		}
	}
	return false, err
}

// checkCustomerAsked refuses a customer request that would add nothing:
// the requester can already see (read) or edit (edit) the customer, and
// will still be able to when the asked-for grant would end. It answers
// nothing else about the customer: an invisible one and a missing one
// both pass. exists tells the caller whether to link the audit entry.
func (s *Service) checkCustomerAsked(ctx context.Context, tx *store.Tx, a *Actor, id int64, l access.Level, until time.Time) (exists bool, err error) {
	c, err := tx.Customer(ctx, a.TenantID, id)
	if errs.KindOf(err) == errs.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rec, err := recordOf(ctx, tx, a.TenantID, c)
	if err != nil {
		return true, err
	}
	act := access.View
	if l == access.EditLevel {
		act = access.Edit
	}
	if !a.Subject.Check(access.Customer, access.View, rec).Allowed || !a.Subject.Check(access.Customer, act, rec).Allowed {
		return true, nil
	}
	// The requester holds it now. Judged as of the end of the asked-for
	// time, with the roles they will still hold then: a grant about to run
	// out may be asked for again.
	later, _, err := s.subject(ctx, tx, a.TenantID, a.User, until.Add(-time.Microsecond))
	if err != nil {
		return true, err
	}
	if later.Check(access.Customer, act, rec).Allowed {
		return true, errs.E(errs.Conflict, "access_already_held", "you may %s this customer already, for at least that long", act)
	}
	return true, nil
}

// AccessRequestList selects requests: the caller's own (Mine, the
// default) or those waiting for the caller's decision (ToDecide).
type AccessRequestList struct {
	Mine, ToDecide bool
	Status         string
}

var requestStates = []string{store.RequestPending, store.RequestApproved, store.RequestRefused, store.RequestCancelled, store.RequestExpired}

// AccessRequests lists the caller's requests, newest first, or the pending
// requests the caller may decide, oldest first.
func (s *Service) AccessRequests(ctx context.Context, a *Actor, q AccessRequestList) ([]AccessRequest, error) {
	if q.Status != "" && !slices.Contains(requestStates, q.Status) {
		return nil, errs.Field("status", "invalid_parameter", "status must be pending, approved, refused, cancelled or expired")
	}
	if q.Mine && q.ToDecide {
		return nil, errs.Field("to_decide", "invalid_parameter", "ask for mine or to_decide, not both")
	}
	if q.ToDecide && q.Status != "" && q.Status != store.RequestPending {
		return nil, errs.Field("status", "invalid_parameter", "requests to decide are pending ones")
	}
	lapse := s.now().Add(-RequestLapse)
	out := []AccessRequest{}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var rs []store.AccessRequest
		var err error
		if q.ToDecide {
			rs, err = s.toDecide(ctx, tx, a, lapse)
		} else {
			rs, err = tx.AccessRequests(ctx, a.TenantID, store.AccessRequestQuery{RequesterID: a.UserID, Status: q.Status, Lapse: lapse, Limit: requestListLimit})
		}
		if err != nil {
			return err
		}
		roles, err := rolesByID(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		for _, r := range rs {
			v, err := s.requestView(ctx, tx, a, r, roles)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// AccessRequestByID returns one request to its requester or to someone
// who may decide it; to anyone else it is not found.
func (s *Service) AccessRequestByID(ctx context.Context, a *Actor, id int64) (AccessRequest, error) {
	var out AccessRequest
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		r, err := s.visibleRequest(ctx, tx, a, id)
		if err != nil {
			return err
		}
		out, err = s.requestView(ctx, tx, a, r, nil)
		return err
	})
	return out, err
}

// CancelAccessRequest withdraws the caller's own pending request.
func (s *Service) CancelAccessRequest(ctx context.Context, a *Actor, id int64) (AccessRequest, error) {
	var out AccessRequest
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		r, err := s.visibleRequest(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if r.RequesterID != a.UserID {
			return errs.E(errs.Forbidden, "not_requester", "only the requester cancels a request")
		}
		now := s.now()
		if err := tx.DecideAccessRequest(ctx, a.TenantID, id, store.AccessDecision{Status: store.RequestCancelled, By: a.UserID, At: now},
			now.Add(-RequestLapse)); err != nil {
			return err
		}
		links, err := requestLinks(ctx, tx, r)
		if err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "access_request.cancel", targetType: "access_request", targetID: id,
			links: links, details: requestDetails(r, nil)}); err != nil {
			return err
		}
		out, err = s.reloadRequest(ctx, tx, a, id)
		return err
	})
	return out, err
}

// RequestableRole is a role offered on the request form.
type RequestableRole struct {
	Key, Name, Description string
}

// RequestableRoles lists the roles anyone may ask for: every role but
// those that govern access. Their keys and names are shown to every
// member; their matrices are not.
func (s *Service) RequestableRoles(ctx context.Context, a *Actor) ([]RequestableRole, error) {
	var out []RequestableRole
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		roles, err := tx.Roles(ctx, a.TenantID)
		for _, r := range roles {
			if _, ok := governs(r); !ok {
				out = append(out, RequestableRole{Key: r.Key, Name: r.Name, Description: r.Description})
			}
		}
		return err
	})
	return out, err
}

// requestView describes a request for the caller: its state as of now,
// its role, and its customer's name when the caller may see the customer.
func (s *Service) requestView(ctx context.Context, tx *store.Tx, a *Actor, r store.AccessRequest, roles map[int64]access.Role) (AccessRequest, error) {
	v := AccessRequest{AccessRequest: r, Duration: FormatSpan(time.Duration(r.DurationSeconds) * time.Second)}
	if r.Status == store.RequestPending {
		lapses := r.CreatedAt.Add(RequestLapse)
		if !s.now().Before(lapses) {
			v.Status = store.RequestExpired
		}
		v.LapsesAt = &lapses
	}
	if r.RoleID != nil {
		if roles == nil {
			var err error
			if roles, err = rolesByID(ctx, tx, a.TenantID); err != nil {
				return v, err
			}
		}
		role, ok := roles[*r.RoleID]
		if ok {
			v.Role, v.RoleName = role.Key, role.Name
		} else {
			v.Role = "#" + strconv.FormatInt(*r.RoleID, 10) // removed since
		}
	}
	if r.CustomerID != nil {
		c, err := s.visibleCustomer(ctx, tx, a, *r.CustomerID, access.Customer, access.View)
		switch {
		case errs.KindOf(err) == errs.NotFound:
		case err != nil:
			return v, err
		default:
			if err := s.redactOne(ctx, tx, a, &c); err != nil {
				return v, err
			}
			v.CustomerName = c.Name
		}
	}
	return v, nil
}

func (s *Service) reloadRequest(ctx context.Context, tx *store.Tx, a *Actor, id int64) (AccessRequest, error) {
	r, err := tx.AccessRequest(ctx, a.TenantID, id)
	if err != nil {
		return AccessRequest{}, err
	}
	return s.requestView(ctx, tx, a, r, nil)
}

func rolesByID(ctx context.Context, tx *store.Tx, tenantID int64) (map[int64]access.Role, error) {
	roles, err := tx.Roles(ctx, tenantID)
	out := make(map[int64]access.Role, len(roles))
	for _, r := range roles {
		out[r.ID] = r
	}
	return out, err
}

// requestDetails are a request's identifiers for the audit trail.
func requestDetails(r store.AccessRequest, extra map[string]any) map[string]any {
	d := map[string]any{"kind": r.Kind, "requester_id": r.RequesterID, "duration_seconds": r.DurationSeconds}
	if r.RoleID != nil {
		d["role_id"] = *r.RoleID
	}
	if r.CustomerID != nil {
		d["customer_id"], d["level"] = *r.CustomerID, r.Level
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

// requestLinks link a request's entries to its requester and, when it
// exists, its customer.
func requestLinks(ctx context.Context, tx *store.Tx, r store.AccessRequest) (store.AuditLinks, error) {
	links := store.AuditLinks{User: r.RequesterID}
	if r.CustomerID == nil {
		return links, nil
	}
	_, err := tx.Customer(ctx, r.TenantID, *r.CustomerID)
	switch {
	case err == nil:
		links.Customer = *r.CustomerID
	case errs.KindOf(err) != errs.NotFound:
		return links, err
	}
	return links, nil
}
