package authn

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Verdict is how one setting stands against one clause of a standard.
type Verdict string

// The verdicts. Partly means the clause is met only under a condition
// that the Clause's Note states.
const (
	Satisfies Verdict = "satisfies"
	Breaks    Verdict = "breaks"
	Partly    Verdict = "partly"
)

// The standards cited, as the report names them.
const (
	NIST    = "NIST SP 800-63B-4"
	ASVS    = "OWASP ASVS 5.0"
	Dengbao = "GB/T 22239-2019 等保 L3"
	PCI     = "PCI DSS 4.0.1"
)

// Clause is one line of the conformance report: a setting, its value, a
// clause of a standard and the verdict, with a note for a person.
type Clause struct {
	Setting  string  `json:"setting"`
	Value    string  `json:"value"`
	Standard string  `json:"standard"`
	Ref      string  `json:"ref"`
	Verdict  Verdict `json:"verdict"`
	Note     string  `json:"note"`
}

func verdict(ok bool) Verdict {
	if ok {
		return Satisfies
	}
	return Breaks
}

// Conformance lists, for each setting of the policy, the clauses of
// 800-63B-4, ASVS 5.0, 等保 level 3 and PCI DSS that it satisfies or
// breaks. Settings that no clause addresses (near_edits) are not listed.
// It is data for the settings page and the compliance report; the wording
// of the notes is shown as is.
func (p Policy) Conformance() []Clause {
	var out []Clause
	add := func(setting, value, std, ref string, v Verdict, note string) {
		out = append(out, Clause{setting, value, std, ref, v, note})
	}
	v := strconv.Itoa
	add("min_length", v(p.MinLength), NIST, "§3.1.1.2 (1)", verdict(p.MinLength >= 15), "at least 15 characters for a password used alone")
	add("min_length", v(p.MinLength), ASVS, "6.2.1", verdict(p.MinLength >= 8), "at least 8 characters, 15 strongly recommended")
	add("min_length", v(p.MinLength), PCI, "8.3.6", verdict(p.MinLength >= 12), "at least 12 characters")
	add("min_length_mfa", v(p.MinLengthMFA), NIST, "§3.1.1.2 (1)", verdict(p.MinLengthMFA >= 8), "at least 8 characters when always used with a second factor")
	add("min_length_mfa", v(p.MinLengthMFA), PCI, "8.3.6", verdict(p.MinLengthMFA >= 12), "12 characters applies to every password in PCI scope")
	add("max_length", v(p.MaxLength), NIST, "§3.1.1.2 (2), (9)", verdict(p.MaxLength >= 64), "at least 64 characters allowed; longer ones are refused, never truncated")
	add("max_length", v(p.MaxLength), ASVS, "6.2.8, 6.2.9", verdict(p.MaxLength >= 64), "at least 64 characters allowed; verified exactly as typed")
	out = append(out, p.compositionClauses()...)
	out = append(out, p.blocklistClauses()...)
	out = append(out, contextClauses...)
	out = append(out, p.rotationClauses()...)
	add("history", v(p.History), PCI, "8.3.7", verdict(p.History >= 4), "a new password differs from the last four")
	return append(out, p.Lockout.conformance()...)
}

func (p Policy) compositionClauses() []Clause {
	val := strconv.Itoa(p.MinClasses)
	if p.MinClasses == 0 {
		return []Clause{
			{"min_classes", "off", NIST, "§3.1.1.2 (5)", Satisfies, "no composition rules"},
			{"min_classes", "off", ASVS, "6.2.5", Satisfies, "passwords of any composition"},
			{"min_classes", "off", Dengbao, "8.1.4.1 a", Partly, "复杂度要求 met by length, blocklist and context words; some assessors expect character classes"},
			{"min_classes", "off", PCI, "8.3.6", Breaks, "asks for both letters and digits"},
		}
	}
	pci, note := Partly, "a class count does not by itself force both letters and digits"
	if p.MinClasses >= 4 {
		pci, note = Satisfies, "all four classes include letters and digits"
	}
	return []Clause{
		{"min_classes", val, NIST, "§3.1.1.2 (5)", Breaks, "composition rules SHALL NOT be imposed"},
		{"min_classes", val, ASVS, "6.2.5", Breaks, "no minimum of character types may be required"},
		{"min_classes", val, Dengbao, "8.1.4.1 a", Satisfies, "身份鉴别信息具有复杂度要求"},
		{"min_classes", val, PCI, "8.3.6", pci, note},
	}
}

