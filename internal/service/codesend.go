package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/store"
)

// Codes sent by e-mail or SMS (docs/security.md, "Codes by e-mail or
// SMS"): each is six random digits, kept as a salted hash, for one purpose
// and bound to what it was sent for (a pending sign-in, or the session
// that enrols or steps up), so that a code works nowhere else (ASVS 5.0
// 6.6.2). A code lives codeTTL and survives codeTries checks; parallel
// checks take their tries, and the right code is spent, each with a
// compare-and-set, as TOTP steps and recovery codes are. A user gets at
// most one code per codeGap and codesPerHour an hour, whatever asks for
// them: a stolen password cannot be turned into a stream of SMS.
const (
	codeTTL      = 5 * time.Minute
	codeTries    = 5
	codeGap      = 30 * time.Second
	codesPerHour = 10
)

// SentCode says that a code went out, by which channel and until when it
// works; never the code, nor where it went.
type SentCode struct {
	Channel   string    `json:"channel" doc:"email or sms"`
	ExpiresAt time.Time `json:"expires_at"`
}

// codeRef names the one thing a code is good for.
type codeRef struct {
	tenantID, userID int64
	purpose          string // store.CodeEnrol, CodeSignIn or CodeStepUp
	bound            int64  // the pending sign-in of a sign-in code; the session of the others
}

// outgoing is a code to deliver once the transaction that stored it has
// committed: delivery is slow and must not hold the database.
type outgoing struct {
	ref  codeRef
	msg  Message
	sent SentCode
}

var (
	errNoSender = errs.E(errs.Conflict, "no_sender", "this server has no e-mail or SMS delivery configured; use an authenticator app")
	errNotSent  = errs.E(errs.Conflict, "code_not_sent", "the code could not be sent; try again later, or use a recovery code")
	errCodeGone = &errs.Error{Kind: errs.Unauthorized, Code: "code_expired", Field: "code",
		Message: "this code has expired, was already used or had too many wrong tries; ask for a new one"}
	errNoCodeFactor = errs.E(errs.Conflict, "no_code_factor", "your second factor is not a code sent by e-mail or SMS")
)

// codeMessages are the subject and the sentence before the code, by purpose.
var codeMessages = map[string][2]string{
	store.CodeEnrol:  {"Confirm this address for Steward", "Your code to confirm this address as your second factor is"},
	store.CodeSignIn: {"Your Steward sign-in code", "Your sign-in code is"},
	store.CodeStepUp: {"Your Steward confirmation code", "Your code to confirm it is you is"},
}

// issueCode makes and stores a code for ref, to go to address by channel,
// within the user's resend limit. The caller delivers it after commit.
func (s *Service) issueCode(ctx context.Context, tx *store.Tx, ref codeRef, channel, address string, now time.Time) (*outgoing, error) {
	if err := tx.LockUser(ctx, ref.tenantID, ref.userID); err != nil {
		return nil, err
	}
	n, last, err := tx.CodesSince(ctx, ref.tenantID, ref.userID, now.Add(-time.Hour))
	switch {
	case err != nil:
		return nil, err
	case n > 0 && now.Sub(last) < codeGap:
		return nil, errs.E(errs.TooMany, "code_too_soon", "a code was sent less than %d seconds ago; use it, or wait before asking for another", int(codeGap/time.Second))
	case n >= codesPerHour:
		return nil, errs.E(errs.TooMany, "too_many_codes", "%d codes were sent in the last hour; wait before asking for another", codesPerHour)
	}
	code, salt, hash, err := authn.NewSentCode()
	if err != nil {
		return nil, err
	}
	c := store.SentCode{TenantID: ref.tenantID, UserID: ref.userID, Purpose: ref.purpose, BoundTo: ref.bound,
		Salt: salt, Hash: hash, SentAt: now, ExpiresAt: now.Add(codeTTL)}
	if err := tx.CreateSentCode(ctx, &c, now.Add(-time.Hour)); err != nil {
		return nil, err
	}
	text := codeMessages[ref.purpose]
	body := text[1] + " " + code + ".\nIt works once, for " + strconv.Itoa(int(codeTTL/time.Minute)) + " minutes. Nobody from Steward will ask you for it.\n" +
		"If you did not ask for it, someone may know your password: change it."
	return &outgoing{ref: ref, msg: Message{UserID: ref.userID, Channel: channel, To: address, Subject: text[0], Body: body},
		sent: SentCode{Channel: channel, ExpiresAt: c.ExpiresAt}}, nil
}

