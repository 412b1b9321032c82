package httpapi

import (
	"net/http"

	"steward/internal/service"
	"steward/internal/store"
)

// MFARequest is the body of POST /auth/mfa: the token a sign-in answered
// with, and a code from the authenticator app, the code sent by e-mail or
// SMS, or a recovery code.
type MFARequest struct {
	MFAToken string `json:"mfa_token"`
	Code     string `json:"code"`
}

// MFATokenRequest is the body of POST /auth/mfa/resend: the token of a
// pending sign-in whose second factor is a sent code.
type MFATokenRequest struct {
	MFAToken string `json:"mfa_token"`
}

// StepUpRequest is the body of POST /auth/step-up; code is needed when a
// second factor is enrolled.
type StepUpRequest struct {
	Password string `json:"password"`
	Code     string `json:"code,omitempty"`
}

// CodeRequest is the body of POST /me/mfa/totp/confirm and
// /me/mfa/code/confirm.
type CodeRequest struct {
	Code string `json:"code"`
}

// PasswordChangeRequest is the body of POST /me/password.
type PasswordChangeRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// PasswordResetRequest is the body of POST /auth/password-reset.
type PasswordResetRequest struct {
	Tenant      string `json:"tenant"`
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
}

// securityRoutes are the account-security operations (issue 6).
func securityRoutes() []Route {
	enrolment := []string{service.LimitEnrolment}
	return []Route{
		{Method: "POST", Path: "/auth/mfa", Summary: "Finish a sign-in with a TOTP code, the code sent by e-mail or SMS, or a recovery code", Public: true, Body: MFARequest{}, Response: service.LoginResult{}, handle: (*API).completeMFA},
		{Method: "POST", Path: "/auth/mfa/resend", Summary: "Send a new sign-in code by e-mail or SMS (one per 30 seconds, 10 an hour)", Public: true, Body: MFATokenRequest{}, Response: service.SentCode{}, handle: (*API).resendCode},
		{Method: "POST", Path: "/auth/step-up", Summary: "Confirm your password (and code) again before a sensitive operation", Body: StepUpRequest{}, Status: http.StatusNoContent, handle: (*API).stepUp},
		{Method: "POST", Path: "/auth/step-up/code", Summary: "Send a code by e-mail or SMS for a step-up, when that is your second factor", Response: service.SentCode{}, handle: (*API).stepUpCode},
		{Method: "POST", Path: "/auth/password-reset", Summary: "Set a new password with a reset token", Public: true, Body: PasswordResetRequest{}, Status: http.StatusNoContent, handle: (*API).resetPassword},
		{Method: "POST", Path: "/me/password", Summary: "Change your password", Body: PasswordChangeRequest{}, Status: http.StatusNoContent, limits: []string{service.LimitEnrolment, service.LimitPasswordChange}, handle: (*API).changePassword},
		{Method: "POST", Path: "/me/mfa/totp", Summary: "Start enrolling an authenticator app", Response: service.TOTPEnrolment{}, Status: http.StatusCreated, limits: enrolment, handle: (*API).startTOTP},
		{Method: "POST", Path: "/me/mfa/totp/confirm", Summary: "Confirm the authenticator app with a code; returns 10 recovery codes", Body: CodeRequest{}, Response: service.RecoveryCodes{}, limits: enrolment, handle: (*API).confirmTOTP},
		{Method: "DELETE", Path: "/me/mfa/totp", Summary: "Remove your authenticator app (needs a recent sign-in)", Status: http.StatusNoContent, handle: (*API).removeTOTP},
		{Method: "GET", Path: "/me/mfa", Summary: "Your second factor, and the code channels you may enrol by", Response: service.FactorStatus{}, limits: enrolment, handle: (*API).factor},
		{Method: "POST", Path: "/me/mfa/code", Summary: "Start enrolling codes by e-mail or SMS, where allowed (weaker than an authenticator app); sends a first code", Body: service.CodeFactorInput{}, Response: service.SentCode{}, Status: http.StatusCreated, limits: enrolment, handle: (*API).startCodeFactor},
		{Method: "POST", Path: "/me/mfa/code/confirm", Summary: "Confirm the address with the code sent to it; returns 10 recovery codes if you have none", Body: CodeRequest{}, Response: service.RecoveryCodes{}, limits: enrolment, handle: (*API).confirmCodeFactor},
		{Method: "DELETE", Path: "/me/mfa/code", Summary: "Remove your code factor (needs a recent sign-in)", Status: http.StatusNoContent, handle: (*API).removeCodeFactor},
		{Method: "GET", Path: "/me/sessions", Summary: "Your open sessions", Response: service.Page[service.SessionInfo]{}, handle: (*API).listSessions},
		{Method: "DELETE", Path: "/me/sessions/{id}", Summary: "End one of your sessions", Status: http.StatusNoContent, handle: (*API).endSession},
		{Method: "DELETE", Path: "/users/{id}/sessions", Summary: "End every session of a user", Status: http.StatusNoContent, handle: (*API).endUserSessions},
		{Method: "DELETE", Path: "/users/{id}/mfa", Summary: "Remove a user's lost second factor and end their sessions (manage_users, step-up)", Status: http.StatusNoContent, handle: (*API).resetFactors},
		{Method: "POST", Path: "/users/{id}/password-reset", Summary: "Issue a single-use password-reset token for a user (valid 30 minutes)", Response: service.PasswordReset{}, Status: http.StatusCreated, handle: (*API).issuePasswordReset},
		{Method: "GET", Path: "/settings/security", Summary: "The tenant's account-security settings and what each satisfies or breaks", Response: service.SecurityReport{}, handle: (*API).securitySettings},
		{Method: "PUT", Path: "/settings/security", Summary: "Replace the security settings; omitted fields take the profile's values (needs a recent sign-in)", Body: service.SecuritySettingsInput{}, Response: service.SecurityReport{}, handle: (*API).setSecuritySettings},
		{Method: "GET", Path: "/api-keys", Summary: "Your API keys (every key with manage_users)", Response: service.Page[store.APIKey]{}, handle: (*API).listAPIKeys},
		{Method: "POST", Path: "/api-keys", Summary: "Make an API key; the secret is shown this once", Body: service.APIKeyInput{}, Response: service.NewAPIKey{}, Status: http.StatusCreated, handle: (*API).createAPIKey},
		{Method: "DELETE", Path: "/api-keys/{id}", Summary: "Revoke an API key", Status: http.StatusNoContent, handle: (*API).revokeAPIKey},
	}
}