func (p Policy) blocklistClauses() []Clause {
	if !p.Blocklist {
		return []Clause{
			{"blocklist", "off", NIST, "§3.1.1.2", Breaks, "new passwords SHALL be compared against a blocklist"},
			{"blocklist", "off", ASVS, "6.2.4", Breaks, "new passwords are checked against at least the top 3000"},
			{"blocklist", "off", ASVS, "6.2.12", Breaks, "new passwords are checked against breached passwords"},
		}
	}
	n := fmt.Sprintf("a list of %d common passwords and patterns, with digits and symbols at the ends ignored", len(blocklist()))
	return []Clause{
		{"blocklist", "on", NIST, "§3.1.1.2", Satisfies, n},
		{"blocklist", "on", ASVS, "6.2.4", Satisfies, n},
		{"blocklist", "on", ASVS, "6.2.12", Partly, "the list is generated from patterns, not drawn from breach corpora"},
	}
}

// contextClauses are always on: ContainsContext has no switch.
var contextClauses = []Clause{
	{"context_words", "on", NIST, "§3.1.1.2", Satisfies, "passwords built from the product, tenant or user names are refused"},
	{"context_words", "on", ASVS, "6.2.11", Satisfies, "the context words are the product, tenant and user names and e-mail"},
}

func (p Policy) rotationClauses() []Clause {
	if p.MaxAgeDays == 0 {
		return []Clause{
			{"max_age_days", "off", NIST, "§3.1.1.2 (6)", Satisfies, "no periodic change; change forced on evidence of compromise"},
			{"max_age_days", "off", ASVS, "6.2.10", Satisfies, "no periodic credential rotation"},
			{"max_age_days", "off", Dengbao, "8.1.4.1 a", Breaks, "身份鉴别信息…定期更换 asks for periodic change"},
			{"max_age_days", "off", PCI, "8.3.9", Partly, "met when MFA is enforced or by dynamic risk analysis; otherwise a 90-day change"},
		}
	}
	val := strconv.Itoa(p.MaxAgeDays)
	return []Clause{
		{"max_age_days", val, NIST, "§3.1.1.2 (6)", Breaks, "periodic change SHALL NOT be required"},
		{"max_age_days", val, ASVS, "6.2.10", Breaks, "periodic credential rotation must not be required"},
		{"max_age_days", val, Dengbao, "8.1.4.1 a", Satisfies, "定期更换; the standard gives no period"},
		{"max_age_days", val, PCI, "8.3.9", verdict(p.MaxAgeDays <= 90), "at most 90 days where a password is the only factor"},
	}
}

func (l Lockout) conformance() []Clause {
	at := strconv.Itoa(l.LockAt)
	lockFor := "until unlocked"
	if l.LockFor > 0 {
		lockFor = human(l.LockFor)
	}
	return []Clause{
		{"lockout.lock_at", at, NIST, "§3.2.2", verdict(l.LockAt > 0 && l.LockAt <= 100), "at most 100 consecutive failures, with delays before"},
		{"lockout.lock_at", at, ASVS, "6.3.1", Satisfies, "throttling from the " + ordinal(l.DelayFrom) + " failure and a lock against brute force"},
		{"lockout.lock_at", at, Dengbao, "8.1.4.1 b", Satisfies, "限制非法登录次数; the standard gives no number"},
		{"lockout.lock_at", at, PCI, "8.3.4", verdict(l.LockAt > 0 && l.LockAt <= 10), "locked after at most 10 attempts"},
		{"lockout.lock_for", lockFor, PCI, "8.3.4", verdict(l.LockFor == 0 || l.LockFor >= 30*time.Minute), "locked for at least 30 minutes or until identity is confirmed"},
	}
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprint(n, suffix)
}

