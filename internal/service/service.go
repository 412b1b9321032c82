// Package service holds every use case of Steward. It is the only caller of
// the store, owns every transaction, and asks the access engine before it
// reads or changes anything. The API, the console, the CLI and jobs all come
// through here; middleware only authenticates.
package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/keyring"
	"steward/internal/org"
	"steward/internal/store"
)

// Service is the composition of what every use case needs.
type Service struct {
	DB         *store.DB
	Signer     *audit.Signer // signs audit checkpoints; its key lives outside the database
	Hasher     *authn.Hasher
	Log        *slog.Logger
	Now        func() time.Time // the clock; tests set their own
	SessionTTL time.Duration
	Passwords  authn.Policy
	Sender     Sender // delivers password-reset tokens out of band (nil: the API answer carries them) and review reminders
	// Master wraps the tenants' data keys (keys.go); its key lives outside
	// the database. Without one nothing can be sealed, so whatever needs
	// sealing (second-factor secrets) is refused rather than kept in clear.
	Master keyring.Master
	// OldMasters still unwrap the keys an earlier master wrapped, during a
	// change of master key (docs/encryption.md, "Rotation").
	OldMasters []keyring.Master
	dataKeys   *dataKeyCache
	subjects   *subjectCache
	throttle   *throttle // failed sign-ins per client network
	jobs       sync.WaitGroup
	chainNudge chan struct{} // wakes the audit chainer (audit_chain.go)
}

// New returns a service with production defaults.
func New(db *store.DB, log *slog.Logger) *Service {
	s := &Service{DB: db, Hasher: authn.NewHasher(4, nil), Log: log,
		Now: func() time.Time { return time.Now().UTC() }, SessionTTL: 12 * time.Hour, Passwords: authn.DefaultPolicy, subjects: newSubjectCache(),
		dataKeys: newDataKeyCache(),
		throttle: newThrottle(authn.DefaultIPRate), chainNudge: make(chan struct{}, 1)}
	db.SetSealer(storeSealer{s})
	return s
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Actor is an authenticated caller: who they are and what they may do, as
// of this request.
type Actor struct {
	TenantID  int64
	UserID    int64
	SessionID int64
	APIKeyID  int64 // set when the caller signed in with an API key
	User      org.User
	Subject   *access.Subject
	Fields    *fields.Catalogue // the tenant's field catalogue as of this request
}

// need fails with 403 unless the actor holds the system function.
func (a *Actor) need(f access.Function) error {
	if !a.Subject.Can(f) {
		return errs.E(errs.Forbidden, "forbidden", "this needs the %s function", f)
	}
	return nil
}

// subject builds the access engine's view of a user from current data, so
// that every change to roles, the org, rules or pools counts from the next
// request on, on every node.
func (s *Service) subject(ctx context.Context, tx *store.Tx, tenantID int64, u org.User, now time.Time) (*access.Subject, *fields.Catalogue, error) {
	f := access.SubjectFacts{TenantID: tenantID, UserID: u.ID, Now: now}
	cat, err := catalogueOf(ctx, tx, tenantID)
	if err != nil {
		return nil, nil, err
	}
	f.Fields = cat.Refs()
	sub, err := s.subjectFacts(ctx, tx, tenantID, u, f)
	return sub, cat, err
}

func (s *Service) subjectFacts(ctx context.Context, tx *store.Tx, tenantID int64, u org.User, f access.SubjectFacts) (*access.Subject, error) {
	dept, err := tx.Department(ctx, tenantID, u.DepartmentID)
	if err != nil {
		return nil, errs.Wrap(err, "service.subject")
	}
	f.DeptID, f.DeptPath = dept.ID, dept.Path
	if f.Groups, err = tx.UserGroups(ctx, tenantID, u.ID); err != nil {
		return nil, err
	}
	if f.Roles, err = tx.UserRoles(ctx, tenantID, u.ID, f.Now); err != nil {
		return nil, err
	}
	f.Roles = keyRoles(ctx, f.Roles) // an API key acts with a subset of its creator's roles
	// The manager chain is walked only when a role needs it: for the head of
	// a large company it is thousands of rows on every request.
	if usesScope(f.Roles, access.Subordinates) {
		if f.Subordinates, err = tx.Subordinates(ctx, tenantID, u.ID); err != nil {
			return nil, err
		}
	}
	rules, err := tx.SharingRules(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		f.SharingRules = append(f.SharingRules, r.SharingRule)
	}
	restrictions, err := tx.RestrictionRules(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, r := range restrictions {
		f.Restrictions = append(f.Restrictions, r.RestrictionRule)
	}
	pools, err := tx.Pools(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, p := range pools {
		f.Pools = append(f.Pools, p.Pool)
	}
	return access.NewSubject(f), nil
}

// recordOf is the engine's view of a customer, with its team and shares.
func recordOf(ctx context.Context, tx *store.Tx, tenantID int64, c crm.Customer) (access.Record, error) {
	r := recordFacts(c)
	var err error
	r.Team, r.Shares, err = tx.RecordGrants(ctx, tenantID, c.ID)
	return r, err
}

// recordFacts is the engine's view of a customer without its team and shares.
func recordFacts(c crm.Customer) access.Record {
	r := access.Record{ID: c.ID, DeptPath: c.DeptPath, Facts: access.Facts{Name: c.Name, Industry: c.Industry,
		Level: c.Level, Region: c.Region, Source: c.Source, CreatedAt: c.CreatedAt, LastActivityAt: c.LastActivityAt}}
	if c.OwnerID != nil {
		r.OwnerID = *c.OwnerID
	}
	if c.OwnerDeptID != nil {
		r.OwnerDeptID = *c.OwnerDeptID
	}
	if c.PoolID != nil {
		r.PoolID = *c.PoolID
	}
	return r
}

// hideAs reports a hidden parent as the child itself not being found, so a
// child id cannot be used to learn that its customer exists.
func hideAs(err error, what string) error {
	if errs.KindOf(err) == errs.NotFound {
		return errs.NotVisible(what)
	}
	return err
}

// needAny fails with 403 unless the actor holds one of the functions.
func (a *Actor) needAny(fs ...access.Function) error {
	for _, f := range fs {
		if a.Subject.Can(f) {
			return nil
		}
	}
	return a.need(fs[0])
}

func usesScope(roles []access.Role, sc access.Scope) bool {
	for _, r := range roles {
		for _, p := range r.Permissions {
			if p.Scope == sc {
				return true
			}
		}
	}
	return false
}

// catalogueOf is the tenant's field catalogue as of now.
func catalogueOf(ctx context.Context, tx *store.Tx, tenantID int64) (*fields.Catalogue, error) {
	defs, err := tx.FieldDefs(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return fields.NewCatalogue(defs), nil
}
