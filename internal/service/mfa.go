package service

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/errs"
	"steward/internal/keyring"
	"steward/internal/org"
	"steward/internal/store"
)

// TOTPEnrolment is a new authenticator secret to scan: the secret itself,
// its otpauth:// URI, and the URI as a QR code (PNG).
type TOTPEnrolment struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauth_uri"`
	QRPNG  []byte `json:"qr_png"`
}

// RecoveryCodes are shown once, when a factor is confirmed; only their
// hashes are kept.
type RecoveryCodes struct {
	Codes []string `json:"recovery_codes"`
}

// StartTOTP makes a new secret for the actor's authenticator app. It
// counts only once confirmed with a code from the app.
func (s *Service) StartTOTP(ctx context.Context, a *Actor) (TOTPEnrolment, error) {
	var out TOTPEnrolment
	if a.APIKeyID != 0 {
		return out, errs.E(errs.Forbidden, "session_required", "second factors are managed from a signed-in session, not with an API key")
	}
	secret, err := authn.NewTOTPSecret()
	if err != nil {
		return out, err
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		t, err := tx.Tenant(ctx, a.TenantID)
		if err != nil {
			return err
		}
		if m, err := tx.FactorMethod(ctx, a.TenantID, a.UserID); err != nil || m == store.FactorCode {
			return factorExists(err)
		}
		if out.URI, err = authn.TOTPURI(issuer(t), a.User.Email, secret); err != nil {
			return err
		}
		sealed, err := s.seal(ctx, tx, totpPlace(a.TenantID, a.UserID), secret)
		if err != nil {
			return err
		}
		if err := tx.StartTOTP(ctx, a.TenantID, a.UserID, sealed, s.now()); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "mfa.totp.start", targetType: "user", targetID: a.UserID, links: store.AuditLinks{User: a.UserID}})
	})
	if err != nil {
		return out, err
	}
	out.Secret = secret
	out.QRPNG, err = authn.TOTPQRCode(out.URI, 256)
	return out, err
}

// totpPlace is where a user's authenticator secret is stored, sealed.
func totpPlace(tenantID, userID int64) keyring.Place {
	return keyring.Place{TenantID: tenantID, Table: "totp_factors", Column: "secret", Row: strconv.FormatInt(userID, 10)}
}

// totpFactor reads a user's factor with its secret opened.
func (s *Service) totpFactor(ctx context.Context, tx *store.Tx, tenantID, userID int64) (store.TOTP, error) {
	f, err := tx.TOTPFactor(ctx, tenantID, userID)
	if err != nil {
		return f, err
	}
	f.Secret, err = s.open(ctx, tx, totpPlace(tenantID, userID), f.Secret)
	return f, err
}

// issuer is the label an authenticator app shows: Steward and the tenant.
func issuer(t org.Tenant) string {
	return "Steward " + strings.NewReplacer(":", " ").Replace(t.Name)
}

// ConfirmTOTP turns on the pending factor with a first code from the app
// and returns fresh recovery codes. The actor's other sessions end; this
// one is no longer limited to enrolment.
func (s *Service) ConfirmTOTP(ctx context.Context, a *Actor, code string) (RecoveryCodes, error) {
	var out RecoveryCodes
	if a.APIKeyID != 0 {
		return out, errs.E(errs.Forbidden, "session_required", "second factors are managed from a signed-in session, not with an API key")
	}
	codes, hashes, err := authn.NewRecoveryCodes()
	if err != nil {
		return out, err
	}
	now := s.now()
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.LockUser(ctx, a.TenantID, a.UserID); err != nil {
			return err
		}
		if m, err := tx.FactorMethod(ctx, a.TenantID, a.UserID); err != nil || m == store.FactorCode {
			return factorExists(err) // one factor at a time
		}
		f, err := s.totpFactor(ctx, tx, a.TenantID, a.UserID)
		if errs.KindOf(err) == errs.NotFound || err == nil && f.ConfirmedAt != nil {
			return errs.E(errs.Conflict, "no_pending_factor", "start an enrolment with POST /me/mfa/totp first")
		}
		if err != nil {
			return err
		}
		st, err := securityOf(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		step, err := authn.VerifyTOTP("code", f.Secret, code, now, f.LastStep, st.window())
		if err != nil {
			return asInvalid(err)
		}
		if ok, err := tx.SpendTOTPStep(ctx, a.TenantID, a.UserID, step); err != nil || !ok {
			if err == nil { // a parallel confirm spent it first
				err = errs.Field("code", "totp_reused", "this code was already used; wait for the next one")
			}
			return err
		}
		if err := tx.ConfirmTOTP(ctx, a.TenantID, a.UserID, hashes, now); err != nil {
			return err
		}
		if err := s.afterFactorChange(ctx, tx, a, now); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "mfa.totp.enrol", targetType: "user", targetID: a.UserID, links: store.AuditLinks{User: a.UserID}})
	})
	out.Codes = codes
	return out, err
}

