package service

import (
	"context"
	"reflect"
	"testing"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/org"
	"steward/internal/store"
)

// Building a subject takes about eight queries (user, department, groups,
// roles, the manager chain, rules, restrictions, pools): a millisecond on
// every request, more for the head of a large organisation. The cache keeps
// built subjects keyed by user and stamped with the tenant's policy
// version. Every change that can alter a subject bumps that version in its
// own transaction (tx.BumpPolicy), and every request reads the version
// before anything else, so a cached subject is used only while nothing it
// was built from has changed, on this node or any other. Role assignments
// that run out are the one change without a write: an entry lives no
// longer than its earliest expiring assignment.

// subjectCacheSize bounds the cache: an entry is a few kilobytes (more for
// a manager with a long chain of subordinates).
const subjectCacheSize = 20_000

type subjectKey struct{ tenantID, userID int64 }

type subjectEntry struct {
	version int64
	until   *time.Time // the earliest expiry of a role assignment; nil when none expires
	user    org.User
	subject *access.Subject
	fields  *fields.Catalogue
}

type subjectCache struct {
	entries *lru.Cache[subjectKey, subjectEntry]
	// verify rebuilds the subject on every hit and fails the request when the
	// cached one differs: a change that forgot to bump the policy version
	// shows up as a failing test instead of stale access. On in test binaries.
	verify bool
}

func newSubjectCache() *subjectCache {
	c, err := lru.New[subjectKey, subjectEntry](subjectCacheSize)
	if err != nil {
		panic(err) // only for a size below one
	}
	return &subjectCache{entries: c, verify: testing.Testing()}
}

// SetSubjectCacheVerify turns the stale-subject check on or off; benchmarks
// in test binaries turn it off to measure what production runs.
func (s *Service) SetSubjectCacheVerify(on bool) { s.subjects.verify = on }

// actorSubject returns an active user and their subject as of now, from
// the cache when the tenant's policy has not changed since it was built.
func (s *Service) actorSubject(ctx context.Context, tx *store.Tx, tenantID, userID int64) (org.User, *access.Subject, *fields.Catalogue, error) {
	now := s.now()
	version, err := tx.PolicyVersion(ctx, tenantID)
	if err != nil {
		return org.User{}, nil, nil, err
	}
	key := subjectKey{tenantID, userID}
	if e, ok := s.subjects.entries.Get(key); ok && e.version == version && (e.until == nil || now.Before(*e.until)) {
		if s.subjects.verify {
			if err := s.verifySubject(ctx, tx, tenantID, e, now); err != nil {
				return org.User{}, nil, nil, err
			}
		}
		return e.user, e.subject.At(now), e.fields, nil
	}
	e, err := s.buildSubject(ctx, tx, tenantID, userID, now)
	if err != nil {
		return org.User{}, nil, nil, err
	}
	e.version = version
	if e.user.Status == org.StatusActive {
		s.subjects.entries.Add(key, e)
	}
	return e.user, e.subject, e.fields, nil
}

func (s *Service) buildSubject(ctx context.Context, tx *store.Tx, tenantID, userID int64, now time.Time) (subjectEntry, error) {
	var e subjectEntry
	u, err := tx.User(ctx, tenantID, userID)
	if err != nil {
		return e, err
	}
	if u.Status != org.StatusActive {
		return subjectEntry{user: u}, nil
	}
	if e.subject, e.fields, err = s.subject(ctx, tx, tenantID, u, now); err != nil {
		return e, err
	}
	if e.until, err = tx.NextRoleExpiry(ctx, tenantID, userID, now); err != nil {
		return e, err
	}
	u.Roles = e.subject.RoleKeys
	e.user = u
	return e, nil
}

func (s *Service) verifySubject(ctx context.Context, tx *store.Tx, tenantID int64, cached subjectEntry, now time.Time) error {
	fresh, err := s.buildSubject(ctx, tx, tenantID, cached.user.ID, now)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(fresh.user, cached.user) || fresh.subject == nil || !reflect.DeepEqual(fresh.subject, cached.subject.At(now)) ||
		!reflect.DeepEqual(fresh.fields, cached.fields) {
		return errs.E(errs.Internal, "stale_subject", "a cached subject differs from current data: a change did not bump the policy version")
	}
	return nil
}
