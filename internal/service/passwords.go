package service

import (
	"context"
	"time"

	"steward/internal/access"
	"steward/internal/authn"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// resetTTL is how long a password-reset token works: under an hour, once.
const resetTTL = 30 * time.Minute

// PasswordReset is a reset token issued for a user. When a Sender is
// configured the token goes to the user and Token is empty; without one,
// Token is shown once to the administrator, who must hand it to the user
// out of band (in person, by phone), never by a channel others read.
type PasswordReset struct {
	Token     string    `json:"token,omitempty" doc:"Only when no delivery channel is configured (sent is false): the single-use token, which the administrator must deliver to the user out of band (in person or by phone) and not keep. Absent when the token was sent to the user."`
	ExpiresAt time.Time `json:"expires_at"`
	Sent      bool      `json:"sent"`
}

// ChangePassword replaces the actor's password, given the current one. The
// new one must pass the tenant's policy with the user's context words and,
// in the dengbao-l3 profile, differ from the last few. Every other session
// of the user ends, pending sign-ins are dropped and the user's API keys
// are revoked; this session stays, but the change is no step-up (no second
// factor was asked).
func (s *Service) ChangePassword(ctx context.Context, a *Actor, current, next string) error {
	acc, now, err := s.reauthenticating(ctx, a, "passwords are changed from a signed-in session")
	if err != nil {
		return err
	}
	if len(current) > 4*s.Passwords.MaxLength {
		return errs.Field("current_password", "wrong_password", "current_password is wrong")
	}
	ok, reason, err := s.attempt(ctx, &acc, now, func() (bool, error) { return s.Hasher.Verify(ctx, current, acc.creds.Hash) })
	if err != nil {
		return err
	}
	if !ok {
		s.recordLoginFailure(ctx, a.TenantID, a.UserID, "password_change")
		if reason == "wrong_password" {
			s.recordLockIfReached(ctx, &acc)
		}
		return errs.Field("current_password", "wrong_password", "current_password is wrong")
	}
	s.throttle.refund(requestOf(ctx).SourceIP) // the current password was right
	hash, err := s.checkNewPassword(ctx, &acc, "new_password", next, current)
	if err != nil {
		if werr := s.DB.Write(ctx, func(tx *store.Tx) error { return passwordProved(ctx, tx, &acc) }); werr != nil {
			return werr
		}
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := passwordProved(ctx, tx, &acc); err != nil {
			return err
		}
		if err := tx.SetPassword(ctx, a.TenantID, a.UserID, hash, now); err != nil {
			return err
		}
		if err := tx.DeleteOtherSessions(ctx, a.TenantID, a.UserID, a.SessionID); err != nil {
			return err
		}
		if err := s.dropCredentials(ctx, tx, a.TenantID, a.UserID, now); err != nil {
			return err
		}
		if err := s.relimit(ctx, tx, a.TenantID, a.UserID, a.SessionID, now); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "user.password_change", targetType: "user", targetID: a.UserID, links: store.AuditLinks{User: a.UserID}})
	})
}

// passwordProved settles the attempt a correct password took: without a
// second factor it ends the run of failures, as a sign-in does; with one it
// only gives the attempt back, since the password alone proves too little
// to wipe out wrong codes.
func passwordProved(ctx context.Context, tx *store.Tx, acc *account) error {
	if acc.hasFactor {
		return tx.RefundLoginAttempt(ctx, acc.tenant.ID, acc.user.ID, acc.creds.LastFailedAt)
	}
	return tx.ResetFailedLogins(ctx, acc.tenant.ID, acc.user.ID)
}

// dropCredentials ends what a user's old password let others hold: pending
// sign-ins waiting for their second factor, and API keys.
func (s *Service) dropCredentials(ctx context.Context, tx *store.Tx, tenantID, userID int64, now time.Time) error {
	if err := tx.DeleteUserChallenges(ctx, tenantID, userID); err != nil {
		return err
	}
	return tx.RevokeUserAPIKeys(ctx, tenantID, userID, now)
}

// checkNewPassword applies the tenant's policy to a new password for the
// account and returns its hash. current is the password the user typed to
// change it, "" on a reset.
func (s *Service) checkNewPassword(ctx context.Context, acc *account, field, next, current string) (string, error) {
	pol := acc.st.policy()
	var previous []string
	if pol.History > 0 {
		err := s.DB.Read(ctx, func(tx *store.Tx) error {
			var err error
			previous, err = tx.PasswordHistory(ctx, acc.tenant.ID, acc.user.ID, pol.History)
			return err
		})
		if err != nil {
			return "", err
		}
	}
	err := pol.CheckNew(field, authn.Candidate{Password: next, MFA: acc.hasFactor,
		Context: []string{acc.tenant.Name, acc.tenant.Slug, acc.user.Name, acc.user.Email},
		Current: current, Previous: previous,
		Matches: func(p, h string) (bool, error) { return s.Hasher.Verify(ctx, p, h) }})
	if err != nil {
		return "", err
	}
	return s.Hasher.Hash(ctx, next)
}

