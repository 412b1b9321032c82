package service

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/authn"
	"steward/internal/errs"
	"steward/internal/store"
)

// SecuritySettings is a tenant's account-security document: the password
// profile and its overrides, lockout, session lifetimes, who must use a
// second factor, and where and when people may sign in. Per-role entries
// are keyed by role key.
type SecuritySettings struct {
	Profile          string `json:"profile"`
	MinLength        int    `json:"min_length"`
	MinLengthMFA     int    `json:"min_length_mfa"`
	MinClasses       int    `json:"min_classes"`
	ExpiryDays       int    `json:"expiry_days"`
	History          int    `json:"history"`
	LockoutThreshold int    `json:"lockout_threshold"`
	LockoutMinutes   int    `json:"lockout_minutes"` // 0: until the password is reset

	IdleMinutes        int `json:"idle_minutes"`
	AbsoluteHours      int `json:"absolute_hours"`
	AdminIdleMinutes   int `json:"admin_idle_minutes"`
	AdminAbsoluteHours int `json:"admin_absolute_hours"`

	// MFARequired requires a second factor of everyone; MFARoles of the
	// holders of those roles; MFAForExport of anyone holding a role that may
	// export records or reveal masked data; MFAForAdmin of anyone holding a
	// role that manages users, roles or security or reads the audit trail.
	MFARequired  bool     `json:"mfa_required"`
	MFARoles     []string `json:"mfa_roles"`
	MFAForExport bool     `json:"mfa_for_export"`
	MFAForAdmin  bool     `json:"mfa_for_admin"`
	TOTPWindow   string   `json:"totp_window"`
	// CodeChannels are the channels ("email", "sms") by which users may
	// enrol a second factor of sent codes, which NIST SP 800-63B-4 counts
	// weaker than TOTP (restricted, or for e-mail not allowed): none by
	// default. A code factor satisfies every requirement of a second
	// factor. Turning a channel off stops new enrolments on it; factors
	// already enrolled keep working until removed, so nobody is locked out.
	CodeChannels []string `json:"code_channels"`

	AllowedNetworks []string            `json:"allowed_networks"`
	RoleNetworks    map[string][]string `json:"role_networks"`
	LoginHours      map[string]string   `json:"login_hours"`
	TimeZone        string              `json:"time_zone"`
}

// SecuritySettingsInput replaces a tenant's settings: a field left out
// takes the value the chosen profile starts from.
type SecuritySettingsInput struct {
	Profile            *string              `json:"profile"`
	MinLength          *int                 `json:"min_length"`
	MinLengthMFA       *int                 `json:"min_length_mfa"`
	MinClasses         *int                 `json:"min_classes"`
	ExpiryDays         *int                 `json:"expiry_days"`
	History            *int                 `json:"history"`
	LockoutThreshold   *int                 `json:"lockout_threshold"`
	LockoutMinutes     *int                 `json:"lockout_minutes"`
	IdleMinutes        *int                 `json:"idle_minutes"`
	AbsoluteHours      *int                 `json:"absolute_hours"`
	AdminIdleMinutes   *int                 `json:"admin_idle_minutes"`
	AdminAbsoluteHours *int                 `json:"admin_absolute_hours"`
	MFARequired        *bool                `json:"mfa_required"`
	MFARoles           *[]string            `json:"mfa_roles"`
	MFAForExport       *bool                `json:"mfa_for_export"`
	MFAForAdmin        *bool                `json:"mfa_for_admin"`
	TOTPWindow         *string              `json:"totp_window"`
	CodeChannels       *[]string            `json:"code_channels"`
	AllowedNetworks    *[]string            `json:"allowed_networks"`
	RoleNetworks       *map[string][]string `json:"role_networks"`
	LoginHours         *map[string]string   `json:"login_hours"`
	TimeZone           *string              `json:"time_zone"`
}

// SecurityReport is the settings with, for each choice, the clauses of the
// standards it satisfies or breaks.
type SecurityReport struct {
	Settings    SecuritySettings `json:"settings"`
	Conformance []authn.Clause   `json:"conformance"`
}

// DefaultSecurity is what a tenant starts with: NIST SP 800-63B-4 password
// rules, 30 min / 12 h sessions (15 min / 12 h for administrators), and a
// second factor for administrators, auditors, anyone who may export and
// anyone holding an administrative function.
func DefaultSecurity() SecuritySettings {
	st, _ := profileSecurity(authn.ProfileDefault)
	return st
}

