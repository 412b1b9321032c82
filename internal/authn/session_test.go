package authn

import (
	"testing"
	"time"
)

func TestSessionValid(t *testing.T) {
	cfg := DefaultSessions
	for _, c := range []struct {
		name          string
		lastSeen, now time.Duration // after creation
		admin, want   bool
	}{
		{"fresh", 0, time.Minute, false, true},
		{"idle 29m", time.Hour, time.Hour + 29*time.Minute, false, true},
		{"idle 30m", time.Hour, time.Hour + 30*time.Minute, false, false},
		{"admin idle 14m", 0, 14 * time.Minute, true, true},
		{"admin idle 15m", 0, 15 * time.Minute, true, false},
		{"active at 11h59m", 11*time.Hour + 50*time.Minute, 11*time.Hour + 59*time.Minute, false, true},
		{"absolute 12h", 11*time.Hour + 59*time.Minute, 12 * time.Hour, false, false},
		{"last seen before creation", -time.Hour, 10 * time.Minute, false, true},
	} {
		got := SessionValid(t0, t0.Add(c.lastSeen), t0.Add(c.now), c.admin, cfg)
		if got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// Zero fields take the defaults.
	if SessionValid(t0, t0, t0.Add(31*time.Minute), false, SessionConfig{}) {
		t.Error("zero config: valid after 31 minutes idle")
	}
	if got := SessionEnd(t0, t0.Add(12*time.Hour), false, SessionConfig{Idle: time.Hour}); !got.Equal(t0.Add(12 * time.Hour)) {
		t.Errorf("SessionEnd = %v, want creation + 12h", got)
	}
}

func TestFresh(t *testing.T) {
	for _, c := range []struct {
		age  time.Duration
		want bool
	}{{0, true}, {10 * time.Minute, true}, {10*time.Minute + time.Second, false}, {-time.Second, false}} {
		if got := Fresh(t0, t0.Add(c.age)); got != c.want {
			t.Errorf("Fresh after %v = %v, want %v", c.age, got, c.want)
		}
	}
}

func TestSessionConfigValidate(t *testing.T) {
	if err := (SessionConfig{}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (SessionConfig{Idle: time.Hour, Absolute: 24 * time.Hour}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg   SessionConfig
		field string
	}{
		{SessionConfig{Idle: 4 * time.Minute}, "session.idle"},
		{SessionConfig{Idle: 61 * time.Minute}, "session.idle"},
		{SessionConfig{Absolute: 25 * time.Hour}, "session.absolute"},
		{SessionConfig{Absolute: 30 * time.Minute}, "session.absolute"},
		{SessionConfig{AdminIdle: 16 * time.Minute}, "session.admin_idle"},
		{SessionConfig{AdminAbsolute: 13 * time.Hour}, "session.admin_absolute"},
	} {
		wantCode(t, c.cfg.Validate(), "out_of_range", c.field)
	}
}
