package console

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// An edit sends only what the user changed: a masked value left as shown
// must never be written back over the real one.
func TestCustomerInputSendsOnlyChanges(t *testing.T) {
	shown := map[string]string{"name": "Acme", "phone": "138****5678", "email": "z***@example.com", "notes": "a\nb", "level": "A"}
	posted := map[string]string{"name": "Acme ", "phone": "138****5678", "email": "Z***@EXAMPLE.com", "notes": "a\r\nb", "level": "B"}
	in, n := customerInput(shown, posted, false)
	if n != 1 || in.Level == nil || *in.Level != "B" {
		t.Fatalf("got %d changes (level %v), want only level → B", n, in.Level)
	}
	if in.Phone != nil || in.Email != nil || in.Name != nil || in.Notes != nil {
		t.Errorf("unchanged fields were sent: %+v", in)
	}
	in, _ = customerInput(map[string]string{}, map[string]string{"name": ""}, true)
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
