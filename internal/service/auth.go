package service

import (
	"context"
	"strings"
	"time"

	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// LoginResult is a new session.
type LoginResult struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      org.User  `json:"user"`
}

// errBadLogin is the one answer for every failed sign-in: unknown tenant,
// unknown user, wrong password or an inactive account look the same.
var errBadLogin = errs.E(errs.Unauthorized, "invalid_credentials", "the tenant, e-mail or password is wrong")

// Login checks a password and opens a session.
func (s *Service) Login(ctx context.Context, tenantSlug, email, password string) (LoginResult, error) {
	var res LoginResult
	if len(password) > 4*s.Passwords.MaxLength {
		// Refuse before hashing: a huge password is a cheap way to burn CPU.
		return res, errBadLogin
	}
	var u org.User
	var hash string
	var tenantID int64
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		t, err := tx.TenantBySlug(ctx, strings.TrimSpace(tenantSlug))
		if err != nil {
			return err
		}
		tenantID = t.ID
		u, hash, err = tx.UserCredentials(ctx, t.ID, strings.ToLower(strings.TrimSpace(email)))
		return err
	})
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return res, err
	}
	ok, verr := s.Hasher.Verify(ctx, password, hash)
	if verr != nil {
		return res, verr
	}
	if err != nil || !ok || u.Status != org.StatusActive {
		if tenantID != 0 {
			s.recordLoginFailure(ctx, tenantID, u.ID)
		}
		return res, errBadLogin
	}
	token, tokenHash, err := authn.NewToken()
	if err != nil {
		return res, err
	}
	now := s.now()
	sess := store.Session{TenantID: tenantID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.SessionTTL)}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(ctx, &sess, tokenHash); err != nil {
			return err
		}
		if err := s.record(ctx, tx, &Actor{UserID: u.ID, SessionID: sess.ID}, tenantID, event{action: "auth.login", targetType: "user", targetID: u.ID}); err != nil {
			return err
		}
		return s.loadRoleKeys(ctx, tx, tenantID, &u)
	})
	if err != nil {
		return res, err
	}
	return LoginResult{Token: token, ExpiresAt: sess.ExpiresAt, User: u}, nil
}

// Authenticate resolves a bearer token to an actor, or fails with 401.
func (s *Service) Authenticate(ctx context.Context, token string) (*Actor, error) {
	if token == "" || len(token) > 200 {
		return nil, errs.E(errs.Unauthorized, "unauthenticated", "sign in first")
	}
	var a *Actor
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		sess, err := tx.SessionByHash(ctx, authn.TokenHash(token), s.now())
		if err != nil {
			return errs.E(errs.Unauthorized, "unauthenticated", "the session is missing or has expired")
		}
		u, sub, err := s.actorSubject(ctx, tx, sess.TenantID, sess.UserID)
		if errs.KindOf(err) == errs.NotFound || err == nil && u.Status != org.StatusActive {
			return errs.E(errs.Unauthorized, "unauthenticated", "the session is no longer valid")
		}
		if err != nil {
			return err
		}
		a = &Actor{TenantID: sess.TenantID, UserID: u.ID, SessionID: sess.ID, User: u, Subject: sub}
		return nil
	})
	return a, err
}

// Logout ends the actor's session.
func (s *Service) Logout(ctx context.Context, a *Actor) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSession(ctx, a.TenantID, a.SessionID); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "auth.logout", targetType: "session", targetID: a.SessionID})
	})
}

// Me is the signed-in user with what they may do.
type Me struct {
	User      org.User   `json:"user"`
	Tenant    org.Tenant `json:"tenant"`
	Functions []string   `json:"functions"`
}

// WhoAmI describes the actor.
func (s *Service) WhoAmI(ctx context.Context, a *Actor) (Me, error) {
	me := Me{User: a.User, Functions: []string{}}
	for _, f := range a.Subject.Functions() {
		me.Functions = append(me.Functions, string(f))
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		me.Tenant, err = tx.Tenant(ctx, a.TenantID)
		return err
	})
	return me, err
}

func (s *Service) loadRoleKeys(ctx context.Context, tx *store.Tx, tenantID int64, u *org.User) error {
	roles, err := tx.UserRoles(ctx, tenantID, u.ID, s.now())
	if err != nil {
		return err
	}
	u.Roles = make([]string, len(roles))
	for i, r := range roles {
		u.Roles[i] = r.Key
	}
	return nil
}

// ActorFor builds the actor for a user without a session: for jobs, for
// explaining another user's access, and for tests. It refuses inactive users.
func (s *Service) ActorFor(ctx context.Context, tenantID, userID int64) (*Actor, error) {
	var a *Actor
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		u, sub, err := s.actorSubject(ctx, tx, tenantID, userID)
		if err != nil {
			return err
		}
		if u.Status != org.StatusActive {
			return errs.E(errs.Conflict, "user_inactive", "the user is not active")
		}
		a = &Actor{TenantID: tenantID, UserID: u.ID, User: u, Subject: sub}
		return nil
	})
	return a, err
}

// recordLoginFailure records a failed sign-in in the tenant's trail. The
// e-mail typed is personal data and is not kept; a known account is named
// by its id.
func (s *Service) recordLoginFailure(ctx context.Context, tenantID, userID int64) {
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.record(ctx, tx, nil, tenantID, event{action: "auth.login_failed", targetType: "user", targetID: userID, outcome: audit.Failure,
			links: store.AuditLinks{User: userID}})
	})
	if err != nil {
		s.Log.Error("audit: recording a failed sign-in failed", "err", err)
	}
}
