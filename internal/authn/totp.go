package authn

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" // RFC 6238's default, and the only one every authenticator app supports
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"

	"steward/internal/errs"
)

// TOTP parameters (RFC 6238): HMAC-SHA-1, 30-second steps, 6 digits, and a
// 160-bit secret, the HMAC-SHA-1 block-size recommendation of RFC 4226 §4.
// Authenticator apps ignore anything else, so they are not settings.
const (
	TOTPDigits      = 6
	TOTPPeriod      = 30 * time.Second
	totpSecretBytes = 20
)

// b32 is base32 without padding, the form authenticator apps expect.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Window is the set of time steps, relative to the current one, at which a
// TOTP code is accepted.
type Window int

// The windows. WindowDrift, RFC 6238's ±1 step for clock drift and typing
// time, is the default; ASVS 5.0 6.5.5's 30-second lifetime, read strictly,
// needs WindowStrict or WindowExact.
const (
	WindowDrift  Window = iota // steps -1, 0, +1
	WindowStrict               // steps -1, 0: a code lives at most 60 s, never early
	WindowExact                // step 0 only: a code lives at most 30 s
)

var windowNames = []string{"drift", "strict", "exact"}

func (w Window) String() string {
	if w < 0 || int(w) >= len(windowNames) {
		return fmt.Sprintf("Window(%d)", int(w))
	}
	return windowNames[w]
}

// ParseWindow reads a window setting: "drift", "strict" or "exact".
func ParseWindow(field, s string) (Window, error) {
	for i, n := range windowNames {
		if s == n {
			return Window(i), nil
		}
	}
	return 0, errs.Field(field, "invalid_window", "%s must be one of %q", field, windowNames)
}

// offsets are the steps, relative to now, that w accepts.
func (w Window) offsets() []int64 {
	switch w {
	case WindowStrict:
		return []int64{-1, 0}
	case WindowExact:
		return []int64{0}
	}
	return []int64{-1, 0, 1}
}

// NewTOTPSecret returns a random 160-bit secret in base32 without padding.
// Store it encrypted: unlike a password it must be read back to check codes.
func NewTOTPSecret() (string, error) {
	b := make([]byte, totpSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Wrap(err, "authn.NewTOTPSecret")
	}
	return b32.EncodeToString(b), nil
}

// TOTPStep is the RFC 6238 time step of t: whole periods since the Unix
// epoch. The service stores the step of the last accepted code.
func TOTPStep(t time.Time) int64 {
	s := t.Unix()
	step := s / int64(TOTPPeriod/time.Second)
	if s < 0 && s%int64(TOTPPeriod/time.Second) != 0 {
		step-- // floor, not truncation, before 1970
	}
	return step
}

// TOTPAt returns the code for secret at t, for tests and for a support
// screen that shows what the server expects.
func TOTPAt(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(TOTPStep(t)), TOTPDigits), nil
}

// VerifyTOTP checks a code typed by the user at now against secret. It
// returns the time step the code belongs to; the service stores it as the
// account's last step and passes it as lastStep next time, so that a code,
// or any older one, is never accepted twice (RFC 6238 §5.2, ASVS 6.5.1).
// lastStep is 0 for an account that never used a code.
//
// Input is forgiving: full-width digits, spaces and dashes are accepted.
// Every step in the window is computed and compared in constant time, so
// the timing tells nothing of which step, if any, matched.
func VerifyTOTP(field, secret, code string, now time.Time, lastStep int64, w Window) (int64, error) {
	c, ok := normalizeTOTPCode(code)
	if !ok {
		return 0, errs.Field(field, "totp_malformed", "%s must be the %d digits your authenticator app shows", field, TOTPDigits)
	}
	key, err := decodeSecret(secret)
	if err != nil {
		return 0, err
	}
	now0 := TOTPStep(now)
	var matched, fresh int64 = -1, -1
	for _, off := range w.offsets() {
		step := now0 + off
		if step < 0 {
			continue
		}
		eq := subtle.ConstantTimeCompare([]byte(hotp(key, uint64(step), TOTPDigits)), []byte(c)) == 1
		if eq {
			matched = step
			if step > lastStep {
				fresh = step // the latest matching step wins: offsets ascend
			}
		}
	}
	switch {
	case fresh >= 0:
		return fresh, nil
	case matched >= 0:
		return 0, &errs.Error{Kind: errs.Unauthorized, Code: "totp_reused", Field: field,
			Message: "this code was already used; wait for the next one"}
	}
	return 0, &errs.Error{Kind: errs.Unauthorized, Code: "totp_invalid", Field: field,
		Message: "the code is wrong or has expired"}
}

// normalizeTOTPCode turns what a person typed into TOTPDigits ASCII digits:
// NFKC folds full-width digits, and spaces and dashes ("123 456") go.
func normalizeTOTPCode(s string) (string, bool) {
	if len(s) > 64 || !utf8.ValidString(s) {
		return "", false
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, Normalize(s))
	if len(s) != TOTPDigits {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s, true
}

// hotp is RFC 4226 §5.3: HMAC-SHA-1 of the counter, dynamic truncation,
// the last digits in decimal.
func hotp(key []byte, counter uint64, digits int) string {
	m := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for i := 0; i < digits; i++ {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// decodeSecret reads a stored secret. A secret that does not decode is a
// fault of ours, not of the user.
func decodeSecret(s string) ([]byte, error) {
	key, err := b32.DecodeString(strings.ToUpper(strings.ReplaceAll(s, " ", "")))
	if err != nil || len(key) == 0 {
		return nil, errs.Wrap(fmt.Errorf("bad TOTP secret: %v", err), "authn.decodeSecret")
	}
	return key, nil
}

// TOTPURI is the otpauth:// key URI an authenticator app scans: issuer (the
// tenant or product name) and account (the user's e-mail) label the entry.
// Neither may contain a colon, which separates them in the label.
func TOTPURI(issuer, account, secret string) (string, error) {
	for _, f := range []struct{ name, v string }{{"issuer", issuer}, {"account", account}} {
		if f.v == "" || strings.ContainsRune(f.v, ':') || len(f.v) > 200 {
			return "", errs.Field(f.name, "invalid_totp_label", "%s must be 1 to 200 characters without a colon", f.name)
		}
	}
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d",
		escape(issuer), escape(account), b32.EncodeToString(key), escape(issuer),
		TOTPDigits, int(TOTPPeriod/time.Second)), nil
}

// escape percent-encodes s for both the label and the query. Spaces become
// %20, not "+", which some authenticator apps show literally.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// TOTPQRCode renders uri as a PNG QR code of size×size pixels (128 to
// 1024), at error-correction level M, which phone cameras read easily.
func TOTPQRCode(uri string, size int) ([]byte, error) {
	if size < 128 || size > 1024 {
		return nil, errs.Field("size", "out_of_range", "size must be between 128 and 1024 pixels")
	}
	png, err := qrcode.Encode(uri, qrcode.Medium, size)
	if err != nil {
		return nil, errs.Wrap(err, "authn.TOTPQRCode")
	}
	return png, nil
}
