package authn

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"math/big"
	"net/mail"
	"strings"
	"unicode/utf8"

	"steward/internal/errs"
)

// Sent codes are the out-of-band authenticator of NIST SP 800-63B-4
// §3.1.3: a code the service sends by e-mail or SMS and the user types
// back. They prove less than a TOTP code (docs/security.md, "Codes by
// e-mail or SMS"): whoever reads the mailbox, ports the number or listens
// on the SS7 network reads the code too. Six random digits (ASVS 5.0 6.5.3,
// 6.5.4) that live a few minutes and survive a few wrong tries; the
// service keeps only a salted hash.

// The channels a code can be sent by.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Channels lists the channels in the order settings and forms show them.
var Channels = []string{ChannelEmail, ChannelSMS}

// NewSentCode returns a random code of TOTPDigits digits, drawn without
// bias from crypto/rand, with a fresh salt and the hash to store.
func NewSentCode() (code, salt, hash string, err error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", "", "", errs.Wrap(err, "authn.NewSentCode")
	}
	s := make([]byte, 16)
	if _, err := rand.Read(s); err != nil {
		return "", "", "", errs.Wrap(err, "authn.NewSentCode")
	}
	code = leftPad(n.String())
	salt = hex.EncodeToString(s)
	return code, salt, sentCodeHash(salt, code), nil
}

func leftPad(s string) string { return strings.Repeat("0", TOTPDigits-len(s)) + s }

// sentCodeHash is how a sent code is stored: hex SHA-256 of the salt and
// the code. A million candidates fall to any hash in well under a second,
// so the hash only keeps the code out of plain sight (a backup, an
// operator's query); what protects the code is that it is useless without
// the sign-in's own token, lives minutes, allows few tries and works once.
func sentCodeHash(salt, code string) string {
	sum := sha256.Sum256([]byte("steward-sent-code:" + salt + ":" + code))
	return hex.EncodeToString(sum[:])
}

// CheckSentCode compares what the user typed with a stored code. Typing is
// forgiving as for TOTP (full-width digits, spaces, dashes). Input that is
// not six digits answers code_malformed, before any try is spent on it.
func CheckSentCode(field, input, salt, hash string) error {
	c, ok := normalizeTOTPCode(input)
	if !ok {
		return SentCodeMalformed(field)
	}
	if subtle.ConstantTimeCompare([]byte(sentCodeHash(salt, c)), []byte(hash)) != 1 {
		return &errs.Error{Kind: errs.Unauthorized, Code: "code_invalid", Field: field, Message: "the code is wrong"}
	}
	return nil
}

// IsSixDigits says whether input reads as a six-digit code, to tell it
// from a recovery code.
func IsSixDigits(input string) bool {
	_, ok := normalizeTOTPCode(input)
	return ok
}

// SentCodeMalformed is the answer to input that cannot be a sent code.
func SentCodeMalformed(field string) error {
	return errs.Field(field, "code_malformed", "%s must be the %d digits we sent you", field, TOTPDigits)
}

// NormalizeAddress checks where codes of a channel are to go and returns
// it in one canonical form: an e-mail address in lower case, or a phone
// number in E.164 (a plus and 8 to 15 digits; spaces, dashes, dots and
// brackets are dropped). Either holds an @ or a +, which a sealed value
// never does: the service tells them apart by that.
func NormalizeAddress(channel, address string) (string, error) {
	a := strings.TrimSpace(Normalize(address))
	if a == "" {
		return "", errs.Field("address", "field_required", "address is required")
	}
	if len(a) > 254 || !utf8.ValidString(a) {
		return "", errs.Field("address", "invalid_address", "address is too long")
	}
	switch channel {
	case ChannelEmail:
		m, err := mail.ParseAddress(a)
		if err != nil || m.Address != a || m.Name != "" || !strings.Contains(a[strings.LastIndexByte(a, '@')+1:], ".") {
			return "", errs.Field("address", "invalid_email", "address must be an e-mail address such as name@example.com")
		}
		return strings.ToLower(a), nil
	case ChannelSMS:
		return normalizePhone(a)
	}
	return "", errs.Field("channel", "invalid_channel", "channel must be one of %q", Channels)
}

// normalizePhone reads a phone number in international form.
func normalizePhone(a string) (string, error) {
	bad := errs.Field("address", "invalid_mobile", "address must be a mobile number in international form, such as +86 138 0013 8000")
	digits := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')':
			return -1
		}
		return r
	}, a)
	rest, ok := strings.CutPrefix(digits, "+")
	if !ok || len(rest) < 8 || len(rest) > 15 || rest[0] == '0' {
		return "", bad
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return "", bad
		}
	}
	return digits, nil
}
