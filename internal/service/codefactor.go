package service

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/errs"
	"steward/internal/keyring"
	"steward/internal/mask"
	"steward/internal/store"
)

// A second factor of codes sent by e-mail or SMS: weaker than TOTP
// (docs/security.md, "Codes by e-mail or SMS"), so a tenant must allow it
// (SecuritySettings.CodeChannels, none by default) and the server must
// have a Sender. A user has one factor at a time, TOTP or codes; either
// satisfies a role's requirement of a second factor. Enrolling sends a
// code to the address, and the address counts once that code comes back.

// CodeFactorInput is the body of POST /me/mfa/code: where codes are to go.
type CodeFactorInput struct {
	Channel string `json:"channel" doc:"email or sms (those the organisation allows: code_channels in the security settings)"`
	Address string `json:"address" doc:"an e-mail address, or a mobile number in international form (+86 138 0013 8000)"`
}

// FactorStatus is the signed-in user's second factor and what they may
// enrol. The address is masked.
type FactorStatus struct {
	Method       string   `json:"method" doc:"totp, code, or empty when no factor is enrolled"`
	Channel      string   `json:"channel,omitempty" doc:"with method code: email or sms"`
	Address      string   `json:"address,omitempty" doc:"with method code: where codes go, masked"`
	CodeChannels []string `json:"code_channels" doc:"the channels a code factor may be enrolled by now: those the organisation allows, when this server can send and no factor is enrolled"`
}

// CheckCodeFactorInput checks a channel and an address as StartCodeFactor
// does before it asks the database anything, and returns the address in
// its canonical form.
func CheckCodeFactorInput(in CodeFactorInput) (string, error) {
	if in.Channel == "" {
		return "", errs.Field("channel", "field_required", "channel is required: one of %q", authn.Channels)
	}
	return authn.NormalizeAddress(in.Channel, in.Address)
}

// addressPlace is where a user's code-factor address is stored, sealed.
func addressPlace(tenantID, userID int64) keyring.Place {
	return keyring.Place{TenantID: tenantID, Table: "code_factors", Column: "address", Row: strconv.FormatInt(userID, 10)}
}

// sealAddress seals an address for its place when the service has a
// master key. Without one it is stored as users' e-mail addresses are, and
// SealClearSecrets seals it once a key is configured.
func (s *Service) sealAddress(ctx context.Context, tx *store.Tx, tenantID, userID int64, address string) (string, error) {
	if s.Master == nil {
		return address, nil
	}
	return s.seal(ctx, tx, addressPlace(tenantID, userID), address)
}

// openAddress reads a stored address, sealed or not.
func (s *Service) openAddress(ctx context.Context, tx *store.Tx, tenantID, userID int64, stored string) (string, error) {
	if addressInClear(stored) {
		return stored, nil
	}
	return s.open(ctx, tx, addressPlace(tenantID, userID), stored)
}

// addressInClear tells an address stored in clear from a sealed one. An
// e-mail address may begin like a sealed value ("s1.5.x@example.com"), but
// every address holds an @ or a +, and a sealed value is base64url after
// its key id, which has neither (keyring.Seal).
func addressInClear(stored string) bool {
	return !keyring.IsSealed(stored) || strings.ContainsAny(stored, "@+")
}

var errAPIKeyFactor = errs.E(errs.Forbidden, "session_required", "second factors are managed from a signed-in session, not with an API key")

