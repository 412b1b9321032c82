package console

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"steward/internal/errs"
)

// An edit sends only what the user changed: a masked value left as shown
// must never be written back over the real one.
func TestCustomerInputSendsOnlyChanges(t *testing.T) {
	plan := planAll(editable)
	shown := url.Values{"name": {"Acme"}, "phone": {"138****5678"}, "email": {"z***@example.com"}, "notes": {"a\nb"}, "level": {"A"}}
	posted := url.Values{"name": {"Acme "}, "phone": {"138****5678"}, "email": {"Z***@EXAMPLE.com"}, "notes": {"a\r\nb"}, "level": {"B"}}
	in, n := customerInput(plan, shown, posted, false)
	if n != 1 || in.Level == nil || *in.Level != "B" {
		t.Fatalf("got %d changes (level %v), want only level → B", n, in.Level)
	}
	if in.Phone != nil || in.Email != nil || in.Name != nil || in.Notes != nil {
		t.Errorf("unchanged fields were sent: %+v", in)
	}
	in, _ = customerInput(plan, url.Values{}, url.Values{"name": {""}}, true)
	if in.Name == nil {
		t.Errorf("creating without a name must still send the name, for the service to refuse")
	}
}

func TestLocalPath(t *testing.T) {
	for next, want := range map[string]string{
		"/customers?q=1":          "/customers?q=1",
		"":                        "/d",
		"//evil.example/":         "/d",
		"https://evil.example/":   "/d",
		`/\evil.example`:          "/d",
		"customers":               "/d",
		"javascript:alert(1)":     "/d",
		"/customers/1#activities": "/customers/1#activities",
	} {
		if got := localPath(next, "/d"); got != want {
			t.Errorf("localPath(%q) = %q, want %q", next, got, want)
		}
	}
}

// Every catalogue entry has both languages (error codes fall back to the
// service's English message, so their English side may be empty).
func TestCatalogueComplete(t *testing.T) {
	for k, m := range messages {
		if m[chinese] == "" || (m[english] == "" && !strings.HasPrefix(k, "err.")) {
			t.Errorf("message %q lacks a language: %q", k, m)
		}
	}
}

func TestLangOf(t *testing.T) {
	for header, want := range map[string]lang{
		"zh-CN,zh;q=0.9": chinese, "zh-TW": chinese, "en-GB,en;q=0.8": english, "fr-FR": english, "": english,
		"de;q=0.9,zh;q=0.8": chinese,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", header)
		if got := langOf(r); got != want {
			t.Errorf("Accept-Language %q gave %s, want %s", header, got.tag(), want.tag())
		}
	}
}

func TestCSRFTokenIsPerSession(t *testing.T) {
	a, b := csrfToken("session-a"), csrfToken("session-b")
	if a == b || a != csrfToken("session-a") || strings.Contains(a, "session") {
		t.Errorf("tokens %q and %q: want stable per session, different across sessions", a, b)
	}
}

// A Chinese error names the numbers of the service's English message,
// with the units of a duration; without them all it falls back to English.
func TestErrTextNumbers(t *testing.T) {
	for msg, want := range map[string]string{
		"new_password must have at least 15 characters":            "密码至少需要 15 个字符。",
		"idle_minutes must be between 5 minutes and 1 hour":        "须在 5 分钟 至 1 小时 之间。",
		"session lifetimes must be positive":                       "session lifetimes must be positive",
		"lockout_minutes must be between 0 (until reset) and 1440": "须在 0 至 1440 之间。",
	} {
		code := "password_too_short"
		if !strings.HasPrefix(msg, "new_password") {
			code = "out_of_range"
		}
		if got := chinese.errText(errs.Field("x", code, "%s", msg)); got != want {
			t.Errorf("%q: got %q, want %q", msg, got, want)
		}
	}
}

// Changing the profile sends only the profile's fields the user changed,
// so the others take the new profile's values; otherwise every field goes.
func TestSecurityInputProfileSwitch(t *testing.T) {
	shown := url.Values{"profile": {"default"}, "min_length": {"15"}, "min_length_mfa": {"8"}, "min_classes": {"0"},
		"expiry_days": {"0"}, "history": {"0"}, "lockout_threshold": {"100"}, "lockout_minutes": {"0"}, "idle_minutes": {"30"},
		"absolute_hours": {"12"}, "admin_idle_minutes": {"15"}, "admin_absolute_hours": {"12"}, "time_zone": {"UTC"}}
	posted := url.Values{}
	for k, v := range shown {
		posted[k] = v
	}
	posted.Set("profile", "dengbao-l3")
	posted.Set("history", "6")
	in, err := securityInput(posted, shown)
	if err != nil {
		t.Fatal(err)
	}
	if in.MinClasses != nil || in.ExpiryDays != nil || in.History == nil || *in.History != 6 || in.IdleMinutes == nil {
		t.Errorf("switching profile: min_classes %v, expiry %v, history %v, idle %v; want only history and idle sent",
			in.MinClasses, in.ExpiryDays, in.History, in.IdleMinutes)
	}
	in, err = securityInput(shown, shown)
	if err != nil || in.MinClasses == nil || *in.MinClasses != 0 {
		t.Errorf("same profile: min_classes %v (err %v), want 0 sent", in.MinClasses, err)
	}
	posted.Set("role_networks", "no colon here")
	if _, err := securityInput(posted, shown); errs.As(err).Field != "role_networks" {
		t.Errorf("a role line without a colon: %v, want an error on role_networks", err)
	}
}
