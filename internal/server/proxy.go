package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"steward/internal/errs"
)

// Behind a reverse proxy every request comes from the proxy's address, so
// per-address sign-in limits, IP allow-lists and the audit trail's source
// address would all see the proxy. Proxies lists the addresses whose
// X-Forwarded-For Steward believes: a request from one of them is taken to
// come from the nearest address in that header that is not itself a
// trusted proxy (read from the right: each proxy appends the address it
// received from, and only the entries our own proxies added can be
// believed; whatever the client sent sits further left). From any other
// peer the forwarding headers are removed before anything reads them, so
// a client cannot claim an address or HTTPS by sending them itself.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR ranges
// (10.0.0.0/8, 192.0.2.10, ::1); the empty string trusts no proxy.
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			if strings.TrimSpace(s) == "" {
				break
			}
			return nil, errs.Field("trusted-proxies", "invalid_value", "entry %d of trusted-proxies is empty", i+1)
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, errs.Field("trusted-proxies", "invalid_value", "trusted-proxies: %q is neither an address nor a CIDR range", part)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, errs.Field("trusted-proxies", "invalid_value", "trusted-proxies: %q is neither an address nor a CIDR range", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (p Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// client returns the address a request comes from, given its peer and
// its X-Forwarded-For values: the peer unless the peer is trusted, else
// the rightmost forwarded address that is not trusted. A malformed entry
// ends the walk at the last address believed so far.
func (p Proxies) client(peer netip.Addr, forwarded []string) netip.Addr {
	if !p.trusts(peer) {
		return peer
	}
	var hops []string
	for _, v := range forwarded {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := hopAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return client
		}
		client = a.Unmap()
		if !p.trusts(client) {
			return client
		}
	}
	return client
}

// hopAddr reads one X-Forwarded-For entry: an address, or an address and
// port as some proxies write them ("192.0.2.1:5678", "[2001:db8::1]:443").
func hopAddr(s string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, nil
	}
	ap, err := netip.ParseAddrPort(s)
	return ap.Addr(), err
}

// behindProxies rewrites a request's RemoteAddr to its client's address
// when it came through trusted proxies, and strips the forwarding headers
// of requests that did not.
func behindProxies(p Proxies, next http.Handler) http.Handler {
	if len(p) == 0 {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			stripForwarding(r)
			next.ServeHTTP(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		peer, perr := netip.ParseAddr(host)
		if err != nil || perr != nil || !p.trusts(peer) {
			stripForwarding(r)
			next.ServeHTTP(w, r)
			return
		}
		r.RemoteAddr = net.JoinHostPort(p.client(peer, r.Header.Values("X-Forwarded-For")).String(), "0")
		next.ServeHTTP(w, r)
	})
}

func stripForwarding(r *http.Request) {
	r.Header.Del("X-Forwarded-For")
	r.Header.Del("X-Forwarded-Proto")
	r.Header.Del("Forwarded")
}