// StartCodeFactor stores a pending code factor for the actor and sends a
// first code to the address; ConfirmCodeFactor turns it on with that
// code. It is refused when the tenant does not allow the channel, when
// the server cannot send, and while a factor is enrolled.
func (s *Service) StartCodeFactor(ctx context.Context, a *Actor, in CodeFactorInput) (SentCode, error) {
	if a.APIKeyID != 0 || a.SessionID == 0 {
		return SentCode{}, errAPIKeyFactor
	}
	address, err := CheckCodeFactorInput(in)
	if err != nil {
		return SentCode{}, err
	}
	if s.Sender == nil {
		return SentCode{}, errNoSender
	}
	now := s.now()
	var out *outgoing
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		st, err := securityOf(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		if !slices.Contains(st.CodeChannels, in.Channel) {
			return &errs.Error{Kind: errs.Forbidden, Code: "code_factor_not_allowed", Field: "channel",
				Message: "your organisation does not allow second-factor codes by " + in.Channel + " (code_channels in the security settings); use an authenticator app"}
		}
		if err := tx.LockUser(ctx, a.TenantID, a.UserID); err != nil {
			return err
		}
		if m, err := tx.FactorMethod(ctx, a.TenantID, a.UserID); err != nil || m != store.FactorNone {
			return factorExists(err)
		}
		sealed, err := s.sealAddress(ctx, tx, a.TenantID, a.UserID, address)
		if err != nil {
			return err
		}
		if err := tx.StartCodeFactor(ctx, a.TenantID, a.UserID, in.Channel, sealed, now); err != nil {
			return err
		}
		ref := codeRef{tenantID: a.TenantID, userID: a.UserID, purpose: store.CodeEnrol, bound: a.SessionID}
		if out, err = s.issueCode(ctx, tx, ref, in.Channel, address, now); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "mfa.code.start", targetType: "user", targetID: a.UserID,
			details: map[string]string{"channel": in.Channel}, links: store.AuditLinks{User: a.UserID}})
	})
	if err != nil {
		return SentCode{}, err
	}
	return out.sent, s.deliver(ctx, a, out)
}

// factorExists is the answer to enrolling while a factor is enrolled.
func factorExists(err error) error {
	if err != nil {
		return err
	}
	return errs.E(errs.Conflict, "factor_exists", "a second factor is already enrolled; remove it first")
}

// ConfirmCodeFactor turns on the pending code factor with the code sent
// to it. Like ConfirmTOTP it ends the actor's other sessions and lifts an
// enrolment limit; it hands out recovery codes when the user has none (an
// empty list when they keep the ones they have).
func (s *Service) ConfirmCodeFactor(ctx context.Context, a *Actor, code string) (RecoveryCodes, error) {
	out := RecoveryCodes{Codes: []string{}}
	if a.APIKeyID != 0 || a.SessionID == 0 {
		return out, errAPIKeyFactor
	}
	now := s.now()
	var channel string
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		f, err := tx.CodeFactorOf(ctx, a.TenantID, a.UserID)
		if errs.KindOf(err) == errs.NotFound || err == nil && f.ConfirmedAt != nil {
			return errs.E(errs.Conflict, "no_pending_factor", "start an enrolment with POST /me/mfa/code first")
		}
		channel = f.Channel
		return err
	})
	if err != nil {
		return out, err
	}
	ref := codeRef{tenantID: a.TenantID, userID: a.UserID, purpose: store.CodeEnrol, bound: a.SessionID}
	if err := s.checkSentCode(ctx, ref, code, now); err != nil {
		s.recordEnrolFailure(ctx, a, channel, errs.As(err).Code)
		return out, asInvalid(err)
	}
	codes, hashes, err := authn.NewRecoveryCodes()
	if err != nil {
		return out, err
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := tx.LockUser(ctx, a.TenantID, a.UserID); err != nil {
			return err
		}
		if m, err := tx.FactorMethod(ctx, a.TenantID, a.UserID); err != nil || m != store.FactorNone {
			return factorExists(err)
		}
		if ok, err := tx.ConfirmCodeFactor(ctx, a.TenantID, a.UserID, now); err != nil || !ok {
			if err == nil {
				err = errs.E(errs.Conflict, "no_pending_factor", "start an enrolment with POST /me/mfa/code first")
			}
			return err
		}
		kept, err := tx.RecoveryCodes(ctx, a.TenantID, a.UserID)
		if err != nil {
			return err
		}
		if len(kept) == 0 {
			if err := tx.ReplaceRecoveryCodes(ctx, a.TenantID, a.UserID, hashes); err != nil {
				return err
			}
			out.Codes = codes
		}
		if err := s.afterFactorChange(ctx, tx, a, now); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "mfa.code.enrol", targetType: "user", targetID: a.UserID,
			details: map[string]any{"channel": channel, "recovery_codes": len(out.Codes) > 0}, links: store.AuditLinks{User: a.UserID}})
	})
	if err != nil {
		out.Codes = []string{}
	}
	return out, err
}