// IssuePasswordReset makes a single-use reset token for a user, valid for
// resetTTL. Administrators never set a password: a Sender delivers the
// token to the user, or, when none is configured, the answer carries it
// for the administrator to hand over out of band. It needs a step-up from
// a signed-in session (never an API key), and is refused for a user
// holding a function the administrator lacks. It does not touch the second
// factor, which the next sign-in still asks for.
func (s *Service) IssuePasswordReset(ctx context.Context, a *Actor, userID int64) (PasswordReset, error) {
	var out PasswordReset
	if err := a.need(access.ManageUsers); err != nil {
		return out, err
	}
	if a.APIKeyID != 0 {
		return out, errs.E(errs.Forbidden, "session_required", "password resets are issued from a signed-in session, not with an API key")
	}
	token, hash, err := authn.NewToken()
	if err != nil {
		return out, err
	}
	var u org.User
	out = PasswordReset{Token: token, ExpiresAt: s.now().Add(resetTTL)}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if u, err = tx.User(ctx, a.TenantID, userID); err != nil {
			return err
		}
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		if err := s.notAbove(ctx, tx, a, userID); err != nil {
			return err
		}
		r := store.PasswordReset{TenantID: a.TenantID, UserID: userID, ExpiresAt: out.ExpiresAt}
		if err := tx.CreatePasswordReset(ctx, &r, hash, a.UserID); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "user.password_reset_issued", targetType: "user", targetID: userID, links: store.AuditLinks{User: userID},
			details: map[string]any{"via_sender": s.Sender != nil}})
	})
	if err != nil || s.Sender == nil {
		return out, err
	}
	out.Token = "" // delivered to the user, never shown to the administrator
	msg := Message{UserID: userID, To: u.Email, Subject: "Reset your Steward password",
		Body: "Your one-time reset token (valid 30 minutes): " + token}
	if err := s.Sender.Send(ctx, msg); err != nil {
		s.Log.Error("password reset: sending failed", "user_id", userID, "err", err)
		return out, errs.E(errs.Conflict, "reset_not_sent", "the reset token could not be sent to the user; try again later")
	}
	out.Sent = true
	return out, nil
}

// notAbove refuses an action on a user who holds a system function the
// actor lacks: resetting that user's password would hand the actor those
// functions.
func (s *Service) notAbove(ctx context.Context, tx *store.Tx, a *Actor, userID int64) error {
	roles, err := tx.UserRoles(ctx, a.TenantID, userID, s.now())
	if err != nil {
		return err
	}
	for _, r := range roles {
		for _, f := range r.Functions {
			if !a.Subject.Can(f) {
				return errs.E(errs.Forbidden, "target_exceeds_own", "the user holds the %s function, which you do not hold", f)
			}
		}
	}
	return nil
}

// ResetPassword sets a new password with a reset token. The token works
// once; every session of the user ends; no session is opened, so the next
// sign-in asks for the password and, when enrolled, the second factor.
func (s *Service) ResetPassword(ctx context.Context, tenantSlug, token, next string) error {
	now, ip := s.now(), requestOf(ctx).SourceIP
	if !s.throttle.allows(ip, now) {
		return errThrottled
	}
	errToken := errs.Field("token", "reset_token_invalid", "the reset token is wrong, used or expired; ask an administrator for a new one")
	if token == "" || len(token) > 200 {
		return errToken
	}
	var acc account
	var reset store.PasswordReset
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		t, err := tx.TenantBySlug(ctx, tenantSlug)
		if err != nil {
			return errToken
		}
		acc.tenant = t
		if reset, err = tx.FindPasswordReset(ctx, t.ID, authn.TokenHash(token), now); err != nil {
			return errToken
		}
		u, err := tx.User(ctx, t.ID, reset.UserID)
		if err != nil {
			return err
		}
		return s.loadAccount(ctx, tx, &acc, u)
	})
	if err != nil {
		return err
	}
	s.throttle.refund(requestOf(ctx).SourceIP) // the token was right
	hash, err := s.checkNewPassword(ctx, &acc, "new_password", next, "")
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.TakePasswordReset(ctx, acc.tenant.ID, authn.TokenHash(token), now); err != nil {
			return errToken // a parallel request used it
		}
		if err := tx.SetPassword(ctx, acc.tenant.ID, acc.user.ID, hash, now); err != nil {
			return err
		}
		if err := tx.ResetFailedLogins(ctx, acc.tenant.ID, acc.user.ID); err != nil { // a reset ends a lock
			return err
		}
		if err := tx.DeleteUserSessions(ctx, acc.tenant.ID, acc.user.ID); err != nil {
			return err
		}
		if err := s.dropCredentials(ctx, tx, acc.tenant.ID, acc.user.ID, now); err != nil {
			return err
		}
		return s.record(ctx, tx, nil, acc.tenant.ID, event{action: "user.password_reset", targetType: "user", targetID: acc.user.ID,
			links: store.AuditLinks{User: acc.user.ID}})
	})
}
