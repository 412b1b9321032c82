package authn

import (
	"fmt"
	"time"

	"steward/internal/errs"
)

// SessionConfig sets how long a session lasts without activity (Idle) and
// at most (Absolute), for ordinary users and for administrators. A zero
// field takes the default.
//
// NIST SP 800-63B-4 asks reauthentication at AAL2 at least every 24 h and
// after 1 h idle (§2.2.3, SHOULD), and at AAL3 every 12 h (SHALL) and
// after 15 min idle (§2.3.3, SHOULD). The defaults, 30 min / 12 h and
// 15 min / 12 h for administrators, meet both levels and the older 63B-3
// and ASVS 4.0.3 3.3.2 numbers. Validate keeps settings inside AAL2 for
// everyone and AAL3 for administrators.
type SessionConfig struct {
	Idle          time.Duration `json:"idle"`
	Absolute      time.Duration `json:"absolute"`
	AdminIdle     time.Duration `json:"admin_idle"`
	AdminAbsolute time.Duration `json:"admin_absolute"`
}

// DefaultSessions are the defaults of security-defaults.md §0.4.
var DefaultSessions = SessionConfig{Idle: 30 * time.Minute, Absolute: 12 * time.Hour,
	AdminIdle: 15 * time.Minute, AdminAbsolute: 12 * time.Hour}

// StepUpWindow is how recent an authentication must be for a sensitive
// operation (changing a password or a second factor, exporting personal
// data, granting roles): ASVS 5.0 7.5 asks re-authentication before them.
const StepUpWindow = 10 * time.Minute

// Session bounds the settings page enforces.
const (
	minIdle          = 5 * time.Minute
	maxIdle          = time.Hour        // 63B-4 AAL2
	maxAdminIdle     = 15 * time.Minute // 63B-4 AAL3
	minAbsolute      = time.Hour
	maxAbsolute      = 24 * time.Hour // 63B-4 AAL2
	maxAdminAbsolute = 12 * time.Hour // 63B-4 AAL3, a SHALL
)

func (c SessionConfig) withDefaults() SessionConfig {
	pick := func(v, def time.Duration) time.Duration {
		if v == 0 {
			return def
		}
		return v
	}
	d := DefaultSessions
	return SessionConfig{Idle: pick(c.Idle, d.Idle), Absolute: pick(c.Absolute, d.Absolute),
		AdminIdle: pick(c.AdminIdle, d.AdminIdle), AdminAbsolute: pick(c.AdminAbsolute, d.AdminAbsolute)}
}

// limits returns the idle and absolute limits that apply to a session.
func (c SessionConfig) limits(isAdmin bool) (idle, absolute time.Duration) {
	c = c.withDefaults()
	if isAdmin {
		return c.AdminIdle, c.AdminAbsolute
	}
	return c.Idle, c.Absolute
}

// SessionValid reports whether a session created at created and last used
// at lastSeen may still be used at now: less than the idle limit since it
// was last seen and less than the absolute limit since it was created.
// A lastSeen before created counts as created.
func SessionValid(created, lastSeen, now time.Time, isAdmin bool, cfg SessionConfig) bool {
	return now.Before(SessionEnd(created, lastSeen, isAdmin, cfg))
}

// SessionEnd is when a session ends if it is not used again: the earlier of
// lastSeen plus the idle limit and created plus the absolute limit. The
// service can store it to expire sessions in SQL and to set cookie
// lifetimes.
func SessionEnd(created, lastSeen time.Time, isAdmin bool, cfg SessionConfig) time.Time {
	idle, absolute := cfg.limits(isAdmin)
	if lastSeen.Before(created) {
		lastSeen = created
	}
	end := lastSeen.Add(idle)
	if hard := created.Add(absolute); hard.Before(end) {
		end = hard
	}
	return end
}

// Fresh reports whether an authentication at authTime is recent enough at
// now for a sensitive operation (within StepUpWindow). An authTime in the
// future, which only a broken clock produces, is not fresh.
func Fresh(authTime, now time.Time) bool {
	age := now.Sub(authTime)
	return age >= 0 && age <= StepUpWindow
}

// Validate checks session settings against the bounds above; zero fields
// are the defaults and always valid.
func (c SessionConfig) Validate() error {
	c = c.withDefaults()
	for _, r := range []struct {
		field     string
		v, lo, hi time.Duration
	}{
		{"session.idle", c.Idle, minIdle, maxIdle},
		{"session.absolute", c.Absolute, minAbsolute, maxAbsolute},
		{"session.admin_idle", c.AdminIdle, minIdle, maxAdminIdle},
		{"session.admin_absolute", c.AdminAbsolute, minAbsolute, maxAdminAbsolute},
	} {
		if r.v < r.lo || r.v > r.hi {
			return errs.Field(r.field, "out_of_range", "%s must be between %s and %s", r.field, human(r.lo), human(r.hi))
		}
	}
	return nil
}

// human writes a whole number of hours or minutes as a person would.
func human(d time.Duration) string {
	if d%time.Minute != 0 || d <= 0 {
		return d.String()
	}
	unit, n := "minute", int(d/time.Minute)
	if d%time.Hour == 0 {
		unit, n = "hour", int(d/time.Hour)
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s", n, unit)
}