// RemoveTOTP turns the actor's authenticator app off. It needs a recent
// authentication; if a role still requires a factor, the session is
// limited to enrolling a new one.
func (s *Service) RemoveTOTP(ctx context.Context, a *Actor) error {
	return s.removeFactor(ctx, a, store.FactorTOTP, event{action: "mfa.totp.remove"})
}

// afterFactorChange ends the actor's other sessions and sets what this one
// must still do.
func (s *Service) afterFactorChange(ctx context.Context, tx *store.Tx, a *Actor, now time.Time) error {
	if err := tx.DeleteOtherSessions(ctx, a.TenantID, a.UserID, a.SessionID); err != nil {
		return err
	}
	return s.relimit(ctx, tx, a.TenantID, a.UserID, a.SessionID, now)
}

// relimit recomputes the limit of a session after its user changed a
// credential. It leaves the session's authentication time alone: enrolling
// a factor (no password asked) or changing the password (no code asked) is
// not a step-up, or a stolen session could turn itself into a fresh one.
// Only StepUp refreshes it.
func (s *Service) relimit(ctx context.Context, tx *store.Tx, tenantID, userID, sessionID int64, now time.Time) error {
	if sessionID == 0 {
		return nil
	}
	acc := account{tenant: org.Tenant{ID: tenantID}}
	u, err := tx.User(ctx, tenantID, userID)
	if err != nil {
		return err
	}
	if err := s.loadAccount(ctx, tx, &acc, u); err != nil {
		return err
	}
	return tx.SetSessionLimit(ctx, tenantID, sessionID, acc.limit(now))
}

// asInvalid turns a wrong code from a signed-in user into a 400 naming the
// field: a 401 would read as the session having ended.
func asInvalid(err error) error {
	e := errs.As(err)
	if e.Kind != errs.Unauthorized {
		return err
	}
	c := *e
	c.Kind = errs.Invalid
	return &c
}

// CompleteMFA finishes a sign-in that answered MFARequired with a code
// from the authenticator app or a recovery code. A TOTP code is accepted
// once: its time step is stored, atomically, as the user's last.
func (s *Service) CompleteMFA(ctx context.Context, mfaToken, code string) (LoginResult, error) {
	now, ip := s.now(), requestOf(ctx).SourceIP
	if !s.throttle.allows(ip, now) {
		return LoginResult{}, errThrottled
	}
	var ch store.Challenge
	var acc account
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if mfaToken == "" || len(mfaToken) > 200 {
			return errMFAToken
		}
		if ch, err = tx.ChallengeByHash(ctx, authn.TokenHash(mfaToken), now); err != nil {
			return errMFAToken
		}
		acc.tenant, err = tx.Tenant(ctx, ch.TenantID)
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, ch.TenantID, ch.UserID)
		if err != nil {
			return err
		}
		return s.loadAccount(ctx, tx, &acc, u)
	})
	if err != nil {
		return LoginResult{}, err
	}
	if acc.user.Status != org.StatusActive {
		s.recordLoginFailure(ctx, acc.tenant.ID, acc.user.ID, "second_factor_refused")
		return LoginResult{}, errMFAToken
	}
	if err := s.reserveCode(ctx, &acc, ch, now); err != nil {
		return LoginResult{}, err
	}
	via, err := s.secondFactor(ctx, &acc, code, now, codeRef{tenantID: ch.TenantID, userID: ch.UserID, purpose: store.CodeSignIn, bound: ch.ID})
	if err != nil {
		s.secondFactorFailed(ctx, &acc, errs.As(err).Code)
		return LoginResult{}, err
	}
	var res LoginResult
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if ok, err := tx.DeleteChallenge(ctx, ch.TenantID, ch.ID); err != nil || !ok {
			if err == nil {
				err = errMFAToken // a parallel request completed it
			}
			return err
		}
		if err := tx.ResetFailedLogins(ctx, acc.tenant.ID, acc.user.ID); err != nil {
			return err
		}
		res, err = s.openSession(ctx, tx, &acc, now, via)
		return err
	})
	if err == nil {
		s.throttle.refund(requestOf(ctx).SourceIP)
	}
	return res, err
}

