package service

import (
	"context"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// LoginResult is the answer to a sign-in: a session, or a request for the
// second factor (MFARequired with an MFAToken for POST /auth/mfa). Limit,
// when set, says what the session must do before anything else:
// "mfa_enrolment" or "password_change".
type LoginResult struct {
	Token       string    `json:"token,omitempty"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	User        org.User  `json:"user,omitzero"`
	Limit       string    `json:"limit,omitempty"`
	MFARequired bool      `json:"mfa_required,omitempty"`
	MFAToken    string    `json:"mfa_token,omitempty"`
	MFAMethod   string    `json:"mfa_method,omitempty" doc:"with mfa_required: totp (a code from the authenticator app) or code (a code sent by e-mail or SMS); a recovery code works for both"`
	MFAChannel  string    `json:"mfa_channel,omitempty" doc:"with mfa_method code: email or sms"`
	CodeSent    bool      `json:"code_sent,omitempty" doc:"with mfa_method code: a code went out for this sign-in. Absent when none could be sent (one went out less than 30 seconds ago, or delivery failed): ask again at POST /auth/mfa/resend, or use a recovery code"`
}

// The limits a session can carry, and the error every other call answers.
const (
	LimitEnrolment      = "mfa_enrolment"
	LimitPasswordChange = "password_change"
)

// challengeTTL is how long a correct password waits for its second factor;
// challengeAttempts how many wrong codes it survives.
const (
	challengeTTL      = 5 * time.Minute
	challengeAttempts = 5
)

var (
	// errBadLogin is the one answer for every failed sign-in: unknown
	// tenant, unknown user, wrong password, a locked, slowed or inactive
	// account, a network or an hour the account may not sign in from look
	// the same. The audit trail records which it was.
	errBadLogin  = errs.E(errs.Unauthorized, "invalid_credentials", "the tenant, e-mail or password is wrong")
	errThrottled = errs.E(errs.TooMany, "too_many_attempts", "too many failed attempts from your network; wait a minute and try again")
	errMFAToken  = errs.E(errs.Unauthorized, "mfa_token_invalid", "the sign-in has expired or was already completed; sign in again")
	errSession   = errs.E(errs.Unauthorized, "unauthenticated", "the session is missing or has expired")
	errStepUp    = errs.E(errs.Unauthorized, "step_up_required", "this needs a recent sign-in: confirm your password at POST /auth/step-up")
)

// LimitError is what a limited session gets for anything but its task.
func LimitError(limit string) error {
	if limit == LimitPasswordChange {
		return errs.E(errs.Forbidden, "password_change_required", "your password has expired; change it at POST /me/password first")
	}
	return errs.E(errs.Forbidden, "mfa_enrolment_required", "your role requires a second factor; enrol one at POST /me/mfa/totp (or /me/mfa/code where allowed) first")
}

// account is everything signing in needs to know of one user.
type account struct {
	tenant    org.Tenant
	user      org.User // ID 0 when there is no such user
	creds     store.Credentials
	roles     []access.Role
	st        SecuritySettings
	hasFactor bool
	method    string // store.FactorTOTP, FactorCode or FactorNone
}

func (acc *account) roleKeys() []string {
	out := make([]string, len(acc.roles))
	for i, r := range acc.roles {
		out[i] = r.Key
	}
	return out
}

// Login checks a password. It opens a session, or, when the user has a
// second factor, answers MFARequired with a token for CompleteMFA.
func (s *Service) Login(ctx context.Context, tenantSlug, email, password string) (LoginResult, error) {
	now, ip := s.now(), requestOf(ctx).SourceIP
	if !s.throttle.allows(ip, now) {
		return LoginResult{}, errThrottled
	}
	var acc account
	if len(password) <= 4*s.Passwords.MaxLength { // a huge password is a cheap way to burn CPU
		var err error
		if acc, err = s.findAccount(ctx, tenantSlug, email); err != nil {
			return LoginResult{}, err
		}
	}
	fail := func(reason string) (LoginResult, error) {
		if acc.tenant.ID != 0 {
			s.recordLoginFailure(ctx, acc.tenant.ID, acc.user.ID, reason)
		}
		if reason == "wrong_password" {
			s.recordLockIfReached(ctx, &acc)
		}
		return LoginResult{}, errBadLogin
	}
	if acc.user.ID == 0 {
		if err := s.shadowAttempt(ctx, acc.tenant.ID, now); err != nil {
			return LoginResult{}, err
		}
		if _, err := s.Hasher.Verify(ctx, password, ""); err != nil { // the same time as a real check
			return LoginResult{}, err
		}
		return fail("unknown_account")
	}
	ok, reason, err := s.attempt(ctx, &acc, now, func() (bool, error) { return s.Hasher.Verify(ctx, password, acc.creds.Hash) })
	if err != nil {
		return LoginResult{}, err
	}
	if !ok {
		return fail(reason)
	}
	if reason := refusal(&acc, ip, now); reason != "" {
		return fail(reason)
	}
	rehash := ""
	if s.Hasher.NeedsRehash(acc.creds.Hash) {
		if rehash, err = s.Hasher.Hash(ctx, password); err != nil {
			return LoginResult{}, err
		}
	}
	var res LoginResult
	var out *outgoing
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		out = nil
		if rehash != "" {
			if err := tx.SetPasswordHash(ctx, acc.tenant.ID, acc.user.ID, rehash); err != nil {
				return err
			}
		}
		if acc.hasFactor {
			res, out, err = s.passwordOK(ctx, tx, &acc, now)
			return err
		}
		if err := tx.ResetFailedLogins(ctx, acc.tenant.ID, acc.user.ID); err != nil {
			return err
		}
		res, err = s.openSession(ctx, tx, &acc, now, "password")
		return err
	})
	if err == nil {
		s.throttle.refund(ip)
	}
	if err == nil && out != nil {
		res.CodeSent = s.deliver(ctx, nil, out) == nil
	}
	return res, err
}

// passwordOK answers a correct password of an account with a second
// factor: a challenge for the code. The run of failed attempts is not
// ended (only a correct code ends it, so that signing in again between
// wrong codes never escapes the lock); the attempt this password took is
// given back, since it was no failure.
func (s *Service) passwordOK(ctx context.Context, tx *store.Tx, acc *account, now time.Time) (LoginResult, *outgoing, error) {
	if err := tx.RefundLoginAttempt(ctx, acc.tenant.ID, acc.user.ID, acc.creds.LastFailedAt); err != nil {
		return LoginResult{}, nil, err
	}
	if err := s.record(ctx, tx, nil, acc.tenant.ID, event{action: "auth.password_ok", targetType: "user", targetID: acc.user.ID,
		links: store.AuditLinks{User: acc.user.ID}}); err != nil {
		return LoginResult{}, nil, err
	}
	return s.challenge(ctx, tx, acc, now)
}

// attempt runs one guess at an account under its lockout, and says why it
// failed. The attempt is counted before it is checked, with a
// compare-and-set on the count, so that parallel guesses each take their
// own place in the run (and its delays) instead of all passing the check
// at once; the caller ends the run when the whole sign-in succeeds.
func (s *Service) attempt(ctx context.Context, acc *account, now time.Time, check func() (bool, error)) (bool, string, error) {
	var reason string
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		reason, err = s.reserveAttempt(ctx, tx, acc, now)
		return err
	})
	if err != nil {
		return false, "", err
	}
	if reason != "" {
		_, err := s.Hasher.Verify(ctx, "", "") // the same time as a real check
		return false, reason, err
	}
	ok, err := check()
	if err != nil || !ok {
		return false, "wrong_password", err
	}
	return true, "", nil
}

// reserveAttempt counts one attempt at the account as failed before it is
// checked, if the lockout allows one and no parallel attempt took the same
// place in the run. It answers "" when reserved, else "locked" or
// "throttled".
func (s *Service) reserveAttempt(ctx context.Context, tx *store.Tx, acc *account, now time.Time) (string, error) {
	at := acc.st.policy().Lockout.Check(acc.creds.FailedLogins, acc.creds.LastFailedAt, now)
	if !at.Allowed {
		if at.Locked {
			return "locked", nil
		}
		return "throttled", nil
	}
	ok, err := tx.ReserveLoginAttempt(ctx, acc.tenant.ID, acc.user.ID, acc.creds.FailedLogins, now)
	if err != nil || !ok {
		return "throttled", err
	}
	return "", nil
}

// recordLockIfReached records auth.account_locked when the attempt that
// just failed (reserved from acc.creds.FailedLogins) reached the lockout
// threshold. The compare-and-set of the reservation gives that place in
// the run to one request, so the lock is recorded once.
func (s *Service) recordLockIfReached(ctx context.Context, acc *account) {
	lockAt := acc.st.policy().Lockout.LockAt
	if lockAt <= 0 || acc.creds.FailedLogins+1 != lockAt {
		return
	}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.record(ctx, tx, nil, acc.tenant.ID, event{action: "auth.account_locked", targetType: "user", targetID: acc.user.ID,
			outcome: audit.Failure, details: map[string]any{"failures": lockAt, "lock_minutes": acc.st.LockoutMinutes},
			links: store.AuditLinks{User: acc.user.ID}})
	})
	if err != nil {
		s.Log.Error("audit: recording a lockout failed", "user_id", acc.user.ID, "err", err)
	}
}

// refusal says why a sign-in with the right password is refused, or "".
func refusal(acc *account, ip string, now time.Time) string {
	switch {
	case acc.user.Status != org.StatusActive:
		return "inactive"
	case !acc.st.networkAllowed(ip, acc.roleKeys()):
		return "network_not_allowed"
	case !acc.st.hoursAllowed(acc.roleKeys(), now):
		return "outside_login_hours"
	}
	return ""
}

// For an unknown e-mail the sign-in does the database work a known
// account's attempt does, on a user id no row has, so that its answer
// takes as long as the one for a wrong password: the status and body are
// already the same, and the time must not tell either. findAccount runs
// the account's reads (shadowReads) in its own transaction, as it does for
// a known account; shadowAttempt the write that reserves the attempt.
const nobody = 0 // in an unknown tenant (id 0) too: the same statements, matching nothing

// shadowReads are loadAccount's reads for nobody.
func (s *Service) shadowReads(ctx context.Context, tx *store.Tx, tenantID int64) error {
	if _, err := tx.UserSecurity(ctx, tenantID, nobody); err != nil && errs.KindOf(err) != errs.NotFound {
		return err
	}
	if _, err := tx.UserRoles(ctx, tenantID, nobody, s.now()); err != nil {
		return err
	}
	if _, err := securityOf(ctx, tx, tenantID); err != nil {
		return err
	}
	_, err := tx.FactorMethod(ctx, tenantID, nobody)
	return err
}

// shadowAttempt is the attempt's counting write, for nobody.
func (s *Service) shadowAttempt(ctx context.Context, tenantID int64, now time.Time) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ReserveLoginAttempt(ctx, tenantID, nobody, 0, now)
		return err
	})
}

// findAccount loads an account by tenant slug and e-mail; a missing tenant
// or user leaves the ids at 0.
func (s *Service) findAccount(ctx context.Context, tenantSlug, email string) (account, error) {
	var acc account
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		t, err := tx.TenantBySlug(ctx, strings.TrimSpace(tenantSlug))
		if err != nil {
			return err
		}
		acc.tenant = t
		u, _, err := tx.UserCredentials(ctx, t.ID, strings.ToLower(strings.TrimSpace(email)))
		if errs.KindOf(err) == errs.NotFound {
			if err := s.shadowReads(ctx, tx, t.ID); err != nil {
				return err
			}
			return nil
		}
		if err != nil {
			return err
		}
		return s.loadAccount(ctx, tx, &acc, u)
	})
	if errs.KindOf(err) == errs.NotFound {
		err = nil
	}
	return acc, err
}

// loadAccount fills in what signing in needs of a known user.
func (s *Service) loadAccount(ctx context.Context, tx *store.Tx, acc *account, u org.User) error {
	var err error
	if acc.creds, err = tx.UserSecurity(ctx, acc.tenant.ID, u.ID); err != nil {
		return err
	}
	if acc.roles, err = tx.UserRoles(ctx, acc.tenant.ID, u.ID, s.now()); err != nil {
		return err
	}
	if acc.st, err = securityOf(ctx, tx, acc.tenant.ID); err != nil {
		return err
	}
	if acc.method, err = tx.FactorMethod(ctx, acc.tenant.ID, u.ID); err != nil {
		return err
	}
	acc.hasFactor = acc.method != store.FactorNone
	acc.user = u
	acc.user.Roles = acc.roleKeys()
	return nil
}

// challenge stores a sign-in waiting for its second factor. For a code
// factor it also issues the code, which the caller delivers once the
// sign-in has committed; within a moment of the last code none is issued,
// and the answer says so (CodeSent stays false).
func (s *Service) challenge(ctx context.Context, tx *store.Tx, acc *account, now time.Time) (LoginResult, *outgoing, error) {
	token, hash, err := authn.NewToken()
	if err != nil {
		return LoginResult{}, nil, err
	}
	c := store.Challenge{TenantID: acc.tenant.ID, UserID: acc.user.ID, ExpiresAt: now.Add(challengeTTL)}
	if err := tx.CreateChallenge(ctx, &c, hash); err != nil {
		return LoginResult{}, nil, err
	}
	res := LoginResult{MFARequired: true, MFAToken: token, MFAMethod: acc.method}
	if acc.method != store.FactorCode {
		return res, nil, nil
	}
	out, err := s.codeFor(ctx, tx, codeRef{tenantID: c.TenantID, userID: c.UserID, purpose: store.CodeSignIn, bound: c.ID}, now)
	if errs.KindOf(err) == errs.TooMany {
		f, err := tx.CodeFactorOf(ctx, c.TenantID, c.UserID)
		res.MFAChannel = f.Channel
		return res, nil, err
	}
	if err != nil {
		return LoginResult{}, nil, err
	}
	res.MFAChannel = out.msg.Channel
	return res, out, nil
}

// openSession starts a session for an account whose credentials were just
// checked, limited when the password has expired or a required second
// factor is missing, and records the sign-in.
func (s *Service) openSession(ctx context.Context, tx *store.Tx, acc *account, now time.Time, via string) (LoginResult, error) {
	token, hash, err := authn.NewToken()
	if err != nil {
		return LoginResult{}, err
	}
	_, absolute := acc.st.limits(isAdmin(acc.roles))
	sess := store.Session{TenantID: acc.tenant.ID, UserID: acc.user.ID, CreatedAt: now, AuthAt: now,
		ExpiresAt: now.Add(absolute), Limit: acc.limit(now), SourceIP: requestOf(ctx).SourceIP}
	if err := tx.CreateSession(ctx, &sess, hash); err != nil {
		return LoginResult{}, err
	}
	if err := s.record(ctx, tx, &Actor{UserID: acc.user.ID, SessionID: sess.ID}, acc.tenant.ID, event{action: "auth.login",
		targetType: "user", targetID: acc.user.ID, details: map[string]any{"via": via, "limit": sess.Limit}}); err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: token, ExpiresAt: sess.ExpiresAt, User: acc.user, Limit: sess.Limit}, nil
}

// limit is what a session of the account must do first, if anything.
func (acc *account) limit(now time.Time) string {
	if acc.st.policy().Expired(acc.creds.PasswordChangedAt, now) {
		return LimitPasswordChange
	}
	if !acc.hasFactor && acc.st.requiresMFA(acc.roles) {
		return LimitEnrolment
	}
	return ""
}

// limits are the idle and absolute session lifetimes for a user.
func (st SecuritySettings) limits(admin bool) (idle, absolute time.Duration) {
	c := st.sessions()
	if admin {
		return c.AdminIdle, c.AdminAbsolute
	}
	return c.Idle, c.Absolute
}

// isAdmin reports whether roles make their holder an administrator, whose
// sessions are shorter: the administrator preset, or any role that manages
// users, roles or security.
func isAdmin(roles []access.Role) bool {
	for _, r := range roles {
		if r.Key == "administrator" {
			return true
		}
		for _, f := range r.Functions {
			if f == access.ManageUsers || f == access.ManageRoles || f == access.ManageSecurity {
				return true
			}
		}
	}
	return false
}

// Authenticate resolves a bearer token (a session or an API key) to an
// actor, or fails with 401. A limited session is refused with 403: only
// the API's enrolment and password routes accept one, through
// AuthenticateLimited.
func (s *Service) Authenticate(ctx context.Context, token string) (*Actor, error) {
	a, limit, err := s.AuthenticateLimited(ctx, token)
	if err == nil && limit != "" {
		return nil, LimitError(limit)
	}
	return a, err
}

// AuthenticateLimited is Authenticate that also accepts a limited session,
// returning its limit; the caller must allow only the limit's task.
func (s *Service) AuthenticateLimited(ctx context.Context, token string) (*Actor, string, error) {
	if token == "" || len(token) > 200 {
		return nil, "", errs.E(errs.Unauthorized, "unauthenticated", "sign in first")
	}
	if strings.HasPrefix(token, apiKeyPrefix) {
		a, err := s.authenticateKey(ctx, token)
		return a, "", err
	}
	now, ip := s.now(), requestOf(ctx).SourceIP
	var a *Actor
	var sess store.Session
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if sess, err = tx.SessionByHash(ctx, authn.TokenHash(token), now); err != nil {
			return errSession
		}
		var st SecuritySettings
		if a, st, err = s.actorIn(ctx, tx, sess.TenantID, sess.UserID, ip); err != nil {
			return err
		}
		a.SessionID = sess.ID
		if !authn.SessionValid(sess.CreatedAt, sess.LastSeenAt, now, subjectIsAdmin(a.Subject), st.sessions()) {
			return errSession
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if now.Sub(sess.LastSeenAt) >= time.Minute { // once a minute is precise enough for idle limits of 5 minutes and more
		if err := s.DB.Write(ctx, func(tx *store.Tx) error { return tx.TouchSession(ctx, sess.TenantID, sess.ID, now) }); err != nil {
			s.Log.Error("session: recording use failed", "session_id", sess.ID, "err", err)
		}
	}
	return a, sess.Limit, nil
}

// actorIn builds the actor of an active user calling from ip, refusing an
// address outside the networks the tenant and the user's roles allow.
func (s *Service) actorIn(ctx context.Context, tx *store.Tx, tenantID, userID int64, ip string) (*Actor, SecuritySettings, error) {
	u, sub, cat, err := s.actorSubject(ctx, tx, tenantID, userID)
	if errs.KindOf(err) == errs.NotFound || err == nil && u.Status != org.StatusActive {
		return nil, SecuritySettings{}, errs.E(errs.Unauthorized, "unauthenticated", "the session is no longer valid")
	}
	if err != nil {
		return nil, SecuritySettings{}, err
	}
	st, err := securityOf(ctx, tx, tenantID)
	if err != nil {
		return nil, st, err
	}
	if !st.networkAllowed(ip, sub.RoleKeys) {
		return nil, st, errs.E(errs.Forbidden, "network_not_allowed", "your organisation does not allow access from this network")
	}
	u.Roles = sub.RoleKeys
	return &Actor{TenantID: tenantID, UserID: u.ID, User: u, Subject: sub, Fields: cat}, st, nil
}

// subjectIsAdmin is isAdmin for a subject already built.
func subjectIsAdmin(sub *access.Subject) bool {
	for _, k := range sub.RoleKeys {
		if k == "administrator" {
			return true
		}
	}
	return sub.Can(access.ManageUsers) || sub.Can(access.ManageRoles) || sub.Can(access.ManageSecurity)
}

// needStepUp fails unless the actor's session authenticated within the
// step-up window. API keys never qualify; actors without a session (jobs)
// are the system itself.
func (s *Service) needStepUp(ctx context.Context, tx *store.Tx, a *Actor) error {
	if a.APIKeyID != 0 {
		return errStepUp
	}
	if a.SessionID == 0 {
		return nil
	}
	sess, err := tx.SessionByID(ctx, a.TenantID, a.SessionID)
	if err != nil || !authn.Fresh(sess.AuthAt, s.now()) {
		return errStepUp
	}
	return nil
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
		u, sub, cat, err := s.actorSubject(ctx, tx, tenantID, userID)
		if err != nil {
			return err
		}
		if u.Status != org.StatusActive {
			return errs.E(errs.Conflict, "user_inactive", "the user is not active")
		}
		a = &Actor{TenantID: tenantID, UserID: u.ID, User: u, Subject: sub, Fields: cat}
		return nil
	})
	return a, err
}

// recordLoginFailure records a failed sign-in in the tenant's trail, in a
// transaction of its own, since the sign-in itself changes nothing. The
// e-mail typed is personal data and is not kept; a known account is named
// by its id, and the reason says which check refused it.
func (s *Service) recordLoginFailure(ctx context.Context, tenantID, userID int64, reason string) {
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.record(ctx, tx, nil, tenantID, event{action: "auth.login_failed", targetType: "user", targetID: userID, outcome: audit.Failure,
			details: map[string]string{"reason": reason}, links: store.AuditLinks{User: userID}})
	})
	if err != nil {
		s.Log.Error("audit: recording a failed sign-in failed", "err", err)
	}
}
