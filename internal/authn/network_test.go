package authn

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseAllowList(t *testing.T) {
	l, err := ParseAllowList("allowlist", "10.0.0.0/8, 192.0.2.7\n2001:db8::/32 # office\n\n::ffff:198.51.100.0/120")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.String(); got != "10.0.0.0/8\n192.0.2.7/32\n2001:db8::/32\n198.51.100.0/24" {
		t.Fatalf("got %q", got)
	}
	for addr, want := range map[string]bool{
		"10.1.2.3": true, "11.0.0.1": false, "192.0.2.7": true, "192.0.2.8": false,
		"2001:db8:5::1": true, "2001:db9::1": false, "::ffff:10.9.9.9": true, "198.51.100.200": true,
		"fe80::1%eth0": false,
	} {
		if got := l.Allows(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Allows(%s) = %v, want %v", addr, got, want)
		}
	}
	if (AllowList{}).Allows(netip.MustParseAddr("203.0.113.1")) != true {
		t.Error("the empty list refused an address")
	}
	if l.Allows(netip.Addr{}) {
		t.Error("an invalid address was allowed")
	}
}

func TestParseAllowListErrors(t *testing.T) {
	for _, c := range []struct{ in, mention string }{
		{"10.0.0.0/8, 10.0.0.1/8", `entry 2 ("10.0.0.1/8"): has host bits set; the network is 10.0.0.0/8`},
		{"10.0.0.0/33", `entry 1 ("10.0.0.0/33"): not a CIDR network`},
		{"example.com", `entry 1 ("example.com"): not an IP address`},
		{"fe80::1%eth0", "zone"},
		{"::ffff:10.0.0.0/90", "at least /96"},
		{strings.Repeat("1.2.3.4 ", 1001), "at most 1000 entries"},
		{strings.Repeat("x", 70), `"xxxxxxxxxx`},
	} {
		_, err := ParseAllowList("allowlist", c.in)
		wantInvalid(t, err, "allowlist")
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("ParseAllowList(%.30q) = %v, want it to mention %q", c.in, err, c.mention)
		}
	}
}

func FuzzParseAllowList(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8, 192.0.2.7", "2001:db8::/32 # c\n::1", "::ffff:1.2.3.0/120", "1.2.3.4/24", "", "#", "%"} {
		f.Add(s)
	}
	probe := []netip.Addr{netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("::ffff:10.1.2.3")}
	f.Fuzz(func(t *testing.T, in string) {
		l, err := ParseAllowList("allowlist", in)
		if err != nil {
			wantInvalid(t, err, "allowlist")
			return
		}
		// Canonical form parses back to the same networks and decisions.
		back, err := ParseAllowList("allowlist", l.String())
		if err != nil || back.String() != l.String() {
			t.Fatalf("round trip of %q: %q, %v", l.String(), back.String(), err)
		}
		for _, a := range probe {
			if l.Allows(a) != back.Allows(a) {
				t.Fatalf("round trip changed the decision for %s", a)
			}
		}
	})
}