// errCodeSlowed answers a code that arrives while the account waits out a
// delay, or while a parallel code for it is being checked.
var errCodeSlowed = errs.E(errs.TooMany, "too_many_attempts", "too many codes were tried for this account; wait a moment and try again")

// reserveCode takes one of the challenge's attempts and one place in the
// account's run of failures, both with a compare-and-set and in one
// transaction, before the code is checked: parallel codes on one challenge
// get at most challengeAttempts tries between them, and each counts
// against the account's lockout as a failure until a code succeeds.
func (s *Service) reserveCode(ctx context.Context, acc *account, ch store.Challenge, now time.Time) error {
	var reason string
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		ok, err := tx.ReserveChallengeAttempt(ctx, ch.TenantID, ch.ID, challengeAttempts)
		if err != nil {
			return err
		}
		if !ok {
			// Refused, not deleted: a parallel request may still be checking
			// a code under one of the attempts taken, and deleting the
			// challenge under it failed a right code (TestCodeParallel).
			// A challenge with no attempt left accepts nothing, and expires.
			reason = "challenge_used_up"
			return nil
		}
		if reason, err = s.reserveAttempt(ctx, tx, acc, now); err != nil || reason == "" {
			return err
		}
		return errCodeSlowed // gives the challenge's attempt back: no code was checked
	})
	if err != nil && !errors.Is(err, errCodeSlowed) {
		return err
	}
	if reason == "" {
		return nil
	}
	s.recordLoginFailure(ctx, acc.tenant.ID, acc.user.ID, "second_factor_"+reason)
	if reason == "throttled" {
		return errCodeSlowed
	}
	return errMFAToken
}

// secondFactor checks a code against the account's factor: six digits
// are a TOTP code or the code sent for ref, anything else a recovery code.
// It spends what it accepts, with a compare-and-set, and says which it was.
func (s *Service) secondFactor(ctx context.Context, acc *account, code string, now time.Time, ref codeRef) (string, error) {
	switch {
	case !authn.IsSixDigits(code):
		return "recovery_code", s.spendRecoveryCode(ctx, acc, code)
	case acc.method == store.FactorCode:
		return "code", s.checkSentCode(ctx, ref, code, now)
	}
	return "totp", s.spendTOTP(ctx, acc, code, now)
}

// spendTOTP checks a code from the authenticator app and spends its time
// step, so that it works once.
func (s *Service) spendTOTP(ctx context.Context, acc *account, code string, now time.Time) error {
	var f store.TOTP
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		f, err = s.totpFactor(ctx, tx, acc.tenant.ID, acc.user.ID)
		return err
	})
	if err != nil {
		return err
	}
	step, err := authn.VerifyTOTP("code", f.Secret, code, now, f.LastStep, acc.st.window())
	if err != nil {
		return err
	}
	var ok bool
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		ok, err = tx.SpendTOTPStep(ctx, acc.tenant.ID, acc.user.ID, step)
		return err
	})
	if err == nil && !ok {
		err = &errs.Error{Kind: errs.Unauthorized, Code: "totp_reused", Field: "code", Message: "this code was already used; wait for the next one"}
	}
	return err
}

// spendRecoveryCode checks a recovery code and deletes it, so that it
// works once.
func (s *Service) spendRecoveryCode(ctx context.Context, acc *account, code string) error {
	var hashes []string
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		hashes, err = tx.RecoveryCodes(ctx, acc.tenant.ID, acc.user.ID)
		return err
	})
	if err != nil {
		return err
	}
	i, err := authn.MatchRecoveryCode("code", code, hashes)
	if errs.As(err).Code == "recovery_code_malformed" {
		shows := "your authenticator app shows"
		if acc.method == store.FactorCode {
			shows = "we sent you"
		}
		return errs.Field("code", "code_malformed", "code must be the 6 digits %s or one of your recovery codes", shows)
	}
	if err != nil {
		return err
	}
	var ok bool
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		ok, err = tx.SpendRecoveryCode(ctx, acc.tenant.ID, acc.user.ID, hashes[i])
		return err
	})
	if err == nil && !ok {
		err = &errs.Error{Kind: errs.Unauthorized, Code: "recovery_code_invalid", Field: "code", Message: "this recovery code is wrong or was already used"}
	}
	return err
}

