package auditstream_test

import (
	"log/syslog"
	"strings"
	"testing"

	"steward/internal/auditstream"
	"steward/internal/errs"
)

func TestParse(t *testing.T) {
	ok := []struct {
		in   string
		want auditstream.Spec
	}{
		{"file:/var/log/steward/audit.jsonl", auditstream.Spec{Kind: "file", Path: "/var/log/steward/audit.jsonl"}},
		{"file:audit.jsonl", auditstream.Spec{Kind: "file", Path: "audit.jsonl"}},
		{"file:///var/log/a.jsonl", auditstream.Spec{Kind: "file", Path: "/var/log/a.jsonl"}},
		{"syslog:", auditstream.Spec{Kind: "syslog", Facility: syslog.LOG_AUTHPRIV, Tag: "steward-audit"}},
		{"syslog://siem.example", auditstream.Spec{Kind: "syslog", Network: "udp", Addr: "siem.example:514", Facility: syslog.LOG_AUTHPRIV, Tag: "steward-audit"}},
		{"syslog+udp://10.0.0.1:5514", auditstream.Spec{Kind: "syslog", Network: "udp", Addr: "10.0.0.1:5514", Facility: syslog.LOG_AUTHPRIV, Tag: "steward-audit"}},
		{"syslog+tcp://[::1]:601?facility=local3&tag=crm", auditstream.Spec{Kind: "syslog", Network: "tcp", Addr: "[::1]:601", Facility: syslog.LOG_LOCAL3, Tag: "crm"}},
		{"syslog+tcp://[::1]", auditstream.Spec{Kind: "syslog", Network: "tcp", Addr: "[::1]:514", Facility: syslog.LOG_AUTHPRIV, Tag: "steward-audit"}},
	}
	for _, c := range ok {
		got, err := auditstream.Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "audit.jsonl", "file:", "file://host/x", "ftp://x", "syslog:siem", "syslog+tcp:", "syslog://",
		"syslog://h:0", "syslog://h:70000", "syslog://h:+5", "syslog://a:b:c", "syslog://h/x", "syslog://h?facility=kern",
		"syslog://h?tag=a%20b", "syslog://h?colour=red", "syslog://h?tag=a&tag=b", "syslog://user@h"} {
		_, err := auditstream.Parse(in)
		if e := errs.As(err); err == nil || e.Field != "audit-stream" || !strings.Contains(e.Message, "audit-stream must be") {
			t.Errorf("Parse(%q): got %v, want an error naming audit-stream", in, err)
		}
	}
}

// FuzzParse: the parser never panics, and what it accepts it prints back
// in a form it reads to the same destination.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"file:/tmp/a.jsonl", "file:///x", "syslog:", "syslog://h", "syslog+tcp://[::1]:601?facility=local3&tag=crm",
		"syslog+udp://10.0.0.1:5514?tag=x", "file://", "syslog:?tag=a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := auditstream.Parse(s)
		if err != nil {
			if errs.As(err).Field != auditstream.Flag {
				t.Fatalf("Parse(%q): error %v does not name the flag", s, err)
			}
			return
		}
		again, err := auditstream.Parse(sp.String())
		if err != nil || again != sp {
			t.Fatalf("Parse(%q) = %+v, printed %q, read back %+v, %v", s, sp, sp.String(), again, err)
		}
	})
}