func profileSecurity(profile string) (SecuritySettings, error) {
	p, err := authn.PolicyFor(profile)
	if err != nil {
		return SecuritySettings{}, err
	}
	d := authn.DefaultSessions
	return SecuritySettings{Profile: p.Profile, MinLength: p.MinLength, MinLengthMFA: p.MinLengthMFA, MinClasses: p.MinClasses,
		ExpiryDays: p.MaxAgeDays, History: p.History, LockoutThreshold: p.Lockout.LockAt, LockoutMinutes: int(p.Lockout.LockFor / time.Minute),
		IdleMinutes: int(d.Idle / time.Minute), AbsoluteHours: int(d.Absolute / time.Hour),
		AdminIdleMinutes: int(d.AdminIdle / time.Minute), AdminAbsoluteHours: int(d.AdminAbsolute / time.Hour),
		MFARoles: []string{"administrator", "auditor"}, MFAForExport: true, MFAForAdmin: true, TOTPWindow: authn.WindowDrift.String(), CodeChannels: []string{},
		AllowedNetworks: []string{}, RoleNetworks: map[string][]string{}, LoginHours: map[string]string{}, TimeZone: "UTC"}, nil
}

// apply builds the settings an input asks for, on top of its profile.
func (in SecuritySettingsInput) apply() (SecuritySettings, error) {
	profile := authn.ProfileDefault
	if in.Profile != nil {
		profile = *in.Profile
	}
	st, err := profileSecurity(profile)
	if err != nil {
		return st, err
	}
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&st.MinLength, in.MinLength)
	set(&st.MinLengthMFA, in.MinLengthMFA)
	set(&st.MinClasses, in.MinClasses)
	set(&st.ExpiryDays, in.ExpiryDays)
	set(&st.History, in.History)
	set(&st.LockoutThreshold, in.LockoutThreshold)
	set(&st.LockoutMinutes, in.LockoutMinutes)
	set(&st.IdleMinutes, in.IdleMinutes)
	set(&st.AbsoluteHours, in.AbsoluteHours)
	set(&st.AdminIdleMinutes, in.AdminIdleMinutes)
	set(&st.AdminAbsoluteHours, in.AdminAbsoluteHours)
	if in.MFARequired != nil {
		st.MFARequired = *in.MFARequired
	}
	if in.MFARoles != nil {
		st.MFARoles = append([]string{}, (*in.MFARoles)...)
	}
	if in.MFAForExport != nil {
		st.MFAForExport = *in.MFAForExport
	}
	if in.MFAForAdmin != nil {
		st.MFAForAdmin = *in.MFAForAdmin
	}
	if in.TOTPWindow != nil {
		st.TOTPWindow = *in.TOTPWindow
	}
	if in.CodeChannels != nil {
		st.CodeChannels = append([]string{}, (*in.CodeChannels)...)
	}
	if in.AllowedNetworks != nil {
		st.AllowedNetworks = append([]string{}, (*in.AllowedNetworks)...)
	}
	if in.RoleNetworks != nil {
		st.RoleNetworks = *in.RoleNetworks
	}
	if in.LoginHours != nil {
		st.LoginHours = *in.LoginHours
	}
	if in.TimeZone != nil {
		st.TimeZone = *in.TimeZone
	}
	return st, nil
}

// policy is the password and lockout policy the settings describe.
func (st SecuritySettings) policy() authn.Policy {
	p, err := authn.PolicyFor(st.Profile)
	if err != nil {
		p = authn.DefaultPolicy
	}
	p.MinLength, p.MinLengthMFA, p.MinClasses = st.MinLength, st.MinLengthMFA, st.MinClasses
	p.MaxAgeDays, p.History = st.ExpiryDays, st.History
	p.Lockout.LockAt, p.Lockout.LockFor = st.LockoutThreshold, time.Duration(st.LockoutMinutes)*time.Minute
	return p
}

func (st SecuritySettings) sessions() authn.SessionConfig {
	return authn.SessionConfig{Idle: time.Duration(st.IdleMinutes) * time.Minute, Absolute: time.Duration(st.AbsoluteHours) * time.Hour,
		AdminIdle: time.Duration(st.AdminIdleMinutes) * time.Minute, AdminAbsolute: time.Duration(st.AdminAbsoluteHours) * time.Hour}
}

func (st SecuritySettings) window() authn.Window {
	w, err := authn.ParseWindow("totp_window", st.TOTPWindow)
	if err != nil {
		return authn.WindowDrift
	}
	return w
}

