package authn

import (
	"bytes"
	"encoding/base32"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// rfcSecret is the SHA-1 seed of RFC 6238 Appendix B, "12345678901234567890".
var rfcSecret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))

// RFC 6238 Appendix B, SHA-1 rows: the 8-digit values as published, and
// the 6-digit ones the same reference code gives (the value mod 10^6).
func TestTOTPKnownAnswers(t *testing.T) {
	for _, c := range []struct {
		unix       int64
		step       int64
		six, eight string
	}{
		{59, 0x1, "287082", "94287082"},
		{1111111109, 0x23523EC, "081804", "07081804"},
		{1111111111, 0x23523ED, "050471", "14050471"},
		{1234567890, 0x273EF07, "005924", "89005924"},
		{2000000000, 0x3F940AA, "279037", "69279037"},
		{20000000000, 0x27BC86AA, "353130", "65353130"},
	} {
		now := time.Unix(c.unix, 0)
		if got := TOTPStep(now); got != c.step {
			t.Errorf("TOTPStep(%d) = %#x, want %#x", c.unix, got, c.step)
		}
		key := []byte("12345678901234567890")
		if got := hotp(key, uint64(c.step), 8); got != c.eight {
			t.Errorf("8 digits at %d: got %s, want %s", c.unix, got, c.eight)
		}
		if got, _ := TOTPAt(rfcSecret, now); got != c.six {
			t.Errorf("6 digits at %d: got %s, want %s", c.unix, got, c.six)
		}
		step, err := VerifyTOTP("code", rfcSecret, c.six, now, 0, WindowExact)
		if err != nil || step != c.step {
			t.Errorf("VerifyTOTP at %d = %d, %v; want %d", c.unix, step, err, c.step)
		}
	}
}

func TestTOTPWindow(t *testing.T) {
	now := time.Unix(1234567890, 0)
	at := func(off int) string {
		c, _ := TOTPAt(rfcSecret, now.Add(time.Duration(off)*TOTPPeriod))
		return c
	}
	for _, c := range []struct {
		w    Window
		off  int
		code string
	}{
		{WindowDrift, -2, "totp_invalid"}, {WindowDrift, -1, ""}, {WindowDrift, 0, ""}, {WindowDrift, 1, ""}, {WindowDrift, 2, "totp_invalid"},
		{WindowStrict, -1, ""}, {WindowStrict, 0, ""}, {WindowStrict, 1, "totp_invalid"},
		{WindowExact, -1, "totp_invalid"}, {WindowExact, 0, ""}, {WindowExact, 1, "totp_invalid"},
	} {
		step, err := VerifyTOTP("code", rfcSecret, at(c.off), now, 0, c.w)
		wantCode(t, err, c.code, "code")
		if err == nil && step != TOTPStep(now)+int64(c.off) {
			t.Errorf("%v offset %d: got step %d, want %d", c.w, c.off, step, TOTPStep(now)+int64(c.off))
		}
	}
}

func TestTOTPReplay(t *testing.T) {
	now := time.Unix(1700000000, 0)
	code, _ := TOTPAt(rfcSecret, now)
	step, err := VerifyTOTP("code", rfcSecret, code, now, 0, WindowDrift)
	if err != nil {
		t.Fatal(err)
	}
	_, err = VerifyTOTP("code", rfcSecret, code, now.Add(10*time.Second), step, WindowDrift)
	wantCode(t, err, "totp_reused", "code")
	// An older code, still inside the window, is refused once a newer one was used.
	older, _ := TOTPAt(rfcSecret, now.Add(-TOTPPeriod))
	_, err = VerifyTOTP("code", rfcSecret, older, now, step, WindowDrift)
	wantCode(t, err, "totp_reused", "")
	// The next step's code is fine.
	next, _ := TOTPAt(rfcSecret, now.Add(TOTPPeriod))
	if s, err := VerifyTOTP("code", rfcSecret, next, now.Add(TOTPPeriod), step, WindowDrift); err != nil || s != step+1 {
		t.Fatalf("next step: got %d, %v", s, err)
	}
}

