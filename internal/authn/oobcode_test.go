package authn

import (
	"strings"
	"testing"
)

// A sent code is six digits, every digit occurs in every place, and only
// the code itself checks against its hash, with the same forgiving input
// as a TOTP code; another salt makes another hash.
func TestSentCode(t *testing.T) {
	seen := [TOTPDigits][10]bool{}
	for i := 0; i < 400; i++ {
		code, salt, hash, err := NewSentCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != TOTPDigits || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("code %q", code)
		}
		for j, d := range code {
			seen[j][d-'0'] = true
		}
		wantCode(t, CheckSentCode("code", code, salt, hash), "", "")
		wantCode(t, CheckSentCode("code", code[:3]+" "+code[3:], salt, hash), "", "")
		other := []byte(code)
		other[0] = '0' + (other[0]-'0'+1)%10
		wantCode(t, CheckSentCode("code", string(other), salt, hash), "code_invalid", "code")
		wantCode(t, CheckSentCode("code", code, salt+"0", hash), "code_invalid", "code")
	}
	for j, digits := range seen {
		for d, ok := range digits {
			if !ok {
				t.Errorf("digit %d never came in place %d of 400 codes", d, j)
			}
		}
	}
	wantCode(t, CheckSentCode("code", "12345", "s", "h"), "code_malformed", "code")
	if IsSixDigits("7k2mx-9qd4h-wart3-e8n0c-zz5pq") || !IsSixDigits("１２３ ４５６") {
		t.Error("IsSixDigits tells recovery codes and sent codes apart wrongly")
	}
}

func TestNormalizeAddress(t *testing.T) {
	for _, c := range []struct{ channel, in, want, code string }{
		{ChannelEmail, " Li.Wei@Example.COM ", "li.wei@example.com", ""},
		{ChannelEmail, "Li Wei <li@example.com>", "", "invalid_email"},
		{ChannelEmail, "li@localhost", "", "invalid_email"},
		{ChannelEmail, "", "", "field_required"},
		{ChannelSMS, "+86 138-0013-8000", "+8613800138000", ""},
		{ChannelSMS, "+1 (415) 555.0100", "+14155550100", ""},
		{ChannelSMS, "＋８６１３８００１３８０００", "+8613800138000", ""},
		{ChannelSMS, "13800138000", "", "invalid_mobile"},
		{ChannelSMS, "+0123456789", "", "invalid_mobile"},
		{ChannelSMS, "+1234567", "", "invalid_mobile"},
		{"fax", "+8613800138000", "", "invalid_channel"},
	} {
		got, err := NormalizeAddress(c.channel, c.in)
		wantCode(t, err, c.code, "")
		if got != c.want {
			t.Errorf("NormalizeAddress(%q, %q) = %q, want %q", c.channel, c.in, got, c.want)
		}
	}
}

func TestCodeConformance(t *testing.T) {
	off := verdicts(CodeConformance(nil))
	if off["code_channels "+NIST+" §3.2.9"] != Satisfies || off["code_channels "+ASVS+" 6.6.1"] != Satisfies || len(off) != 2 {
		t.Errorf("codes off: %v", off)
	}
	sms := verdicts(CodeConformance([]string{ChannelSMS}))
	if sms["code_channels "+NIST+" §3.1.3.3, §3.2.9"] != Partly || sms["code_channels "+ASVS+" 6.6.1"] != Partly || sms["code_channels "+ASVS+" 6.6.2"] != Satisfies {
		t.Errorf("codes by SMS: %v", sms)
	}
	if _, ok := sms["code_channels "+NIST+" §3.1.3.1"]; ok {
		t.Error("SMS alone is reported against the e-mail clause")
	}
	if v := verdicts(CodeConformance([]string{ChannelEmail}))["code_channels "+NIST+" §3.1.3.1"]; v != Breaks {
		t.Errorf("codes by e-mail against 800-63B-4 §3.1.3.1: %q, want breaks", v)
	}
}

func FuzzNormalizeAddress(f *testing.F) {
	for _, s := range []string{"+86 138 0013 8000", "li@example.com", "\"x y\"@example.com", "s1.5.abc", "+", "@", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, ch := range Channels {
			got, err := NormalizeAddress(ch, in)
			if err != nil {
				continue
			}
			if again, err := NormalizeAddress(ch, got); err != nil || again != got {
				t.Fatalf("%s %q: not idempotent: %q then %q, %v", ch, in, got, again, err)
			}
			if !strings.ContainsAny(got, "@+") || strings.ContainsAny(got, "\r\n") {
				t.Fatalf("%s %q normalises to %q, which has no @ or + (a sealed value has neither) or breaks a header", ch, in, got)
			}
		}
	})
}
