package authn

import (
	"fmt"
	"net/netip"
	"strings"

	"steward/internal/errs"
)

// Allow-list limits, so that a settings form cannot make every sign-in
// walk a huge list.
const (
	maxAllowListBytes   = 64 << 10
	maxAllowListEntries = 1000
)

// AllowList is a set of networks from which sign-in is allowed. The empty
// list allows every address: no rule configured means no restriction.
type AllowList struct {
	prefixes []netip.Prefix
}

// ParseAllowList reads networks separated by commas, spaces or new lines:
// CIDR prefixes ("10.0.0.0/8", "2001:db8::/32") or single addresses,
// IPv4 or IPv6. Text after "#" on a line is a comment. Each error names
// the entry, by position and text, and says what is wrong with it. A
// prefix with host bits set ("10.0.0.1/8") is refused rather than masked,
// because the person who typed it may have meant a single host.
func ParseAllowList(field, text string) (AllowList, error) {
	if len(text) > maxAllowListBytes {
		return AllowList{}, errs.Field(field, "allowlist_too_long", "%s may be at most %d KiB", field, maxAllowListBytes>>10)
	}
	var l AllowList
	n := 0
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, entry := range strings.FieldsFunc(line, func(r rune) bool {
			return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == ';'
		}) {
			n++
			if n > maxAllowListEntries {
				return AllowList{}, errs.Field(field, "allowlist_too_long", "%s may have at most %d entries", field, maxAllowListEntries)
			}
			p, err := parseNetwork(entry)
			if err != nil {
				return AllowList{}, errs.Field(field, "invalid_network", "%s entry %d (%s): %s", field, n, quoteEntry(entry), err)
			}
			l.prefixes = append(l.prefixes, p)
		}
	}
	return l, nil
}

// parseNetwork reads one entry; its errors are phrased for a person.
func parseNetwork(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not an IP address or CIDR network")
		}
		if a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("an address with a zone (%%) cannot be used")
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not a CIDR network like 192.0.2.0/24 or 2001:db8::/32")
	}
	if p.Addr().Is4In6() {
		// ::ffff:10.0.0.0/104 is the IPv4 network 10.0.0.0/8 in disguise.
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("an IPv4-mapped prefix must be at least /96")
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("has host bits set; the network is %s", p.Masked())
	}
	return p, nil
}

// quoteEntry shows at most 60 bytes of a bad entry, quoted, so that an
// error message stays readable whatever was pasted.
func quoteEntry(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// Allows reports whether addr is inside one of the networks, or the list
// is empty. An IPv4 address written as IPv6 (::ffff:192.0.2.1) is matched
// as IPv4; an invalid address is never allowed by a non-empty list.
func (l AllowList) Allows(addr netip.Addr) bool {
	if len(l.prefixes) == 0 {
		return true
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range l.prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Prefixes returns the networks, in the order given.
func (l AllowList) Prefixes() []netip.Prefix { return append([]netip.Prefix(nil), l.prefixes...) }

// String writes the list back in canonical form, one network per line,
// for storing and showing.
func (l AllowList) String() string {
	s := make([]string, len(l.prefixes))
	for i, p := range l.prefixes {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}