// validate checks every setting, naming the one at fault; roles are the
// tenant's role keys, which per-role entries must name.
func (st SecuritySettings) validate(roles []string) error {
	if err := st.policy().Validate(); err != nil {
		return renameField(err, map[string]string{"max_age_days": "expiry_days", "lockout.lock_at": "lockout_threshold",
			"lockout.lock_for": "lockout_minutes", "lockout.delay_from": "lockout_threshold"})
	}
	if st.LockoutMinutes < 0 || st.LockoutMinutes > 24*60 {
		return errs.Field("lockout_minutes", "out_of_range", "lockout_minutes must be between 0 (until reset) and 1440")
	}
	if err := st.sessions().Validate(); err != nil {
		return renameField(err, map[string]string{"session.idle": "idle_minutes", "session.absolute": "absolute_hours",
			"session.admin_idle": "admin_idle_minutes", "session.admin_absolute": "admin_absolute_hours"})
	}
	if st.IdleMinutes <= 0 || st.AbsoluteHours <= 0 || st.AdminIdleMinutes <= 0 || st.AdminAbsoluteHours <= 0 {
		return errs.Field("idle_minutes", "out_of_range", "session lifetimes must be positive")
	}
	if _, err := authn.ParseWindow("totp_window", st.TOTPWindow); err != nil {
		return err
	}
	for i, c := range st.CodeChannels {
		if !slices.Contains(authn.Channels, c) || slices.Index(st.CodeChannels, c) != i {
			return errs.Field("code_channels["+strconv.Itoa(i)+"]", "invalid_channel", "code_channels lists each of %q at most once", authn.Channels)
		}
	}
	for i, k := range st.MFARoles {
		if !slices.Contains(roles, k) {
			return errs.Field("mfa_roles["+strconv.Itoa(i)+"]", "invalid_reference", "no role has the key %q", k)
		}
	}
	if _, err := authn.ParseAllowList("allowed_networks", strings.Join(st.AllowedNetworks, "\n")); err != nil {
		return err
	}
	for k, nets := range st.RoleNetworks {
		if !slices.Contains(roles, k) {
			return errs.Field("role_networks."+k, "invalid_reference", "no role has the key %q", k)
		}
		if _, err := authn.ParseAllowList("role_networks."+k, strings.Join(nets, "\n")); err != nil {
			return err
		}
	}
	loc, err := time.LoadLocation(st.TimeZone)
	if err != nil || st.TimeZone == "" || st.TimeZone == "Local" {
		return errs.Field("time_zone", "invalid_time_zone", "time_zone must be an IANA time zone such as Asia/Shanghai or UTC")
	}
	for k, spec := range st.LoginHours {
		if !slices.Contains(roles, k) {
			return errs.Field("login_hours."+k, "invalid_reference", "no role has the key %q", k)
		}
		if _, err := authn.ParseHours("login_hours."+k, spec, loc); err != nil {
			return err
		}
	}
	return nil
}

func renameField(err error, names map[string]string) error {
	e := errs.As(err)
	if n, ok := names[e.Field]; ok {
		c := *e
		c.Field = n
		c.Message = strings.Replace(c.Message, strings.TrimPrefix(strings.TrimPrefix(e.Field, "lockout."), "session."), n, 1)
		return &c
	}
	return err
}

// conformance is the report of what each choice satisfies or breaks.
func (st SecuritySettings) conformance() []authn.Clause {
	out := st.policy().Conformance()
	out = append(out, st.sessions().Conformance()...)
	out = append(out, st.window().Conformance()...)
	return append(out, authn.CodeConformance(st.CodeChannels)...)
}

// requiresMFA reports whether a holder of roles must use a second factor.
func (st SecuritySettings) requiresMFA(roles []access.Role) bool {
	if st.MFARequired {
		return true
	}
	for _, r := range roles {
		if slices.Contains(st.MFARoles, r.Key) || st.MFAForExport && sensitive(r) || st.MFAForAdmin && administrative(r) {
			return true
		}
	}
	return false
}

// administrative reports whether a role carries a function that governs
// everyone else's access or reads the trail of it.
func administrative(r access.Role) bool {
	for _, f := range r.Functions {
		switch f {
		case access.ManageUsers, access.ManageRoles, access.ManageSecurity, access.ViewAudit:
			return true
		}
	}
	return false
}

// sensitive reports whether a role may export records or reveal masked
// values: the permissions that take personal data out in bulk.
func sensitive(r access.Role) bool {
	for _, p := range r.Permissions {
		if p.Action == access.Export && p.Scope != access.None {
			return true
		}
	}
	for _, f := range r.Fields {
		if f.Reveal {
			return true
		}
	}
	return false
}

// networkAllowed reports whether addr may use the tenant as a holder of
// roles: inside the tenant's list and inside the list of every role that
// has one. An address that does not parse is allowed only where no list
// applies.
func (st SecuritySettings) networkAllowed(addr string, roles []string) bool {
	ip, _ := netip.ParseAddr(addr)
	lists := [][]string{st.AllowedNetworks}
	for _, r := range roles {
		if nets, ok := st.RoleNetworks[r]; ok {
			lists = append(lists, nets)
		}
	}
	for _, nets := range lists {
		l, err := authn.ParseAllowList("allowed_networks", strings.Join(nets, "\n"))
		if err != nil || !l.Allows(ip) {
			return false
		}
	}
	return true
}

