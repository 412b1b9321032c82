package service

import (
	"context"
	"fmt"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// The 三员分立 profile separates the system, security and audit
// administrators (access.Duty). Switching it on is refused while anyone
// holds functions of two duties, whether through one all-powerful role
// such as administrator or through several; GET /sod-profile lists them
// beforehand. While it is on, its three rules refuse every grant, role
// edit or API key that would combine duties, and a role that spans duties
// can be neither created nor given (one left unassigned stays, inert).

// SoDProfile is the state of the 三员分立 profile and what stands in the
// way of switching it on.
type SoDProfile struct {
	SeparationOfDuties bool             `json:"separation_of_duties"`
	Duties             []DutyFunctions  `json:"duties"`
	Rules              []access.SoDRule `json:"rules" doc:"the rules the profile enforces while it is on"`
	Blockers           []SoDBlocker     `json:"blockers" doc:"users who hold functions of more than one duty: while any remain, the profile cannot be switched on"`
}

// DutyFunctions is one duty, its functions and the preset role carrying them.
type DutyFunctions struct {
	Duty      access.Duty       `json:"duty"`
	Functions []access.Function `json:"functions"`
	Role      string            `json:"role"`
}

// SoDBlocker is a user who holds functions of several duties, and the
// roles through which they do.
type SoDBlocker struct {
	UserID     int64         `json:"user_id"`
	UserName   string        `json:"user_name"`
	UserStatus string        `json:"user_status"`
	Duties     []access.Duty `json:"duties"`
	Roles      []RoleDuties  `json:"roles"`
}

// RoleDuties is a role and the duties whose functions it carries.
type RoleDuties struct {
	Role   string        `json:"role"`
	Duties []access.Duty `json:"duties"`
}

// SoDProfileInput switches the profile.
type SoDProfileInput struct {
	SeparationOfDuties *bool `json:"separation_of_duties"`
}

// SoDProfileOf returns the profile's state and what blocks switching it on.
func (s *Service) SoDProfileOf(ctx context.Context, a *Actor) (SoDProfile, error) {
	var out SoDProfile
	if err := a.needAny(access.ManageRoles, access.ManageUsers, access.ViewAudit); err != nil {
		return out, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = s.sodProfile(ctx, tx, a.TenantID)
		return err
	})
	return out, err
}

// SetSoDProfile switches the profile on or off (manage_roles, with a
// recent sign-in). Switching on is refused (409 sod_profile_blocked) while
// anyone holds functions of two duties.
func (s *Service) SetSoDProfile(ctx context.Context, a *Actor, in SoDProfileInput) (SoDProfile, error) {
	var out SoDProfile
	if err := a.need(access.ManageRoles); err != nil {
		return out, err
	}
	if in.SeparationOfDuties == nil {
		return out, errs.Field("separation_of_duties", "field_required", "separation_of_duties is required")
	}
	on := *in.SeparationOfDuties
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		if err := tx.LockSoD(ctx, a.TenantID); err != nil {
			return err
		}
		var err error
		if out, err = s.sodProfile(ctx, tx, a.TenantID); err != nil {
			return err
		}
		if on && len(out.Blockers) > 0 {
			return errs.E(errs.Conflict, "sod_profile_blocked", "%s", blockedMessage(out.Blockers))
		}
		before := out.SeparationOfDuties
		if err := tx.SetSoDProfile(ctx, a.TenantID, on, a.UserID, s.now()); err != nil {
			return err
		}
		out.SeparationOfDuties = on
		return s.rec(ctx, tx, a, event{action: "sod_profile.update", targetType: "tenant", targetID: a.TenantID,
			details: map[string]any{"before": map[string]bool{"separation_of_duties": before}, "after": map[string]bool{"separation_of_duties": on}}})
	})
	return out, err
}

// sodProfile reads the profile's state and its blockers.
func (s *Service) sodProfile(ctx context.Context, tx *store.Tx, tenantID int64) (SoDProfile, error) {
	st, err := readSoDState(ctx, tx, tenantID)
	if err != nil {
		return SoDProfile{}, err
	}
	out := SoDProfile{SeparationOfDuties: st.profile, Rules: access.ProfileRules(), Blockers: []SoDBlocker{}}
	for _, p := range access.DutyPresets() {
		d := access.DutiesOf(p)[0]
		out.Duties = append(out.Duties, DutyFunctions{Duty: d, Functions: d.Functions(), Role: p.Key})
	}
	held, err := tx.HeldRoleIDs(ctx, tenantID, s.now(), 0, 0)
	if err != nil {
		return out, err
	}
	for _, id := range sortedKeys(held) {
		roles := pick(st.roles, held[id])
		duties := access.DutiesOf(roles...)
		if len(duties) < 2 {
			continue
		}
		u, err := tx.User(ctx, tenantID, id)
		if err != nil {
			return out, err
		}
		b := SoDBlocker{UserID: id, UserName: u.Name, UserStatus: u.Status, Duties: duties, Roles: []RoleDuties{}}
		for _, r := range roles {
			if d := access.DutiesOf(r); len(d) > 0 {
				b.Roles = append(b.Roles, RoleDuties{Role: r.Key, Duties: d})
			}
		}
		out.Blockers = append(out.Blockers, b)
	}
	return out, nil
}

// blockedMessage names the first blockers by id and role, never by name.
func blockedMessage(bs []SoDBlocker) string {
	var parts []string
	for i, b := range bs {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(bs)-5))
			break
		}
		var roles []string
		for _, r := range b.Roles {
			roles = append(roles, fmt.Sprintf("%s (%s)", r.Role, joinDuties(r.Duties)))
		}
		parts = append(parts, fmt.Sprintf("user %d holds %s", b.UserID, strings.Join(roles, ", ")))
	}
	return fmt.Sprintf("%d users hold functions of more than one duty; take roles away until each has one duty left (GET /sod-profile lists them): %s",
		len(bs), strings.Join(parts, "; "))
}

func joinDuties(ds []access.Duty) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d)
	}
	return strings.Join(out, "+")
}
