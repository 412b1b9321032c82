package authn

import (
	"time"
	"unicode/utf8"

	"steward/internal/errs"
)

// The profiles a tenant can choose. A profile is a starting point: every
// setting can still be changed, within Validate's bounds, and Conformance
// says what each choice satisfies or breaks.
const (
	ProfileDefault   = "default"    // NIST SP 800-63B rev. 4 and OWASP ASVS 5.0
	ProfileDengbaoL3 = "dengbao-l3" // GB/T 22239-2019 level 3 (等保三级), as assessors read it
)

// Policy is a tenant's password policy and sign-in lockout. The zero value
// is not usable; start from DefaultPolicy, DengbaoL3Policy or PolicyFor.
type Policy struct {
	Profile string `json:"profile"`

	// MinLength applies to accounts that sign in with a password alone;
	// MinLengthMFA to accounts that always use a second factor.
	MinLength    int `json:"min_length"`
	MinLengthMFA int `json:"min_length_mfa"`
	// MaxLength refuses, never truncates, longer passwords. It also bounds
	// the work a sign-in can cost before hashing.
	MaxLength int `json:"max_length"`

	// Blocklist refuses common and predictable passwords (see Blocklisted).
	Blocklist bool `json:"blocklist"`
	// MinClasses, when above zero, requires that many of the four classes
	// upper case, lower case, digits and others. Off in the default profile.
	MinClasses int `json:"min_classes"`
	// MaxAgeDays, when above zero, forces a change that many days after the
	// last one. Off in the default profile.
	MaxAgeDays int `json:"max_age_days"`
	// History refuses a new password equal to any of the last History ones,
	// the current one included. Zero turns it off.
	History int `json:"history"`
	// NearEdits refuses a new password within this many single-character
	// edits of the current one, when the user typed the current one (a
	// change, not a reset). Zero turns it off.
	NearEdits int `json:"near_edits"`

	Lockout Lockout `json:"lockout"`
}

// DefaultPolicy follows NIST SP 800-63B rev. 4 §3.1.1.2: 15 characters
// for password-only accounts, 8 with MFA, no composition rules, no expiry,
// a blocklist; throttling from the 5th failure and a hard lock at 100 (§3.2.2).
var DefaultPolicy = Policy{
	Profile:      ProfileDefault,
	MinLength:    15,
	MinLengthMFA: 8,
	MaxLength:    128,
	Blocklist:    true,
	Lockout:      DefaultLockout,
}

// DengbaoL3Policy is the 等保 level 3 profile: GB/T 22239-2019 8.1.4.1 a
// asks for complexity and periodic change, 8.1.4.1 b for a limit on failed
// sign-ins. The standard names no numbers; 3 of 4 classes, 90 days, the
// last 4 passwords and a lock of 30 minutes after 10 failures are our
// proposals, after PCI DSS 8.3.4, 8.3.7 and 8.3.9. It breaks 800-63B-4 and
// ASVS 5.0 (see Conformance); the blocklist, the history and the edit
// distance limit the damage that rotation does.
var DengbaoL3Policy = Policy{
	Profile:      ProfileDengbaoL3,
	MinLength:    15,
	MinLengthMFA: 8,
	MaxLength:    128,
	Blocklist:    true,
	MinClasses:   3,
	MaxAgeDays:   90,
	History:      4,
	NearEdits:    2,
	Lockout:      DengbaoL3Lockout,
}

// Profiles lists the profile names PolicyFor accepts, default first.
func Profiles() []string { return []string{ProfileDefault, ProfileDengbaoL3} }

// PolicyFor returns the policy a profile starts from.
func PolicyFor(profile string) (Policy, error) {
	switch profile {
	case ProfileDefault, "":
		return DefaultPolicy, nil
	case ProfileDengbaoL3:
		return DengbaoL3Policy, nil
	}
	return Policy{}, errs.Field("profile", "unknown_profile", "profile must be one of %q", Profiles())
}

// MinFor is the minimum length for an account with or without a second
// factor that it always uses.
func (p Policy) MinFor(mfa bool) int {
	if mfa {
		return p.MinLengthMFA
	}
	return p.MinLength
}

// Expired reports whether a password last changed at changedAt must be
// changed before signing in at now. With MaxAgeDays zero it never expires.
// A zero changedAt (never recorded) counts as expired only when expiry is
// on, so that turning expiry on makes every old password change.
func (p Policy) Expired(changedAt, now time.Time) bool {
	if p.MaxAgeDays <= 0 {
		return false
	}
	return !now.Before(changedAt.Add(time.Duration(p.MaxAgeDays) * 24 * time.Hour))
}

