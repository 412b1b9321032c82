package store

import (
	"context"
	"database/sql"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
)

// AccessRequest is a user's request for a role or for access to one
// customer, for a bounded time, and its decision (migration 0014).
type AccessRequest struct {
	ID              int64        `json:"id"`
	TenantID        int64        `json:"-"`
	RequesterID     int64        `json:"requester_id"`
	Kind            string       `json:"kind"` // role or customer
	RoleID          *int64       `json:"role_id"`
	CustomerID      *int64       `json:"customer_id"`
	Level           access.Level `json:"level" doc:"read or edit for a customer request; empty for a role"`
	Reason          string       `json:"reason"`
	DurationSeconds int64        `json:"duration_seconds"`
	Status          string       `json:"status" doc:"pending, approved, refused, cancelled or expired (pending for longer than 14 days)"`
	DecidedBy       *int64       `json:"decided_by"`
	DecidedAt       *time.Time   `json:"decided_at"`
	DecisionComment string       `json:"decision_comment"`
	GrantID         *int64       `json:"grant_id" doc:"the role assignment or share the approval created"`
	GrantExpiresAt  *time.Time   `json:"grant_expires_at"`
	CreatedAt       time.Time    `json:"created_at"`
}

// The kinds and states of an access request. RequestExpired is never
// stored: a pending request past its lapse time reads as expired.
const (
	RequestRole      = "role"
	RequestCustomer  = "customer"
	RequestPending   = "pending"
	RequestApproved  = "approved"
	RequestRefused   = "refused"
	RequestCancelled = "cancelled"
	RequestExpired   = "expired"

	accessRequestColumns = `id, tenant_id, requester_id, kind, role_id, customer_id, level, reason, duration_seconds, status,
	decided_by, decided_at, decision_comment, grant_id, grant_expires_at, created_at`
)

func scanAccessRequest(sc interface{ Scan(...any) error }, r *AccessRequest) error {
	var role, cust, by, decided, grant, grantExp sql.NullInt64
	var created int64
	if err := sc.Scan(&r.ID, &r.TenantID, &r.RequesterID, &r.Kind, &role, &cust, &r.Level, &r.Reason, &r.DurationSeconds, &r.Status,
		&by, &decided, &r.DecisionComment, &grant, &grantExp, &created); err != nil {
		return err
	}
	r.RoleID, r.CustomerID, r.DecidedBy, r.GrantID = int64Ptr(role), int64Ptr(cust), int64Ptr(by), int64Ptr(grant)
	r.DecidedAt, r.GrantExpiresAt, r.CreatedAt = timePtr(decided), timePtr(grantExp), FromMicros(created)
	return nil
}

