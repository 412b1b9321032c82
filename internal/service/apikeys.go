package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/authn"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// apiKeyPrefix marks an API key among bearer tokens, so that a key is
// looked up in its own table (and recognised by secret scanners).
const apiKeyPrefix = "stk_"

// maxKeyLifetime bounds how long an API key may live.
const maxKeyLifetime = 366 * 24 * time.Hour

// APIKeyInput asks for a key: a name, the roles it acts with (a subset of
// the creator's) and when it expires.
type APIKeyInput struct {
	Name          string    `json:"name"`
	Roles         []string  `json:"roles"`
	ExpiresAt     time.Time `json:"expires_at"`
	Justification string    `json:"justification,omitempty" doc:"why roles a separation-of-duties rule allows together with a justification are combined in the key; at least 10 characters"`
}

// NewAPIKey is a created key with its secret, shown this once.
type NewAPIKey struct {
	store.APIKey
	Secret string `json:"secret"`
}

// CreateAPIKey makes a key for the actor. Keys cannot make keys, and
// making one needs a step-up: a key outlives the session that made it.
func (s *Service) CreateAPIKey(ctx context.Context, a *Actor, in APIKeyInput) (NewAPIKey, error) {
	var out NewAPIKey
	if a.APIKeyID != 0 || a.SessionID == 0 {
		return out, errs.E(errs.Forbidden, "session_required", "API keys are made from a signed-in session")
	}
	name, err := fieldcheck.Name("name", in.Name, 100)
	if err != nil {
		return out, err
	}
	now := s.now()
	if !in.ExpiresAt.After(now) || in.ExpiresAt.Sub(now) > maxKeyLifetime {
		return out, errs.Field("expires_at", "invalid_time", "expires_at must be in the future and at most a year away")
	}
	if len(in.Roles) == 0 {
		return out, errs.Field("roles", "field_required", "roles must name at least one of your roles")
	}
	for i, r := range in.Roles {
		if !slices.Contains(a.Subject.RoleKeys, r) || slices.Index(in.Roles, r) != i {
			return out, errs.Field("roles", "invalid_reference", "roles must be distinct roles you hold; %q is not", r)
		}
	}
	token, hash, err := authn.NewToken()
	if err != nil {
		return out, err
	}
	out.APIKey = store.APIKey{TenantID: a.TenantID, UserID: a.UserID, Name: name, Roles: append([]string{}, in.Roles...),
		CreatedAt: now, ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Microsecond)}
	out.Secret = apiKeyPrefix + token
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		st, err := s.sodStateOf(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		just := SoDJustifyInfo{Text: in.Justification, Field: "justification"}
		justified := keyFindings(st, a.UserID, in.Roles)
		if err := judgeSoD(justified, "roles", just); err != nil {
			return err
		}
		if err := tx.CreateAPIKey(ctx, &out.APIKey, hash); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "api_key.create", targetType: "api_key", targetID: out.ID,
			details: map[string]any{"roles": out.Roles, "expires_at": out.ExpiresAt}}); err != nil {
			return err
		}
		return s.recordJustified(ctx, tx, a, justified, store.GrantAPIKey, out.ID, 0, in.Justification)
	})
	return out, err
}

// APIKeys lists the actor's keys; with manage_users, every key of the tenant.
func (s *Service) APIKeys(ctx context.Context, a *Actor) ([]store.APIKey, error) {
	owner := a.UserID
	if a.Subject.Can(access.ManageUsers) {
		owner = 0
	}
	var out []store.APIKey
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.APIKeys(ctx, a.TenantID, owner)
		return err
	})
	return out, err
}

// RevokeAPIKey ends a key: the actor's own, or any with manage_users.
func (s *Service) RevokeAPIKey(ctx context.Context, a *Actor, id int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		k, err := tx.APIKey(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		if k.UserID != a.UserID && !a.Subject.Can(access.ManageUsers) {
			return errs.NotVisible("api key")
		}
		if err := tx.RevokeAPIKey(ctx, a.TenantID, id, s.now()); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "api_key.revoke", targetType: "api_key", targetID: id})
	})
}

// authenticateKey resolves an API key to an actor with the key's roles,
// under the same network rules as a session.
func (s *Service) authenticateKey(ctx context.Context, token string) (*Actor, error) {
	now, ip := s.now(), requestOf(ctx).SourceIP
	var a *Actor
	var k store.APIKey
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if k, err = tx.APIKeyByHash(ctx, authn.TokenHash(strings.TrimPrefix(token, apiKeyPrefix)), now); err != nil {
			return errs.E(errs.Unauthorized, "unauthenticated", "the API key is unknown, revoked or expired")
		}
		u, err := tx.User(ctx, k.TenantID, k.UserID)
		if err != nil || u.Status != "active" {
			return errs.E(errs.Unauthorized, "unauthenticated", "the API key's user is no longer active")
		}
		sub, cat, err := s.subject(context.WithValue(ctx, keyRolesKey{}, k.Roles), tx, k.TenantID, u, now)
		if err != nil {
			return err
		}
		st, err := securityOf(ctx, tx, k.TenantID)
		if err != nil {
			return err
		}
		if !st.networkAllowed(ip, sub.RoleKeys) {
			return errs.E(errs.Forbidden, "network_not_allowed", "your organisation does not allow access from this network")
		}
		u.Roles = sub.RoleKeys
		a = &Actor{TenantID: k.TenantID, UserID: u.ID, APIKeyID: k.ID, User: u, Subject: sub, Fields: cat}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= time.Minute {
		if err := s.DB.Write(ctx, func(tx *store.Tx) error { return tx.TouchAPIKey(ctx, k.TenantID, k.ID, now) }); err != nil {
			s.Log.Error("api key: recording use failed", "api_key_id", k.ID, "err", err)
		}
	}
	return a, nil
}

type keyRolesKey struct{}

// keyRoles keeps, while building the subject of an API key, only the roles
// the key was given that the user still holds; otherwise roles are as they are.
func keyRoles(ctx context.Context, roles []access.Role) []access.Role {
	keep, ok := ctx.Value(keyRolesKey{}).([]string)
	if !ok {
		return roles
	}
	out := []access.Role{}
	for _, r := range roles {
		if slices.Contains(keep, r.Key) {
			out = append(out, r)
		}
	}
	return out
}
