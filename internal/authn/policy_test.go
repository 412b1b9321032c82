package authn

import (
	"errors"
	"strings"
	"testing"
	"time"

	"steward/internal/errs"
)

func TestCheckLengthAndEncoding(t *testing.T) {
	p := DefaultPolicy
	for _, c := range []struct {
		name, pw, code string
	}{
		{"fifteen", "velvet otter sky", ""},
		{"fourteen", "velvet ottersk", "password_too_short"},
		{"max", strings.Repeat("velvet otter ", 9) + "abcdefghijk", ""}, // 128
		{"max+1", strings.Repeat("velvet otter ", 9) + "abcdefghijkl", "password_too_long"},
		{"huge", strings.Repeat("x", 1<<20), "password_too_long"},
		{"bad utf-8", "velvet otter sky\xff", "invalid_encoding"},
		// Code points count after NFKC: 15 full-width letters are 15.
		{"full-width", "ｖｅｌｖｅｔｏｔｔｅｒｓｋｙｓ", ""},
		// U+FDFA expands to 18 code points under NFKC.
		{"nfkc expands", strings.Repeat("\ufdfa", 8), "password_too_long"},
		{"unicode ok", "雪の日に猫と散歩するのが好きです", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, p.Check("password", c.pw), c.code, "")
		})
	}
}

func TestCheckErrorsCarryFieldAndKind(t *testing.T) {
	err := DefaultPolicy.Check("new_password", "short")
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Field != "new_password" {
		t.Fatalf("got %#v, want an Invalid error on new_password", err)
	}
	if strings.Contains(e.Message, "short") {
		t.Fatalf("message %q repeats the password", e.Message)
	}
}

// The passwords other packages' tests use must stay acceptable, or those
// tests break when the policy grows.
func TestCheckAcceptsProjectTestPasswords(t *testing.T) {
	for _, pw := range []string{"correct-horse-battery-staple", "a-long-enough-password-1",
		"another-long-password-2", "another-long-password", "steward-demo-pass", "wrong-password-entirely"} {
		if err := DefaultPolicy.Check("password", pw); err != nil {
			t.Errorf("Check(%q) = %v, want nil", pw, err)
		}
	}
}

func TestCheckNewMFAMinimum(t *testing.T) {
	p := DefaultPolicy
	c := Candidate{Password: "tawny-kea-71"}
	wantCode(t, p.CheckNew("password", c), "password_too_short", "password")
	c.MFA = true
	wantCode(t, p.CheckNew("password", c), "", "")
	c.Password = "kea-71x"
	wantCode(t, p.CheckNew("password", c), "password_too_short", "")
}

func TestCheckBlocklist(t *testing.T) {
	p := DefaultPolicy
	p.MinLength = 8
	for _, pw := range []string{"password", "Password123", "P@ssw0rd", "p@ssw0rd2024", "qwertyuiop",
		"1q2w3e4r5t", "123456789012345", "iloveyou2020!", "Dragon2024!!", "!!Sunshine!!", "19880808",
		"qwertyuiopasdfgh", "woaini1314", "aaaaaaaaaaaaaaaa", "ＰＡＳＳＷＯＲＤ１２３"} {
		wantCode(t, p.Check("password", pw), "password_blocklisted", "password")
	}
	for _, pw := range []string{"dragon fruit salad", "sunshine over hills", "vq9-ttx-kelp-moor"} {
		wantCode(t, p.Check("password", pw), "", "")
	}
	p.Blocklist = false
	wantCode(t, p.Check("password", "password"), "", "")
}

func TestCheckComposition(t *testing.T) {
	p := DengbaoL3Policy
	p.MinLength = 8
	wantCode(t, p.Check("password", "lowercase only words"), "password_composition", "password")
	wantCode(t, p.Check("password", "Upper and lower words"), "", "") // upper, lower, space
	wantCode(t, p.Check("password", "tawny kea 71 x"), "", "")        // lower, space, digits
	wantCode(t, p.Check("password", "猫と散歩するのが好きです"), "password_composition", "")
	wantCode(t, DefaultPolicy.Check("password", "lowercase only words"), "", "")
}

func TestCheckNewContext(t *testing.T) {
	p := DefaultPolicy
	ctx := []string{"Acme Widgets", "acme", "Ada Lovelace", "ada.lovelace@acme-widgets.example"}
	for _, c := range []struct{ pw, code string }{
		{"AdaLovelace2024!!", "password_contains_context"},
		{"lovelace-lovelace-1", "password_contains_context"},
		{"Lovelace!1234567890", "password_contains_context"},
		{"acme widgets 123456", "password_contains_context"},
		{"AcmeAdmin2024!!!", "password_contains_context"},
		{"steward steward 1", "password_contains_context"},
		{"ovelac 1234567890!", "password_contains_context"}, // part of a name
		{"canadian forest lake", ""},                        // contains "ada" by chance
		{"lovelace reads the engine notes", ""},             // names cover under half
		{"4829 1029 3847 5561", ""},                         // no letters: not this rule
	} {
		wantCode(t, p.CheckNew("password", Candidate{Password: c.pw, Context: ctx}), c.code, "")
	}
}

func TestContainsContextIgnoresTLDAndShortWords(t *testing.T) {
	if ContainsContext("common example of kindness", []string{"li@x.com"}) {
		t.Fatal("refused for the top-level domain or a two-letter name")
	}
	if !ContainsContext("examplecorp 2024 !!", []string{"li@examplecorp.com"}) {
		t.Fatal("accepted the e-mail domain")
	}
}