// hoursAllowed reports whether holders of roles may sign in at now.
func (st SecuritySettings) hoursAllowed(roles []string, now time.Time) bool {
	if len(st.LoginHours) == 0 {
		return true
	}
	loc, err := time.LoadLocation(st.TimeZone)
	if err != nil {
		return false
	}
	hours := map[string]authn.Hours{}
	for k, spec := range st.LoginHours {
		h, err := authn.ParseHours(k, spec, loc)
		if err != nil {
			return false
		}
		hours[k] = h
	}
	return authn.LoginAllowed(hours, roles, now)
}

// securityOf reads a tenant's settings, or the defaults.
func securityOf(ctx context.Context, tx *store.Tx, tenantID int64) (SecuritySettings, error) {
	doc, ok, err := tx.SecuritySettings(ctx, tenantID)
	if err != nil || !ok {
		return DefaultSecurity(), err
	}
	st := DefaultSecurity()
	if err := json.Unmarshal(doc, &st); err != nil {
		return st, errs.Wrap(err, "service.securityOf")
	}
	return st, nil
}

// SecuritySettings returns the tenant's settings and their conformance.
func (s *Service) SecuritySettings(ctx context.Context, a *Actor) (SecurityReport, error) {
	var rep SecurityReport
	if err := a.needAny(access.ManageSecurity, access.ManageUsers); err != nil {
		return rep, err
	}
	return s.securityReport(ctx, a.TenantID)
}

// securityReport is a tenant's settings with their conformance report.
func (s *Service) securityReport(ctx context.Context, tenantID int64) (SecurityReport, error) {
	var rep SecurityReport
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		rep.Settings, err = securityOf(ctx, tx, tenantID)
		return err
	})
	rep.Conformance = rep.Settings.conformance()
	return rep, err
}

// SetSecuritySettings replaces the tenant's settings. It needs a recent
// authentication, and is recorded with before and after.
func (s *Service) SetSecuritySettings(ctx context.Context, a *Actor, in SecuritySettingsInput) (SecurityReport, error) {
	var rep SecurityReport
	if err := a.needAny(access.ManageSecurity, access.ManageUsers); err != nil {
		return rep, err
	}
	st, err := in.apply()
	if err != nil {
		return rep, err
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		roles, err := tx.Roles(ctx, a.TenantID)
		if err != nil {
			return err
		}
		keys := make([]string, len(roles))
		for i, r := range roles {
			keys[i] = r.Key
		}
		if err := st.validate(keys); err != nil {
			return err
		}
		before, err := securityOf(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		if err := s.saveSecurity(ctx, tx, a.TenantID, st); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "settings.security.update", targetType: "tenant", targetID: a.TenantID,
			details: map[string]any{"before": before, "after": st}})
	})
	return SecurityReport{Settings: st, Conformance: st.conformance()}, err
}

func (s *Service) saveSecurity(ctx context.Context, tx *store.Tx, tenantID int64, st SecuritySettings) error {
	doc, err := json.Marshal(st)
	if err != nil {
		return errs.Wrap(err, "service.saveSecurity")
	}
	return tx.SaveSecuritySettings(ctx, tenantID, doc, s.now())
}

// needFactorFor refuses to give a role that requires a second factor to a
// user who has none: they would hold it with a session fit only for
// enrolling. The user enrols first (every account can), then gets the role.
func (s *Service) needFactorFor(ctx context.Context, tx *store.Tx, tenantID, userID int64, r access.Role, field string) error {
	st, err := securityOf(ctx, tx, tenantID)
	if err != nil || !st.requiresMFA([]access.Role{r}) {
		return err
	}
	has, err := tx.HasFactor(ctx, tenantID, userID)
	if err != nil || has {
		return err
	}
	return &errs.Error{Kind: errs.Conflict, Code: "mfa_required_for_role", Field: field,
		Message: "the role " + r.Key + " requires a second factor, and the user has none; they enrol one first"}
}

// CheckSecuritySettings applies and validates settings as
// SetSecuritySettings does, against the preset roles, without a database:
// for the fuzz targets of the API's request bodies.
func CheckSecuritySettings(in SecuritySettingsInput) error {
	st, err := in.apply()
	if err != nil {
		return err
	}
	return st.validate(presetKeys())
}

// tenantPolicy is the tenant's password policy; the default when the
// settings cannot be read, which the write that follows will report.
func (s *Service) tenantPolicy(ctx context.Context, tenantID int64) authn.Policy {
	st := DefaultSecurity()
	_ = s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		st, err = securityOf(ctx, tx, tenantID)
		return err
	})
	return st.policy()
}