// Conformance lists what the session timeouts satisfy: 800-63B-4 AAL2
// (§2.2.3: 24 h, 1 h idle) for everyone, AAL3 (§2.3.3: 12 h, 15 min idle)
// for administrators, ASVS 7.3.1 and 7.3.2, 等保 8.1.4.1 b (登录连接超时
// 自动退出) and PCI DSS 8.2.8 (15 minutes idle).
func (c SessionConfig) Conformance() []Clause {
	c = c.withDefaults()
	idle, abs, aIdle, aAbs := human(c.Idle), human(c.Absolute), human(c.AdminIdle), human(c.AdminAbsolute)
	return []Clause{
		{"session.idle", idle, NIST, "§2.2.3 (AAL2)", verdict(c.Idle <= time.Hour), "reauthentication after at most 1 hour idle"},
		{"session.idle", idle, ASVS, "7.3.1", Satisfies, "an inactivity timeout is enforced"},
		{"session.idle", idle, Dengbao, "8.1.4.1 b", Satisfies, "登录连接超时自动退出"},
		{"session.idle", idle, PCI, "8.2.8", verdict(c.Idle <= 15*time.Minute), "reauthentication after at most 15 minutes idle"},
		{"session.absolute", abs, NIST, "§2.2.3 (AAL2)", verdict(c.Absolute <= 24*time.Hour), "reauthentication at least every 24 hours"},
		{"session.absolute", abs, ASVS, "7.3.2", Satisfies, "an absolute session lifetime is enforced"},
		{"session.admin_idle", aIdle, NIST, "§2.3.3 (AAL3)", verdict(c.AdminIdle <= 15*time.Minute), "reauthentication after at most 15 minutes idle"},
		{"session.admin_idle", aIdle, PCI, "8.2.8", verdict(c.AdminIdle <= 15*time.Minute), "reauthentication after at most 15 minutes idle"},
		{"session.admin_absolute", aAbs, NIST, "§2.3.3 (AAL3)", verdict(c.AdminAbsolute <= 12*time.Hour), "reauthentication at least every 12 hours"},
	}
}

// Conformance lists what a TOTP window satisfies. Replay protection meets
// ASVS 6.5.1 whatever the window; ASVS 6.5.5's 30-second lifetime is met
// only by WindowExact, since any earlier step keeps a code alive after the
// app has moved on.
func (w Window) Conformance() []Clause {
	val := w.String()
	lifetime := map[Window]struct {
		v    Verdict
		note string
	}{
		WindowDrift:  {Breaks, "a code is accepted until 60 s after its step ends (and 30 s early)"},
		WindowStrict: {Partly, "a code is accepted until 30 s after its step ends, for network delay"},
		WindowExact:  {Satisfies, "a code is accepted only during its own 30 s step"},
	}[w]
	return []Clause{
		{"totp_window", val, "RFC 6238", "§5.2", Satisfies, "at most one step of drift or delay"},
		{"totp_window", val, ASVS, "6.5.1", Satisfies, "each code is accepted once: the last step used is stored"},
		{"totp_window", val, ASVS, "6.5.5", lifetime.v, lifetime.note},
	}
}

// CodeConformance lists what allowing second-factor codes by e-mail or
// SMS (the code_channels setting) satisfies or breaks. NIST SP 800-63B-4
// restricts the telephone network (§3.1.3.3, §3.2.9: allowed only with an
// unrestricted alternative offered, users told of the risk, and the risk
// assessed) and refuses e-mail as an out-of-band device (§3.1.3.1); ASVS
// 5.0 6.6.1 allows SMS at level 2 beside a stronger method and forbids it
// at level 3. Codes are bound to their sign-in and rate limited whatever
// the channels.
func CodeConformance(channels []string) []Clause {
	val := strings.Join(channels, ", ")
	if len(channels) == 0 {
		val = "off"
	}
	has := func(c string) bool { return slices.Contains(channels, c) }
	out := []Clause{}
	switch {
	case has(ChannelSMS):
		out = append(out,
			Clause{"code_channels", val, NIST, "§3.1.3.3, §3.2.9", Partly, "SMS is a restricted authenticator: met only while TOTP is offered beside it (it is), users are told the risk (the console does), and the organisation's risk assessment accepts it"},
			Clause{"code_channels", val, ASVS, "6.6.1", Partly, "level 2: the number is confirmed with a code and TOTP is offered; level 3 forbids phone and SMS codes"})
	default:
		out = append(out,
			Clause{"code_channels", val, NIST, "§3.2.9", Satisfies, "no restricted authenticator (the telephone network) is offered"},
			Clause{"code_channels", val, ASVS, "6.6.1", Satisfies, "no codes by phone or SMS"})
	}
	if has(ChannelEmail) {
		out = append(out, Clause{"code_channels", val, NIST, "§3.1.3.1", Breaks, "e-mail proves no possession of a specific device and SHALL NOT be used for out-of-band authentication"})
	}
	if len(channels) > 0 {
		out = append(out,
			Clause{"code_channels", val, ASVS, "6.6.2", Satisfies, "a code works only for the sign-in, enrolment or step-up it was sent for"},
			Clause{"code_channels", val, ASVS, "6.6.3", Satisfies, "5 tries per code, the account's lockout, and at most one code per 30 s and 10 per hour per user"},
			Clause{"code_channels", val, ASVS, "6.5.5", Satisfies, "a code lives 5 minutes"},
			Clause{"code_channels", val, Dengbao, "8.1.4.1 d", Partly, "a sent code is a second 鉴别技术; the clause also wants one of the two built on 密码技术, which a code by e-mail or SMS is not"})
	}
	return out
}