func TestCheckNewNearCurrent(t *testing.T) {
	p := DengbaoL3Policy
	c := Candidate{Password: "Kestrel-over-Mesa-25", Current: "Kestrel-over-Mesa-24"}
	wantCode(t, p.CheckNew("password", c), "password_too_similar", "password")
	c.Password = "kestrel-over-mesa-2X5" // case ignored: 2 edits
	wantCode(t, p.CheckNew("password", c), "password_too_similar", "")
	c.Password = "Kestrel-over-Mesa-9#5Q" // 3 edits
	wantCode(t, p.CheckNew("password", c), "", "")
	c.Current = "" // a reset: the current password is not known
	c.Password = "Kestrel-over-Mesa-25"
	wantCode(t, p.CheckNew("password", c), "", "")
	wantCode(t, DefaultPolicy.CheckNew("password", Candidate{Password: "Kestrel-over-Mesa-25", Current: "Kestrel-over-Mesa-24"}), "", "")
}

func TestCheckNewHistory(t *testing.T) {
	p := DengbaoL3Policy
	var tried []string
	matches := func(pw, hash string) (bool, error) {
		tried = append(tried, hash)
		return hash == "h:"+pw, nil
	}
	prev := []string{"h:Osprey-current-77", "h:Osprey-older-1!", "h:x", "h:y", "h:Osprey-fifth-55"}
	c := Candidate{Password: "Osprey-older-1!", Previous: prev, Matches: matches}
	wantCode(t, p.CheckNew("password", c), "password_reused", "password")
	c.Password = "Osprey-current-77"
	wantCode(t, p.CheckNew("password", c), "password_reused", "")
	tried = nil
	c.Password = "Osprey-fifth-55" // fifth back: outside History 4
	wantCode(t, p.CheckNew("password", c), "", "")
	if len(tried) != 4 {
		t.Fatalf("tried %d hashes, want 4", len(tried))
	}
	c.Matches = func(string, string) (bool, error) { return false, errors.New("db down") }
	if err := p.CheckNew("password", c); errs.KindOf(err) != errs.Internal {
		t.Fatalf("got %v, want an internal error", err)
	}
	tried = nil
	c.Matches = matches
	wantCode(t, DefaultPolicy.CheckNew("password", c), "", "")
	if len(tried) != 0 {
		t.Fatal("the default profile hashed for history")
	}
}

// The history callback is meant to be Hasher.Verify: check they fit.
func TestCheckNewHistoryWithHasher(t *testing.T) {
	h := NewHasher(1, testParams)
	ctx := t.Context()
	old, err := h.Hash(ctx, "Heron-by-the-weir-3")
	if err != nil {
		t.Fatal(err)
	}
	c := Candidate{Password: "Heron-by-the-weir-3", Previous: []string{old},
		Matches: func(pw, hash string) (bool, error) { return h.Verify(ctx, pw, hash) }}
	wantCode(t, DengbaoL3Policy.CheckNew("password", c), "password_reused", "")
}

func TestPolicyForAndValidate(t *testing.T) {
	for _, name := range Profiles() {
		p, err := PolicyFor(name)
		if err != nil || p.Profile != name {
			t.Fatalf("PolicyFor(%q) = %v, %v", name, p.Profile, err)
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("%s: Validate() = %v", name, err)
		}
	}
	_, err := PolicyFor("nist-2017")
	wantCode(t, err, "unknown_profile", "profile")
	for _, c := range []struct {
		edit  func(*Policy)
		field string
	}{
		{func(p *Policy) { p.MinLength = 7 }, "min_length"},
		{func(p *Policy) { p.MinLengthMFA = 16 }, "min_length_mfa"},
		{func(p *Policy) { p.MaxLength = 32 }, "max_length"},
		{func(p *Policy) { p.MinClasses = 5 }, "min_classes"},
		{func(p *Policy) { p.MaxAgeDays = -1 }, "max_age_days"},
		{func(p *Policy) { p.History = 25 }, "history"},
		{func(p *Policy) { p.NearEdits = 6 }, "near_edits"},
		{func(p *Policy) { p.Lockout.LockAt = 101 }, "lockout.lock_at"},
		{func(p *Policy) { p.Lockout.LockAt = 3 }, "lockout.lock_at"},
		{func(p *Policy) { p.Lockout.DelayFrom = 0 }, "lockout.delay_from"},
		{func(p *Policy) { p.Lockout.MaxDelay = 2 * time.Hour }, "lockout.max_delay"},
		{func(p *Policy) { p.Lockout.LockFor = -time.Second }, "lockout.lock_for"},
	} {
		p := DefaultPolicy
		c.edit(&p)
		wantCode(t, p.Validate(), "out_of_range", c.field)
	}
}

func TestExpired(t *testing.T) {
	changed := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	if DefaultPolicy.Expired(changed, changed.AddDate(10, 0, 0)) {
		t.Fatal("default profile expired a password")
	}
	p := DengbaoL3Policy
	if p.Expired(changed, changed.Add(90*24*time.Hour-time.Second)) {
		t.Fatal("expired a second early")
	}
	if !p.Expired(changed, changed.Add(90*24*time.Hour)) {
		t.Fatal("not expired after 90 days")
	}
	if !p.Expired(time.Time{}, changed) {
		t.Fatal("a never-recorded change did not count as expired")
	}
}

func TestNearIsLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{
		{"kitten", "sitting", 3}, {"", "abc", 3}, {"flaw", "lawn", 2}, {"same", "same", 0}, {"ab", "ba", 2},
	} {
		if got := levenshtein([]rune(c.a), []rune(c.b)); got != c.d {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