// deliver sends a stored code and records the delivery (mfa.code.send),
// or its failure, in a transaction of its own. a is the signed-in actor,
// nil during a sign-in. The log names the user by id; an error from the
// gateway has the address taken out before it is logged.
func (s *Service) deliver(ctx context.Context, a *Actor, out *outgoing) error {
	var err error = errNoSender
	if s.Sender != nil {
		err = s.Sender.Send(ctx, out.msg)
	}
	details := map[string]string{"purpose": out.ref.purpose, "channel": out.msg.Channel}
	outcome := ""
	if err != nil {
		outcome, details["reason"] = audit.Failure, errs.As(err).Code
		if !errors.Is(err, errNoSender) {
			details["reason"] = "delivery_failed"
			// Not the error's text: a mail server's reply may echo the
			// address in any form.
			s.Log.Error("second-factor code: sending failed", "user_id", out.ref.userID, "channel", out.msg.Channel,
				"err_type", fmt.Sprintf("%T", err))
		}
	}
	if werr := s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.record(ctx, tx, a, out.ref.tenantID, event{action: "mfa.code.send", targetType: "user", targetID: out.ref.userID,
			outcome: outcome, details: details, links: store.AuditLinks{User: out.ref.userID}})
	}); werr != nil {
		s.Log.Error("audit: recording a sent code failed", "user_id", out.ref.userID, "err", werr)
	}
	if err != nil {
		if errors.Is(err, errNoSender) {
			return errNoSender
		}
		return errNotSent
	}
	return nil
}

// checkSentCode checks input against the live code for ref, in a
// transaction of its own so that the try it takes stays taken when the
// code is wrong. The last wrong try burns the code; the right code is
// spent, once, by whichever parallel check gets there first.
func (s *Service) checkSentCode(ctx context.Context, ref codeRef, input string, now time.Time) error {
	if !authn.IsSixDigits(input) {
		return authn.SentCodeMalformed("code")
	}
	var result error
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		c, err := tx.LiveCode(ctx, ref.tenantID, ref.userID, ref.purpose, ref.bound, now)
		if errs.KindOf(err) == errs.NotFound {
			result = errCodeGone
			return nil
		}
		if err != nil {
			return err
		}
		tries, ok, err := tx.ReserveCodeTry(ctx, ref.tenantID, c.ID, codeTries, now)
		if err != nil || !ok {
			result = errCodeGone
			return err
		}
		if result = authn.CheckSentCode("code", input, c.Salt, c.Hash); result != nil {
			if tries < codeTries {
				return nil
			}
			result = &errs.Error{Kind: errs.Unauthorized, Code: "code_invalid", Field: "code",
				Message: "the code is wrong, and that was its last try; ask for a new one"}
			_, err := tx.SpendCode(ctx, ref.tenantID, c.ID, now)
			return err
		}
		if ok, err = tx.SpendCode(ctx, ref.tenantID, c.ID, now); !ok && err == nil {
			result = errCodeGone // a parallel check spent it first
		}
		return err
	})
	if err != nil {
		return err
	}
	return result
}

// ResendSignInCode sends a new code for a pending sign-in whose second
// factor is a sent code: the first was lost, or expired. The earlier code
// stops working. The resend limit applies, and the per-address limit on
// failures, as for the code itself.
func (s *Service) ResendSignInCode(ctx context.Context, mfaToken string) (SentCode, error) {
	now, ip := s.now(), requestOf(ctx).SourceIP
	if !s.throttle.allows(ip, now) {
		return SentCode{}, errThrottled
	}
	var out *outgoing
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if mfaToken == "" || len(mfaToken) > 200 {
			return errMFAToken
		}
		ch, err := tx.ChallengeByHash(ctx, authn.TokenHash(mfaToken), now)
		if err != nil {
			return errMFAToken
		}
		u, err := tx.User(ctx, ch.TenantID, ch.UserID)
		if err != nil {
			return err
		}
		if u.Status != org.StatusActive {
			return errMFAToken
		}
		out, err = s.codeFor(ctx, tx, codeRef{tenantID: ch.TenantID, userID: ch.UserID, purpose: store.CodeSignIn, bound: ch.ID}, now)
		return err
	})
	if !errors.Is(err, errMFAToken) {
		s.throttle.refund(ip) // only a wrong token is a failure
	}
	if err != nil {
		return SentCode{}, err
	}
	return out.sent, s.deliver(ctx, nil, out)
}

// SendStepUpCode sends the signed-in user a code for POST /auth/step-up,
// when their second factor is a sent code.
func (s *Service) SendStepUpCode(ctx context.Context, a *Actor) (SentCode, error) {
	if a.APIKeyID != 0 || a.SessionID == 0 {
		return SentCode{}, errs.E(errs.Forbidden, "session_required", "step-up needs a signed-in session")
	}
	var out *outgoing
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.codeFor(ctx, tx, codeRef{tenantID: a.TenantID, userID: a.UserID, purpose: store.CodeStepUp, bound: a.SessionID}, s.now())
		return err
	})
	if err != nil {
		return SentCode{}, err
	}
	return out.sent, s.deliver(ctx, a, out)
}

// codeFor issues a code for ref to the user's confirmed code factor.
func (s *Service) codeFor(ctx context.Context, tx *store.Tx, ref codeRef, now time.Time) (*outgoing, error) {
	f, err := tx.CodeFactorOf(ctx, ref.tenantID, ref.userID)
	if errs.KindOf(err) == errs.NotFound || err == nil && f.ConfirmedAt == nil {
		return nil, errNoCodeFactor
	}
	if err != nil {
		return nil, err
	}
	address, err := s.openAddress(ctx, tx, ref.tenantID, ref.userID, f.Address)
	if err != nil {
		return nil, err
	}
	return s.issueCode(ctx, tx, ref, f.Channel, address, now)
}