// Check applies the rules that need nothing but the password: encoding,
// length (as for a password-only account), composition and the blocklist.
// It is what an administrator setting a first password goes through; use
// CheckNew when the account, its context and its history are known.
func (p Policy) Check(field, password string) error {
	return p.check(field, password, p.MinLength)
}

func (p Policy) check(field, password string, min int) error {
	if !utf8.ValidString(password) {
		return errs.Field(field, "invalid_encoding", "%s is not valid UTF-8", field)
	}
	// A password over 4 bytes per allowed character is refused unread: the
	// service refuses it at sign-in too, before hashing, so it could never
	// be used. Otherwise code points are counted after NFKC (800-63B-4).
	norm := ""
	if len(password) <= 4*p.MaxLength {
		norm = Normalize(password)
	}
	n := utf8.RuneCountInString(norm)
	if len(password) > 4*p.MaxLength || n > p.MaxLength {
		return errs.Field(field, "password_too_long", "%s may have at most %d characters", field, p.MaxLength)
	}
	if n < min {
		return errs.Field(field, "password_too_short", "%s must have at least %d characters", field, min)
	}
	if p.MinClasses > 0 && classes(norm) < p.MinClasses {
		return errs.Field(field, "password_composition",
			"%s must mix at least %d of: upper-case letters, lower-case letters, digits, other characters", field, p.MinClasses)
	}
	if p.Blocklist && Blocklisted(password) {
		return errs.Field(field, "password_blocklisted", "%s is too common or too easy to guess; choose another", field)
	}
	return nil
}

// Candidate is a proposed new password with what is known of its account.
type Candidate struct {
	Password string
	// MFA is true when the account always signs in with a second factor,
	// which allows the shorter MinLengthMFA.
	MFA bool
	// Context holds the words the password must not be built from: the
	// tenant's name and slug, the user's name, the user's e-mail address.
	Context []string
	// Current is the current password when the user typed it to change it
	// (ASVS 6.2.3); empty on a reset or a first password.
	Current string
	// Previous are the stored hashes of the account's passwords, newest
	// first, the current one included. Only the first History are tried.
	Previous []string
	// Matches reports whether a password matches a stored hash; the
	// service passes Hasher.Verify so that this package stays free of I/O.
	Matches func(password, hash string) (bool, error)
}

// CheckNew applies every rule to a new password, cheapest first, and
// returns the first refusal: length, composition, blocklist, context words,
// closeness to the current password, then reuse (which costs a hash each).
func (p Policy) CheckNew(field string, c Candidate) error {
	if err := p.check(field, c.Password, p.MinFor(c.MFA)); err != nil {
		return err
	}
	if ContainsContext(c.Password, c.Context) {
		return errs.Field(field, "password_contains_context",
			"%s must not be built from your name, your e-mail address or your organisation's name", field)
	}
	if p.NearEdits > 0 && c.Current != "" && len(c.Current) <= 4*p.MaxLength && near(c.Password, c.Current, p.NearEdits) {
		return errs.Field(field, "password_too_similar",
			"%s must differ from the current password in more than %d characters", field, p.NearEdits)
	}
	return p.checkHistory(field, c)
}

func (p Policy) checkHistory(field string, c Candidate) error {
	if p.History <= 0 || c.Matches == nil {
		return nil
	}
	prev := c.Previous[:min(len(c.Previous), p.History)]
	for _, h := range prev {
		ok, err := c.Matches(c.Password, h)
		if err != nil {
			return errs.Wrap(err, "authn.CheckNew")
		}
		if ok {
			return errs.Field(field, "password_reused", "%s must differ from your last %d passwords", field, p.History)
		}
	}
	return nil
}

// Validate checks a policy edited on the settings page against bounds no
// profile may leave: never below the 8-character floor of 800-63B-4 and
// ASVS 6.2.1, a maximum of at least 64 (ASVS 6.2.9), and room for the
// rotation, history and edit-distance settings that 等保 practice wants.
// Errors name the setting as the field.
func (p Policy) Validate() error {
	if _, err := PolicyFor(p.Profile); err != nil {
		return err
	}
	for _, r := range []struct {
		field     string
		v, lo, hi int
	}{
		{"min_length", p.MinLength, 8, 64},
		{"min_length_mfa", p.MinLengthMFA, 8, p.MinLength},
		{"max_length", p.MaxLength, 64, 1024},
		{"min_classes", p.MinClasses, 0, 4},
		{"max_age_days", p.MaxAgeDays, 0, 365},
		{"history", p.History, 0, 24},
		{"near_edits", p.NearEdits, 0, 5},
	} {
		if r.v < r.lo || r.v > r.hi {
			return errs.Field(r.field, "out_of_range", "%s must be between %d and %d", r.field, r.lo, r.hi)
		}
	}
	return p.Lockout.Validate()
}