// recordEnrolFailure records a wrong first code, in a transaction of its
// own, since the enrolment itself changed nothing.
func (s *Service) recordEnrolFailure(ctx context.Context, a *Actor, channel, reason string) {
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.rec(ctx, tx, a, event{action: "mfa.code.enrol", targetType: "user", targetID: a.UserID, outcome: audit.Failure,
			details: map[string]string{"channel": channel, "reason": reason}, links: store.AuditLinks{User: a.UserID}})
	})
	if err != nil {
		s.Log.Error("audit: recording a wrong first code failed", "user_id", a.UserID, "err", err)
	}
}

// RemoveCodeFactor turns the actor's code factor off, as RemoveTOTP does
// an authenticator: it needs a recent authentication, ends the actor's
// other sessions, and limits this one to enrolling again if a role
// requires a factor.
func (s *Service) RemoveCodeFactor(ctx context.Context, a *Actor) error {
	return s.removeFactor(ctx, a, store.FactorCode, event{action: "mfa.code.remove"})
}

// removeFactor removes the actor's factor of one kind, confirmed or
// pending, with their recovery codes, and records ev.
func (s *Service) removeFactor(ctx context.Context, a *Actor, kind string, ev event) error {
	now := s.now()
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		m, err := tx.FactorMethod(ctx, a.TenantID, a.UserID)
		if err != nil {
			return err
		}
		if m != store.FactorNone && m != kind {
			return errs.E(errs.Conflict, "other_factor", "your second factor is of another kind (%s); remove it at DELETE /me/mfa/%s", m, m)
		}
		if err := tx.DeleteFactors(ctx, a.TenantID, a.UserID); err != nil {
			return err
		}
		if err := s.afterFactorChange(ctx, tx, a, now); err != nil {
			return err
		}
		ev.targetType, ev.targetID, ev.links = "user", a.UserID, store.AuditLinks{User: a.UserID}
		return s.rec(ctx, tx, a, ev)
	})
}

// Factor says which second factor the actor has, where codes go (masked),
// and which code channels they may enrol by.
func (s *Service) Factor(ctx context.Context, a *Actor) (FactorStatus, error) {
	out := FactorStatus{CodeChannels: []string{}}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if out.Method, err = tx.FactorMethod(ctx, a.TenantID, a.UserID); err != nil {
			return err
		}
		if out.Method == store.FactorNone {
			st, err := securityOf(ctx, tx, a.TenantID)
			if err == nil && s.Sender != nil {
				out.CodeChannels = append(out.CodeChannels, st.CodeChannels...)
			}
			return err
		}
		if out.Method != store.FactorCode {
			return nil
		}
		f, err := tx.CodeFactorOf(ctx, a.TenantID, a.UserID)
		if err != nil {
			return err
		}
		address, err := s.openAddress(ctx, tx, a.TenantID, a.UserID, f.Address)
		out.Channel, out.Address = f.Channel, maskAddress(f.Channel, address)
		return err
	})
	return out, err
}

// maskAddress hides most of an address: z***@example.com, or a phone
// number's last four digits (+*********8000).
func maskAddress(channel, address string) string {
	if channel == authn.ChannelSMS && len(address) > 5 {
		return "+" + strings.Repeat("*", len(address)-5) + address[len(address)-4:]
	}
	return mask.Email(address)
}
