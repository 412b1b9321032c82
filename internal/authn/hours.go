package authn

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"steward/internal/errs"
)

// Login-hour limits, to bound the work of a pasted specification.
const (
	maxHoursBytes = 4 << 10
	maxHoursRules = 50
)

// Hours are the times of the week at which a role may sign in, read on
// the wall clock of one time zone. The zero Hours allow any time.
type Hours struct {
	rules []hoursRule
	loc   *time.Location
}

// hoursRule allows the days in days (bit i is time.Weekday i) from start
// to end, in minutes after midnight. An end before the start runs past
// midnight into the next day, which belongs to the same rule.
type hoursRule struct {
	days       uint8
	start, end int
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseHours reads a login-hours specification: rules separated by ";" or
// new lines, each a set of days and a time range, in the time zone loc
// (UTC when nil; the caller loads the zone, which takes I/O).
//
//	mon-fri 08:00-18:00; sat 09:00-12:00
//	mon,wed,fri 22:00-06:00   (overnight: ends 06:00 the next morning)
//	* 00:00-24:00             (every day, all day)
//
// Days are three-letter English names, case-insensitive, with ranges that
// may wrap (fri-mon). Times are HH:MM from 00:00 to 24:00. The empty
// specification allows any time. Errors name the rule by position and text.
func ParseHours(field, spec string, loc *time.Location) (Hours, error) {
	if loc == nil {
		loc = time.UTC
	}
	if len(spec) > maxHoursBytes {
		return Hours{}, errs.Field(field, "invalid_hours", "%s may be at most %d KiB", field, maxHoursBytes>>10)
	}
	h := Hours{loc: loc}
	n := 0
	for _, text := range strings.FieldsFunc(spec, func(r rune) bool { return r == ';' || r == '\n' }) {
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		n++
		if n > maxHoursRules {
			return Hours{}, errs.Field(field, "invalid_hours", "%s may have at most %d rules", field, maxHoursRules)
		}
		r, err := parseHoursRule(text)
		if err != nil {
			return Hours{}, errs.Field(field, "invalid_hours", "%s rule %d (%s): %s", field, n, quoteEntry(text), err)
		}
		h.rules = append(h.rules, r)
	}
	return h, nil
}

func parseHoursRule(s string) (hoursRule, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return hoursRule{}, fmt.Errorf(`want days and a time range, like "mon-fri 08:00-18:00"`)
	}
	days, err := parseDays(strings.ToLower(f[0]))
	if err != nil {
		return hoursRule{}, err
	}
	from, to, ok := strings.Cut(f[1], "-")
	if !ok {
		return hoursRule{}, fmt.Errorf(`want a time range like 08:00-18:00`)
	}
	start, err := parseClock(from, false)
	if err != nil {
		return hoursRule{}, err
	}
	end, err := parseClock(to, true)
	if err != nil {
		return hoursRule{}, err
	}
	if start == end%(24*60) && end != 24*60 {
		return hoursRule{}, fmt.Errorf("the range is empty; for a whole day write 00:00-24:00")
	}
	return hoursRule{days: days, start: start, end: end}, nil
}

// parseDays reads "*", "mon", "mon-fri", "sat,sun" or "mon,wed-fri".
func parseDays(s string) (uint8, error) {
	if s == "*" {
		return 0x7f, nil
	}
	var days uint8
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, b := dayIndex(from), dayIndex(to)
		if !isRange {
			b = a
		}
		if a < 0 || b < 0 {
			return 0, fmt.Errorf("%s is not a day; use mon, tue, wed, thu, fri, sat, sun or *", quoteEntry(part))
		}
		for d := a; ; d = (d + 1) % 7 {
			days |= 1 << d
			if d == b {
				break
			}
		}
	}
	return days, nil
}

func dayIndex(s string) int {
	for i, n := range dayNames {
		if s == n {
			return i
		}
	}
	return -1
}

// parseClock reads HH:MM as minutes after midnight; 24:00 only as an end.
func parseClock(s string, isEnd bool) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || !twoDigits(hh) || !twoDigits(mm) || err1 != nil || err2 != nil || m > 59 ||
		h > 24 || h == 24 && (m != 0 || !isEnd) {
		return 0, fmt.Errorf("%s is not a time from 00:00 to 24:00", quoteEntry(s))
	}
	return h*60 + m, nil
}

func twoDigits(s string) bool {
	return len(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'
}

// Allows reports whether t falls within one of the rules, on the wall
// clock of the Hours' time zone. With no rules every time is allowed.
func (h Hours) Allows(t time.Time) bool {
	if len(h.rules) == 0 {
		return true
	}
	t = t.In(h.loc)
	day, minute := int(t.Weekday()), t.Hour()*60+t.Minute()
	prev := (day + 6) % 7
	for _, r := range h.rules {
		if r.start < r.end {
			if r.days&(1<<day) != 0 && minute >= r.start && minute < r.end {
				return true
			}
			continue
		}
		// Overnight: the evening of a listed day, or the morning after one.
		if r.days&(1<<day) != 0 && minute >= r.start || r.days&(1<<prev) != 0 && minute < r.end {
			return true
		}
	}
	return false
}

// String writes the rules back in canonical form, for storing and showing.
func (h Hours) String() string {
	s := make([]string, len(h.rules))
	for i, r := range h.rules {
		var days []string
		for d := 0; d < 7; d++ {
			if r.days&(1<<d) != 0 {
				days = append(days, dayNames[d])
			}
		}
		s[i] = fmt.Sprintf("%s %02d:%02d-%02d:%02d", strings.Join(days, ","), r.start/60, r.start%60, r.end/60, r.end%60)
	}
	return strings.Join(s, "; ")
}

// LoginAllowed reports whether a user holding roles may sign in at t, given
// login hours per role key. Every role of the user that has hours must
// allow the time: the hours are a restriction, and holding a second role
// must not lift the restriction of the first. Roles without hours, and a
// user without such roles, are not restricted.
func LoginAllowed(hours map[string]Hours, roles []string, t time.Time) bool {
	for _, r := range roles {
		if h, ok := hours[r]; ok && !h.Allows(t) {
			return false
		}
	}
	return true
}
