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

// PasswordReset is a reset token, shown once to the administrator who
// asked for it (and sent to the user when a Sender is configured).
type PasswordReset struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Sent      bool      `json:"sent"`
}

// ChangePassword replaces the actor's password, given the current one. The
// new one must pass the tenant's policy with the user's context words and,
// in the dengbao-l3 profile, differ from the last few. Every other session
// of the user ends; this one is freshly authenticated.
func (s *Service) ChangePassword(ctx context.Context, a *Actor, current, next string) error {
	if a.APIKeyID != 0 || a.SessionID == 0 {
		return errs.E(errs.Forbidden, "session_required", "passwords are changed from a signed-in session")
	}
	now, ip := s.now(), requestOf(ctx).SourceIP
	if !s.throttle.allows(ip, now) {
		return errThrottled
	}
	acc, err := s.accountOf(ctx, a)
	if err != nil {
		return err
	}
	if len(current) > 4*s.Passwords.MaxLength {
		return errs.Field("current_password", "wrong_password", "current_password is wrong")
	}
	ok, _, err := s.attempt(ctx, &acc, now, func() (bool, error) { return s.Hasher.Verify(ctx, current, acc.creds.Hash) })
	if err != nil {
		return err
	}
	if !ok {
		s.throttle.fail(ip, now)
		s.recordLoginFailure(ctx, a.TenantID, a.UserID, "password_change")
		return errs.Field("current_password", "wrong_password", "current_password is wrong")
	}
	hash, err := s.checkNewPassword(ctx, &acc, "new_password", next, current)
	if err != nil {
		s.resetFailures(ctx, a.TenantID, a.UserID) // the current password was right
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetPassword(ctx, a.TenantID, a.UserID, hash, now); err != nil {
			return err
		}
		if err := tx.DeleteOtherSessions(ctx, a.TenantID, a.UserID, a.SessionID); err != nil {
			return err
		}
		if err := s.relimit(ctx, tx, a.TenantID, a.UserID, a.SessionID, now); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "user.password_change", targetType: "user", targetID: a.UserID, links: store.AuditLinks{User: a.UserID}})
	})
}

func (s *Service) resetFailures(ctx context.Context, tenantID, userID int64) {
	if err := s.DB.Write(ctx, func(tx *store.Tx) error { return tx.ResetFailedLogins(ctx, tenantID, userID) }); err != nil {
		s.Log.Error("sign-in: resetting failures failed", "user_id", userID, "err", err)
	}
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
// resetTTL. Administrators never set a password: they hand the token over
// (or a Sender delivers it). It does not touch the second factor, which
// the next sign-in still asks for.
func (s *Service) IssuePasswordReset(ctx context.Context, a *Actor, userID int64) (PasswordReset, error) {
	var out PasswordReset
	if err := a.need(access.ManageUsers); err != nil {
		return out, err
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
		r := store.PasswordReset{TenantID: a.TenantID, UserID: userID, ExpiresAt: out.ExpiresAt}
		if err := tx.CreatePasswordReset(ctx, &r, hash, a.UserID); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "user.password_reset_issued", targetType: "user", targetID: userID, links: store.AuditLinks{User: userID}})
	})
	if err != nil || s.Sender == nil {
		return out, err
	}
	if err := s.Sender.Send(ctx, u.Email, "Reset your Steward password", "Your one-time reset token (valid 30 minutes): "+token); err != nil {
		s.Log.Error("password reset: sending failed", "user_id", userID, "err", err)
		return out, nil
	}
	out.Sent = true
	return out, nil
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
		s.throttle.fail(ip, now)
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
		if errs.As(err).Code == "reset_token_invalid" {
			s.throttle.fail(ip, now)
		}
		return err
	}
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
		if err := tx.DeleteUserSessions(ctx, acc.tenant.ID, acc.user.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, nil, acc.tenant.ID, event{action: "user.password_reset", targetType: "user", targetID: acc.user.ID,
			links: store.AuditLinks{User: acc.user.ID}})
	})
}
