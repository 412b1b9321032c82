package server

import (
	"net/netip"
	"strings"
	"testing"
)

func TestProxiesClient(t *testing.T) {
	p, err := ParseProxies("10.0.0.0/8, 192.0.2.10,::1")
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	cases := []struct {
		name      string
		peer      string
		forwarded []string
		want      string
	}{
		{"untrusted peer: its header is not believed", "203.0.113.9", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted peer, one hop", "10.1.2.3", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a client's own claim sits left of the real hop", "10.1.2.3", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies", "192.0.2.10", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"header repeated", "10.1.2.3", []string{"6.6.6.6", "198.51.100.1"}, "198.51.100.1"},
		{"no header: the proxy itself", "10.1.2.3", nil, "10.1.2.3"},
		{"only trusted hops: the leftmost", "10.1.2.3", []string{"10.0.0.7"}, "10.0.0.7"},
		{"malformed hop: the last believed", "10.1.2.3", []string{"198.51.100.1, garbage"}, "10.1.2.3"},
		{"malformed further left is never read", "10.1.2.3", []string{"garbage, 198.51.100.1"}, "198.51.100.1"},
		{"IPv6 loopback proxy", "::1", []string{"2001:db8::5"}, "2001:db8::5"},
		{"an entry with a port", "10.1.2.3", []string{"198.51.100.1:5678"}, "198.51.100.1"},
		{"an IPv6 entry with a port", "10.1.2.3", []string{"[2001:db8::7]:443"}, "2001:db8::7"},
		{"IPv4-mapped IPv6 peer", "::ffff:10.1.2.3", []string{"198.51.100.1"}, "198.51.100.1"},
	}
	for _, c := range cases {
		if got := p.client(a(c.peer), c.forwarded); got != a(c.want) {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestParseProxies(t *testing.T) {
	if p, err := ParseProxies(""); err != nil || len(p) != 0 {
		t.Errorf("empty: %v %v", p, err)
	}
	if p, err := ParseProxies("10.0.0.1/8"); err != nil || len(p) != 1 || p[0].String() != "10.0.0.0/8" {
		t.Errorf("a range is masked: %v %v", p, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1,,10.0.0.2", "1.2.3"} {
		if _, err := ParseProxies(bad); err == nil || !strings.Contains(err.Error(), "trusted-proxies") {
			t.Errorf("%q: %v, want an error naming trusted-proxies", bad, err)
		}
	}
}

// FuzzProxiesClient feeds arbitrary X-Forwarded-For values: the answer is
// always the peer or one of the addresses in the header, and an untrusted
// peer is always its own answer.
func FuzzProxiesClient(f *testing.F) {
	f.Add("10.1.2.3", "198.51.100.1, 10.0.0.9")
	f.Add("203.0.113.9", "1.1.1.1")
	f.Add("10.0.0.1", ",,, ::1 ,fe80::1%eth0, 999.1.1.1")
	p, _ := ParseProxies("10.0.0.0/8,::1")
	f.Fuzz(func(t *testing.T, peer, header string) {
		pa, err := netip.ParseAddr(peer)
		if err != nil {
			return
		}
		got := p.client(pa, []string{header})
		if !p.trusts(pa) && got != pa {
			t.Fatalf("untrusted peer %s answered %s", pa, got)
		}
		if got == pa || got == pa.Unmap() {
			return
		}
		for _, h := range strings.Split(header, ",") {
			if a, err := hopAddr(strings.TrimSpace(h)); err == nil && a.Unmap() == got {
				return
			}
		}
		t.Fatalf("answer %s is neither the peer %s nor in %q", got, pa, header)
	})
}