// secondFactorFailed records a wrong code, which reserveCode has already
// counted against the challenge and the account, and the lock it may
// have reached.
func (s *Service) secondFactorFailed(ctx context.Context, acc *account, reason string) {
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.record(ctx, tx, nil, acc.tenant.ID, event{action: "auth.login_failed", targetType: "user", targetID: acc.user.ID,
			outcome: audit.Failure, details: map[string]string{"reason": reason, "stage": "second_factor"}, links: store.AuditLinks{User: acc.user.ID}})
	})
	if err != nil {
		s.Log.Error("audit: recording a failed second factor failed", "err", err)
	}
	s.recordLockIfReached(ctx, acc)
}

// StepUp proves again who the actor is, with their password and, when
// they have one, a second-factor code, so that sensitive operations are
// allowed for the next authn.StepUpWindow.
func (s *Service) StepUp(ctx context.Context, a *Actor, password, code string) error {
	acc, now, err := s.reauthenticating(ctx, a, "step-up needs a signed-in session")
	if err != nil {
		return err
	}
	errWrong := errs.E(errs.Unauthorized, "step_up_failed", "the password or code is wrong")
	ok, reason, err := s.attempt(ctx, &acc, now, func() (bool, error) { return s.Hasher.Verify(ctx, password, acc.creds.Hash) })
	if err == nil && ok && acc.hasFactor {
		_, err = s.secondFactor(ctx, &acc, code, now, codeRef{tenantID: a.TenantID, userID: a.UserID, purpose: store.CodeStepUp, bound: a.SessionID})
		ok = err == nil
		reason = "wrong_password" // the reserved attempt failed
		if errs.KindOf(err) == errs.Unauthorized || errs.KindOf(err) == errs.Invalid {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	if !ok {
		s.recordLoginFailure(ctx, a.TenantID, a.UserID, "step_up")
		if reason == "wrong_password" {
			s.recordLockIfReached(ctx, &acc)
		}
		return errWrong
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.ResetFailedLogins(ctx, a.TenantID, a.UserID); err != nil {
			return err
		}
		if err := tx.RefreshSession(ctx, a.TenantID, a.SessionID, now, acc.limit(now)); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "auth.step_up", targetType: "session", targetID: a.SessionID})
	})
	if err == nil {
		s.throttle.refund(requestOf(ctx).SourceIP)
	}
	return err
}

// reauthenticating starts a check of the signed-in user's own password:
// only from a session (an API key has no password to give), and within the
// per-address limit on failures, like a sign-in.
func (s *Service) reauthenticating(ctx context.Context, a *Actor, notSession string) (account, time.Time, error) {
	now := s.now()
	if a.APIKeyID != 0 || a.SessionID == 0 {
		return account{}, now, errs.E(errs.Forbidden, "session_required", "%s", notSession)
	}
	if !s.throttle.allows(requestOf(ctx).SourceIP, now) {
		return account{}, now, errThrottled
	}
	acc, err := s.accountOf(ctx, a)
	return acc, now, err
}

// accountOf loads the sign-in state of the actor's own account.
func (s *Service) accountOf(ctx context.Context, a *Actor) (account, error) {
	var acc account
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if acc.tenant, err = tx.Tenant(ctx, a.TenantID); err != nil {
			return err
		}
		u, err := tx.User(ctx, a.TenantID, a.UserID)
		if err != nil {
			return err
		}
		return s.loadAccount(ctx, tx, &acc, u)
	})
	return acc, err
}

// UserHasFactor says whether a user has a confirmed second factor: for the
// user themselves, or a holder of manage_users.
func (s *Service) UserHasFactor(ctx context.Context, a *Actor, userID int64) (bool, error) {
	if userID != a.UserID {
		if err := a.need(access.ManageUsers); err != nil {
			return false, err
		}
	}
	var has bool
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, err := tx.User(ctx, a.TenantID, userID); err != nil {
			return err
		}
		var err error
		has, err = tx.HasFactor(ctx, a.TenantID, userID)
		return err
	})
	return has, err
}
