package authn

import (
	"strings"
	"testing"
	"time"
)

func mustHours(t testing.TB, spec string, loc *time.Location) Hours {
	t.Helper()
	h, err := ParseHours("login_hours", spec, loc)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHoursAllows(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600) // fixed, so the test needs no tzdata
	h := mustHours(t, "mon-fri 08:00-18:00; sat 09:00-12:00", shanghai)
	at := func(day, hh, mm int) time.Time { // 2025-06-02 is a Monday
		return time.Date(2025, 6, 1+day, hh, mm, 0, 0, shanghai)
	}
	for _, c := range []struct {
		t    time.Time
		want bool
	}{
		{at(1, 8, 0), true}, {at(1, 7, 59), false}, {at(1, 17, 59), true}, {at(1, 18, 0), false},
		{at(5, 12, 0), true}, {at(6, 11, 59), true}, {at(6, 12, 0), false}, {at(0, 10, 0), false},
		// 2025-06-02 01:00 UTC is 09:00 Monday in Shanghai.
		{time.Date(2025, 6, 2, 1, 0, 0, 0, time.UTC), true},
	} {
		if got := h.Allows(c.t); got != c.want {
			t.Errorf("Allows(%v) = %v, want %v", c.t, got, c.want)
		}
	}
	if !(Hours{}).Allows(at(0, 3, 0)) {
		t.Error("the zero Hours refused a time")
	}
}

func TestHoursOvernightAndWrap(t *testing.T) {
	h := mustHours(t, "fri-mon 22:00-06:00", nil)
	at := func(day, hh int) time.Time { return time.Date(2025, 6, 1+day, hh, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		t    time.Time
		want bool
	}{
		{at(5, 23), true},  // Friday night
		{at(6, 5), true},   // Saturday morning, after Friday
		{at(1, 5), true},   // Monday morning, after Sunday
		{at(2, 5), true},   // Tuesday morning, after Monday
		{at(3, 5), false},  // Wednesday morning: Tuesday is not listed
		{at(2, 23), false}, // Tuesday night
		{at(5, 12), false},
	} {
		if got := h.Allows(c.t); got != c.want {
			t.Errorf("Allows(%v %v) = %v, want %v", c.t.Weekday(), c.t.Hour(), got, c.want)
		}
	}
	all := mustHours(t, "* 00:00-24:00", nil)
	if !all.Allows(at(0, 23)) || !all.Allows(at(3, 0)) {
		t.Error("* 00:00-24:00 refused a time")
	}
}

func TestParseHoursErrors(t *testing.T) {
	for _, c := range []struct{ spec, mention string }{
		{"mon-fri", "want days and a time range"},
		{"mon-fri 8:00-18:00", `"8:00" is not a time`},
		{"mon-fri 08:00-24:01", `"24:01" is not a time`},
		{"mon-fri 24:00-08:00", `"24:00" is not a time`},
		{"mon-fri 08:00-08:00", "empty"},
		{"monday 08:00-18:00", `"monday" is not a day`},
		{"mon 08:00-18:00; tue 09:00/17:00", `rule 2 ("tue 09:00/17:00")`},
		{"mon +8:00-18:00", "not a time"},
	} {
		_, err := ParseHours("login_hours", c.spec, nil)
		wantInvalid(t, err, "login_hours")
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("ParseHours(%q) = %v, want it to mention %q", c.spec, err, c.mention)
		}
	}
}

func TestLoginAllowed(t *testing.T) {
	hours := map[string]Hours{
		"sales_rep": mustHours(t, "mon-fri 08:00-18:00", nil),
		"auditor":   mustHours(t, "mon-fri 09:00-17:00", nil),
	}
	mon8 := time.Date(2025, 6, 2, 8, 30, 0, 0, time.UTC)
	if !LoginAllowed(hours, []string{"sales_rep", "manager"}, mon8) {
		t.Error("sales rep refused within hours")
	}
	if LoginAllowed(hours, []string{"sales_rep", "auditor"}, mon8) {
		t.Error("the auditor's hours did not restrict a user holding both roles")
	}
	if !LoginAllowed(hours, []string{"manager"}, mon8.Add(-8*time.Hour)) {
		t.Error("a role without hours was restricted")
	}
}

func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"mon-fri 08:00-18:00; sat 09:00-12:00", "fri-mon 22:00-06:00", "* 00:00-24:00",
		"mon,wed-fri 07:30-19:45\nsun 10:00-11:00", "", ";;", "mon 24:00-01:00"} {
		f.Add(s)
	}
	probes := []time.Time{time.Date(2025, 6, 2, 8, 30, 0, 0, time.UTC), time.Date(2025, 6, 7, 23, 59, 0, 0, time.UTC),
		time.Date(2025, 6, 8, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, spec string) {
		h, err := ParseHours("login_hours", spec, nil)
		if err != nil {
			wantInvalid(t, err, "login_hours")
			return
		}
		back, err := ParseHours("login_hours", h.String(), nil)
		if err != nil || back.String() != h.String() {
			t.Fatalf("round trip of %q: %q, %v", h.String(), back.String(), err)
		}
		for _, p := range probes {
			if h.Allows(p) != back.Allows(p) {
				t.Fatalf("round trip of %q changed the decision at %v", spec, p)
			}
		}
	})
}
