// Package auditstream copies every tenant's committed audit trail, as JSON
// lines, to a file or a syslog server for a SIEM (steward serve
// --audit-stream). It follows the audit table from a saved position per
// tenant rather than hooking into writes, so an entry is sent only after
// its transaction committed, a slow or absent destination delays the
// stream but never loses from it, and a restart resumes where the last
// delivered batch ended. Delivery is at least once: a crash between
// sending a batch and saving the position sends that batch again, and each
// line carries tenant_id, seq and hash so that the receiver can drop the
// repeats.
package auditstream

import (
	"log/syslog"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"steward/internal/errs"
)

// Flag is the command-line flag a Spec comes from; errors name it.
const Flag = "audit-stream"

// Kinds of destination.
const (
	File   = "file"
	Syslog = "syslog"
)

// Spec is a parsed destination.
type Spec struct {
	Kind     string
	Path     string          // File: the file the lines are appended to
	Network  string          // Syslog: "udp" or "tcp"; "" is the local syslog daemon
	Addr     string          // Syslog: host:port; "" is the local syslog daemon
	Facility syslog.Priority // Syslog: the facility (default authpriv)
	Tag      string          // Syslog: the tag (default steward-audit)
}

const (
	defaultTag  = "steward-audit"
	defaultPort = "514"
)

// facilities are the facilities a syslog destination may name.
var facilities = map[string]syslog.Priority{
	"auth": syslog.LOG_AUTH, "authpriv": syslog.LOG_AUTHPRIV, "daemon": syslog.LOG_DAEMON, "user": syslog.LOG_USER,
	"local0": syslog.LOG_LOCAL0, "local1": syslog.LOG_LOCAL1, "local2": syslog.LOG_LOCAL2, "local3": syslog.LOG_LOCAL3,
	"local4": syslog.LOG_LOCAL4, "local5": syslog.LOG_LOCAL5, "local6": syslog.LOG_LOCAL6, "local7": syslog.LOG_LOCAL7,
}

const usage = "must be file:PATH, syslog: (the local daemon), syslog://HOST[:PORT] (UDP) or syslog+tcp://HOST[:PORT], " +
	"optionally with ?facility=NAME&tag=TAG"

func invalid(why string) error {
	return errs.Field(Flag, "invalid_audit_stream", "%s %s (%s)", Flag, usage, why)
}

// Parse reads a destination: file:PATH, syslog:, syslog://HOST[:PORT],
// syslog+udp://HOST[:PORT] or syslog+tcp://HOST[:PORT]. A syslog
// destination may add ?facility=NAME (auth, authpriv, daemon, user,
// local0-7) and &tag=TAG.
func Parse(s string) (Spec, error) {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Spec{}, invalid("no scheme")
	}
	switch scheme {
	case File:
		return parseFile(rest)
	case "syslog", "syslog+udp", "syslog+tcp":
		return parseSyslog(scheme, rest)
	}
	return Spec{}, invalid("unknown scheme " + quote(scheme))
}

func parseFile(path string) (Spec, error) {
	if strings.HasPrefix(path, "//") {
		// file:///abs/path, the URL form; a host is not supported.
		u, err := url.Parse("file:" + path)
		if err != nil || u.Host != "" || u.RawQuery != "" || u.Fragment != "" {
			return Spec{}, invalid("a file URL needs an empty host: file:///path")
		}
		path = u.Path
	}
	if path == "" {
		return Spec{}, invalid("no file path")
	}
	if strings.ContainsRune(path, 0) {
		return Spec{}, invalid("the path holds a NUL byte")
	}
	return Spec{Kind: File, Path: path}, nil
}

func parseSyslog(scheme, rest string) (Spec, error) {
	sp := Spec{Kind: Syslog, Facility: syslog.LOG_AUTHPRIV, Tag: defaultTag}
	addr, query, _ := strings.Cut(rest, "?")
	switch {
	case addr == "" && scheme == "syslog":
		// the local daemon
	case strings.HasPrefix(addr, "//"):
		host, port, err := hostPort(strings.TrimPrefix(addr, "//"))
		if err != nil {
			return Spec{}, err
		}
		sp.Network, sp.Addr = "udp", net.JoinHostPort(host, port)
		if scheme == "syslog+tcp" {
			sp.Network = "tcp"
		}
	default:
		return Spec{}, invalid("a syslog server is written " + scheme + "://HOST[:PORT]")
	}
	if query == "" {
		return sp, nil
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return Spec{}, invalid("unreadable options")
	}
	for k, v := range vals {
		if len(v) != 1 {
			return Spec{}, invalid("option " + quote(k) + " given twice")
		}
		switch k {
		case "facility":
			f, ok := facilities[v[0]]
			if !ok {
				return Spec{}, invalid("unknown facility " + quote(v[0]))
			}
			sp.Facility = f
		case "tag":
			if !validTag(v[0]) {
				return Spec{}, invalid("a tag is 1 to 32 letters, digits, '-', '_' or '.'")
			}
			sp.Tag = v[0]
		default:
			return Spec{}, invalid("unknown option " + quote(k))
		}
	}
	return sp, nil
}

// hostPort reads HOST, HOST:PORT, [IPV6] or [IPV6]:PORT.
func hostPort(s string) (host, port string, err error) {
	host, port = s, defaultPort
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	} else if strings.Contains(s, ":") {
		if host, port, err = net.SplitHostPort(s); err != nil {
			return "", "", invalid("unreadable address " + quote(s))
		}
	}
	if host == "" || strings.Trim(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:") != "" {
		return "", "", invalid("the host must be a name or an IP address")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strings.Trim(port, "0123456789") != "" {
		return "", "", invalid("the port must be a number from 1 to 65535")
	}
	return host, strconv.Itoa(n), nil
}

func validTag(t string) bool {
	if t == "" || len(t) > 32 {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strings.ToValidUTF8(`"`+s+`"`, "?")
}

// String is the destination in the form Parse reads; Parse(sp.String())
// gives sp back.
func (sp Spec) String() string {
	if sp.Kind == File {
		if strings.HasPrefix(sp.Path, "//") {
			return "file://" + (&url.URL{Path: sp.Path}).EscapedPath()
		}
		return "file:" + sp.Path
	}
	s := "syslog:"
	if sp.Addr != "" {
		s = "syslog+" + sp.Network + "://" + sp.Addr
	}
	var opts []string
	if sp.Facility != syslog.LOG_AUTHPRIV {
		for name, f := range facilities {
			if f == sp.Facility {
				opts = append(opts, "facility="+name)
			}
		}
	}
	if sp.Tag != defaultTag {
		opts = append(opts, "tag="+sp.Tag)
	}
	sort.Strings(opts)
	if len(opts) > 0 {
		s += "?" + strings.Join(opts, "&")
	}
	return s
}

// Sink names the destination for the cursor it shares with other nodes:
// where the lines go, not how they are labelled.
func (sp Spec) Sink() string {
	if sp.Kind == File {
		return "file:" + sp.Path
	}
	if sp.Addr == "" {
		return "syslog:local"
	}
	return "syslog+" + sp.Network + "://" + sp.Addr
}