// Property: under replay protection, a sequence of attempts never
// accepts the same step twice, and accepted steps strictly increase.
func TestTOTPNeverAcceptedTwice(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(
			rapid.SliceOfN(rapid.Byte(), 20, 20).Draw(t, "key"))
		w := Window(rapid.IntRange(0, 2).Draw(t, "window"))
		now := time.Unix(rapid.Int64Range(1e9, 2e9).Draw(t, "start"), 0)
		var last int64
		for i := range rapid.IntRange(1, 30).Draw(t, "attempts") {
			now = now.Add(time.Duration(rapid.IntRange(0, 45).Draw(t, "wait")) * time.Second)
			codeAt := now.Add(time.Duration(rapid.IntRange(-2, 2).Draw(t, "skew")) * TOTPPeriod)
			code, _ := TOTPAt(secret, codeAt)
			step, err := VerifyTOTP("code", secret, code, now, last, w)
			if err == nil {
				if step <= last {
					t.Fatalf("attempt %d: accepted step %d after step %d", i, step, last)
				}
				last = step
			}
		}
	})
}

func TestTOTPCodeInput(t *testing.T) {
	for in, want := range map[string]string{
		"123456": "123456", "123 456": "123456", "123-456": "123456", " 12 34 56 ": "123456",
		"１２３４５６": "123456", "12345": "", "1234567": "", "12345a": "", "١٢٣٤٥٦": "", "": "",
	} {
		got, ok := normalizeTOTPCode(in)
		if got != want || ok != (want != "") {
			t.Errorf("normalizeTOTPCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	_, err := VerifyTOTP("code", rfcSecret, "12a456", time.Unix(59, 0), 0, WindowDrift)
	wantCode(t, err, "totp_malformed", "code")
}

func TestNewTOTPSecret(t *testing.T) {
	a, err := NewTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewTOTPSecret()
	key, err := decodeSecret(a)
	if err != nil || len(key) != 20 || a == b || strings.Contains(a, "=") {
		t.Fatalf("got %q (%d bytes, %v), want 160 random bits, unpadded", a, len(key), err)
	}
}

func TestTOTPURI(t *testing.T) {
	s, err := TOTPURI("Acme & Co", "ada@acme.example", rfcSecret)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Acme & Co:ada@acme.example" ||
		q.Get("secret") != rfcSecret || q.Get("issuer") != "Acme & Co" || q.Get("digits") != "6" ||
		q.Get("period") != "30" || q.Get("algorithm") != "SHA1" || strings.Contains(s, "+") {
		t.Fatalf("got %s", s)
	}
	_, err = TOTPURI("Acme:EU", "ada", rfcSecret)
	wantCode(t, err, "invalid_totp_label", "issuer")
	_, err = TOTPURI("Acme", "", rfcSecret)
	wantCode(t, err, "invalid_totp_label", "account")
}

func TestTOTPQRCode(t *testing.T) {
	uri, _ := TOTPURI("Acme", "ada@acme.example", rfcSecret)
	b, err := TOTPQRCode(uri, 256)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 {
		t.Fatalf("got %v, want 256×256", r)
	}
	_, err = TOTPQRCode(uri, 64)
	wantCode(t, err, "out_of_range", "size")
}

func TestParseWindow(t *testing.T) {
	for _, w := range []Window{WindowDrift, WindowStrict, WindowExact} {
		got, err := ParseWindow("totp_window", w.String())
		if err != nil || got != w {
			t.Fatalf("ParseWindow(%q) = %v, %v", w, got, err)
		}
	}
	_, err := ParseWindow("totp_window", "loose")
	wantCode(t, err, "invalid_window", "totp_window")
}

func FuzzTOTPCode(f *testing.F) {
	for _, s := range []string{"123456", "123 456", "１２３４５６", "12-34-56", "", "\xff\xfe", "0000000"} {
		f.Add(s)
	}
	now := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, in string) {
		c, ok := normalizeTOTPCode(in)
		if ok {
			if len(c) != TOTPDigits || strings.Trim(c, "0123456789") != "" {
				t.Fatalf("normalizeTOTPCode(%q) = %q", in, c)
			}
			if again, ok := normalizeTOTPCode(c); !ok || again != c {
				t.Fatalf("not idempotent on %q", c)
			}
		}
		step, err := VerifyTOTP("code", rfcSecret, in, now, 0, WindowDrift)
		if err == nil && (step < TOTPStep(now)-1 || step > TOTPStep(now)+1) {
			t.Fatalf("accepted %q at step %d, outside the window", in, step)
		}
		if err != nil && !ok {
			wantCode(t, err, "totp_malformed", "code")
		}
	})
}