// CreateAccessRequest records a new pending request.
func (t *Tx) CreateAccessRequest(ctx context.Context, r *AccessRequest) error {
	id, err := t.insert(ctx, "store.CreateAccessRequest", `INSERT INTO access_requests (tenant_id, requester_id, kind, role_id, customer_id,
		level, reason, duration_seconds, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.TenantID, r.RequesterID, r.Kind, nullID(r.RoleID), nullID(r.CustomerID), r.Level, r.Reason, r.DurationSeconds, RequestPending, Micros(r.CreatedAt))
	r.ID, r.Status = id, RequestPending
	return err
}

// AccessRequest returns one request of the tenant.
func (t *Tx) AccessRequest(ctx context.Context, tenantID, id int64) (AccessRequest, error) {
	var r AccessRequest
	row := t.tx.QueryRowContext(ctx, `SELECT `+accessRequestColumns+` FROM access_requests WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := scanAccessRequest(row, &r); err != nil {
		return r, t.notFound(err, "store.AccessRequest", "access request")
	}
	return r, nil
}

// AccessRequestQuery selects requests. Lapse is the creation time at or
// before which a pending request reads as expired.
type AccessRequestQuery struct {
	RequesterID int64  // only this requester's; 0 for any
	NotBy       int64  // leave this requester's out; 0 for none
	Status      string // one state, expired included; "" for all
	Kind        string // "" for both
	// OwnersIn keeps customer requests whose customer one of these users
	// owns; nil for no such condition.
	OwnersIn []int64
	Lapse    time.Time
	Limit    int
}

// AccessRequests lists requests, newest first, or oldest first when only
// pending ones are asked for (the queue an approver works through).
func (t *Tx) AccessRequests(ctx context.Context, tenantID int64, q AccessRequestQuery) ([]AccessRequest, error) {
	sqlText := `SELECT ` + accessRequestColumns + ` FROM access_requests WHERE tenant_id = $1`
	args := []any{tenantID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	if q.RequesterID != 0 {
		sqlText += ` AND requester_id = ` + arg(q.RequesterID)
	}
	if q.NotBy != 0 {
		sqlText += ` AND requester_id <> ` + arg(q.NotBy)
	}
	if q.Kind != "" {
		sqlText += ` AND kind = ` + arg(q.Kind)
	}
	switch q.Status {
	case "":
	case RequestPending:
		sqlText += ` AND status = 'pending' AND created_at > ` + arg(Micros(q.Lapse))
	case RequestExpired:
		sqlText += ` AND status = 'pending' AND created_at <= ` + arg(Micros(q.Lapse))
	default:
		sqlText += ` AND status = ` + arg(q.Status)
	}
	if q.OwnersIn != nil {
		if len(q.OwnersIn) == 0 {
			return []AccessRequest{}, nil
		}
		sqlText += ` AND kind = 'customer' AND customer_id IN (SELECT id FROM customers WHERE tenant_id = $1 AND owner_id IN (` + inList(q.OwnersIn) + `))`
	}
	order := ` ORDER BY id DESC`
	if q.Status == RequestPending {
		order = ` ORDER BY created_at, id`
	}
	rows, err := t.query(ctx, "store.AccessRequests", sqlText+order+` LIMIT `+itoa(q.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AccessRequest{}
	for rows.Next() {
		var r AccessRequest
		if err := scanAccessRequest(rows, &r); err != nil {
			return nil, errs.Wrap(err, "store.AccessRequests")
		}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "store.AccessRequests")
}

// LockRequester makes one user's requests wait for each other on
// PostgreSQL, so that two sent at once cannot both pass the duplicate and
// count checks; SQLite's single writer already serialises them.
func (t *Tx) LockRequester(ctx context.Context, tenantID, userID int64) error {
	return t.LockUser(ctx, tenantID, userID)
}

// PendingAccessRequests counts a requester's requests still pending, and
// how many of them ask for the same thing as r (same role, or same
// customer at any level).
func (t *Tx) PendingAccessRequests(ctx context.Context, r AccessRequest, lapse time.Time) (total, same int, err error) {
	err = t.one(ctx, "store.PendingAccessRequests", "access request", `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN kind = $3 AND (role_id = $4 OR customer_id = $5) THEN 1 ELSE 0 END), 0)
		FROM access_requests WHERE tenant_id = $1 AND requester_id = $2 AND status = 'pending' AND created_at > $6`,
		[]any{r.TenantID, r.RequesterID, r.Kind, nullID(r.RoleID), nullID(r.CustomerID), Micros(lapse)}, &total, &same)
	return total, same, err
}

// AccessDecision is what deciding a request writes.
type AccessDecision struct {
	Status         string // approved, refused or cancelled
	By             int64
	Comment        string
	GrantID        *int64
	GrantExpiresAt *time.Time
	At             time.Time
}

// DecideAccessRequest records the decision on a request that is still
// pending and has not lapsed; any other request is left as it is, and the
// caller told so: a decided request never changes again.
func (t *Tx) DecideAccessRequest(ctx context.Context, tenantID, id int64, d AccessDecision, lapse time.Time) error {
	res, err := t.exec(ctx, "store.DecideAccessRequest", `UPDATE access_requests SET status = $1, decided_by = $2, decided_at = $3,
		decision_comment = $4, grant_id = $5, grant_expires_at = $6
		WHERE tenant_id = $7 AND id = $8 AND status = 'pending' AND created_at > $9`,
		d.Status, d.By, Micros(d.At), d.Comment, nullID(d.GrantID), nullMicros(d.GrantExpiresAt), tenantID, id, Micros(lapse))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "request_not_pending", "the request is no longer pending: it was decided, cancelled or has expired")
	}
	return nil
}
