package authn

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

var t0 = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)

func TestLockoutDelay(t *testing.T) {
	for _, c := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {4, 0}, {5, time.Second}, {6, 2 * time.Second}, {7, 4 * time.Second},
		{14, 512 * time.Second}, {15, 15 * time.Minute}, {99, 15 * time.Minute}, {1 << 30, 15 * time.Minute},
	} {
		if got := DefaultLockout.Delay(c.failures); got != c.want {
			t.Errorf("Delay(%d) = %v, want %v", c.failures, got, c.want)
		}
	}
}

func TestLockoutCheckDefault(t *testing.T) {
	l := DefaultLockout
	for _, c := range []struct {
		name     string
		failures int
		since    time.Duration
		want     Attempt
	}{
		{"clean", 0, 0, Attempt{Allowed: true}},
		{"four failures", 4, 0, Attempt{Allowed: true}},
		{"fifth, too soon", 5, 500 * time.Millisecond, Attempt{RetryAt: t0.Add(time.Second)}},
		{"fifth, waited", 5, time.Second, Attempt{Allowed: true}},
		{"tenth, too soon", 10, 15 * time.Second, Attempt{RetryAt: t0.Add(32 * time.Second)}},
		{"99th, waited", 99, 15 * time.Minute, Attempt{Allowed: true}},
		{"100th: locked for good", 100, 1000 * time.Hour, Attempt{Locked: true}},
		{"clock went back", 6, -time.Hour, Attempt{RetryAt: t0.Add(2 * time.Second)}},
	} {
		if got := l.Check(c.failures, t0, t0.Add(c.since)); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestLockoutCheckDengbao(t *testing.T) {
	l := DengbaoL3Lockout
	if got := l.Check(9, t0, t0.Add(time.Minute)); !got.Allowed {
		t.Fatalf("9 failures a minute ago: got %+v, want allowed", got)
	}
	if got := l.Check(10, t0, t0.Add(29*time.Minute)); !got.Locked || !got.RetryAt.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("10 failures: got %+v, want locked until +30m", got)
	}
	if got := l.Check(10, t0, t0.Add(30*time.Minute)); !got.Allowed {
		t.Fatalf("after 30 minutes: got %+v, want allowed", got)
	}
	if got := l.Check(11, t0, t0.Add(time.Minute)); !got.Locked {
		t.Fatalf("failed again after the lock: got %+v, want locked again", got)
	}
}

// Properties: the delay never decreases as failures grow, and an attempt
// allowed at some time stays allowed later (waiting never hurts).
func TestLockoutMonotone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := Lockout{
			DelayFrom: rapid.IntRange(1, 20).Draw(t, "from"),
			BaseDelay: time.Duration(rapid.Int64Range(0, int64(time.Minute)).Draw(t, "base")),
			MaxDelay:  time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, "max")),
			LockAt:    rapid.IntRange(0, 120).Draw(t, "lockAt"),
			LockFor:   time.Duration(rapid.Int64Range(0, int64(24*time.Hour)).Draw(t, "lockFor")),
		}
		n := rapid.IntRange(0, 200).Draw(t, "n")
		if l.Delay(n+1) < l.Delay(n) {
			t.Fatalf("Delay(%d) = %v < Delay(%d) = %v", n+1, l.Delay(n+1), n, l.Delay(n))
		}
		if l.Delay(n) > max(l.MaxDelay, 0) {
			t.Fatalf("Delay(%d) = %v over MaxDelay %v", n, l.Delay(n), l.MaxDelay)
		}
		a := time.Duration(rapid.Int64Range(0, int64(48*time.Hour)).Draw(t, "a"))
		b := a + time.Duration(rapid.Int64Range(0, int64(48*time.Hour)).Draw(t, "later"))
		if l.Check(n, t0, t0.Add(a)).Allowed && !l.Check(n, t0, t0.Add(b)).Allowed {
			t.Fatalf("allowed at +%v but not at +%v", a, b)
		}
	})
}