func (a *API) completeMFA(w http.ResponseWriter, r *http.Request, _ *service.Actor) (any, error) {
	var in MFARequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.CompleteMFA(r.Context(), in.MFAToken, in.Code)
}

func (a *API) stepUp(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in StepUpRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return nil, a.svc.StepUp(r.Context(), act, in.Password, in.Code)
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request, _ *service.Actor) (any, error) {
	var in PasswordResetRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return nil, a.svc.ResetPassword(r.Context(), in.Tenant, in.Token, in.NewPassword)
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in PasswordChangeRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return nil, a.svc.ChangePassword(r.Context(), act, in.CurrentPassword, in.NewPassword)
}

func (a *API) startTOTP(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.svc.StartTOTP(r.Context(), act)
}

func (a *API) confirmTOTP(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in CodeRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.ConfirmTOTP(r.Context(), act, in.Code)
}

func (a *API) removeTOTP(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return nil, a.svc.RemoveTOTP(r.Context(), act)
}

func (a *API) resendCode(w http.ResponseWriter, r *http.Request, _ *service.Actor) (any, error) {
	var in MFATokenRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.ResendSignInCode(r.Context(), in.MFAToken)
}

func (a *API) stepUpCode(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.svc.SendStepUpCode(r.Context(), act)
}

func (a *API) factor(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	return a.svc.Factor(r.Context(), act)
}

func (a *API) startCodeFactor(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.CodeFactorInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.StartCodeFactor(r.Context(), act, in)
}

func (a *API) confirmCodeFactor(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in CodeRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.ConfirmCodeFactor(r.Context(), act, in.Code)
}

func (a *API) removeCodeFactor(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return nil, a.svc.RemoveCodeFactor(r.Context(), act)
}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	ss, err := a.svc.Sessions(r.Context(), act)
	return service.Page[service.SessionInfo]{Items: ss}, err
}

func (a *API) endSession(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.EndSession(r.Context(), act, id)
}

func (a *API) endUserSessions(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.EndUserSessions(r.Context(), act, id)
}

func (a *API) resetFactors(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.ResetFactors(r.Context(), act, id)
}

func (a *API) issuePasswordReset(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.IssuePasswordReset(r.Context(), act, id)
}

func (a *API) securitySettings(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	return a.svc.SecuritySettings(r.Context(), act)
}

func (a *API) setSecuritySettings(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.SecuritySettingsInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SetSecuritySettings(r.Context(), act, in)
}

func (a *API) listAPIKeys(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	ks, err := a.svc.APIKeys(r.Context(), act)
	return service.Page[store.APIKey]{Items: ks}, err
}

func (a *API) createAPIKey(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.APIKeyInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateAPIKey(r.Context(), act, in)
}

func (a *API) revokeAPIKey(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.RevokeAPIKey(r.Context(), act, id)
}
