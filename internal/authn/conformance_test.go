package authn

import (
	"testing"
	"time"
)

// verdicts indexes a report by standard and reference.
func verdicts(cs []Clause) map[string]Verdict {
	m := map[string]Verdict{}
	for _, c := range cs {
		m[c.Setting+" "+c.Standard+" "+c.Ref] = c.Verdict
	}
	return m
}

func TestConformanceDefault(t *testing.T) {
	cs := DefaultPolicy.Conformance()
	for _, c := range cs {
		if c.Setting == "" || c.Value == "" || c.Standard == "" || c.Ref == "" || c.Note == "" {
			t.Errorf("incomplete clause %+v", c)
		}
		if (c.Standard == NIST || c.Standard == ASVS) && c.Verdict == Breaks {
			t.Errorf("the default profile breaks %s %s (%s)", c.Standard, c.Ref, c.Setting)
		}
	}
	v := verdicts(cs)
	for key, want := range map[string]Verdict{
		"max_age_days " + Dengbao + " 8.1.4.1 a": Breaks,
		"lockout.lock_at " + PCI + " 8.3.4":      Breaks,
		"lockout.lock_at " + NIST + " §3.2.2":    Satisfies,
		"min_classes " + Dengbao + " 8.1.4.1 a":  Partly,
		"blocklist " + ASVS + " 6.2.12":          Partly,
	} {
		if v[key] != want {
			t.Errorf("%s: got %q, want %q", key, v[key], want)
		}
	}
}

func TestConformanceDengbao(t *testing.T) {
	cs := DengbaoL3Policy.Conformance()
	for _, c := range cs {
		if c.Standard == Dengbao && c.Verdict == Breaks {
			t.Errorf("the dengbao-l3 profile breaks 等保 %s (%s)", c.Ref, c.Setting)
		}
	}
	v := verdicts(cs)
	for key, want := range map[string]Verdict{
		"min_classes " + NIST + " §3.1.1.2 (5)":  Breaks,
		"min_classes " + ASVS + " 6.2.5":         Breaks,
		"max_age_days " + NIST + " §3.1.1.2 (6)": Breaks,
		"max_age_days " + ASVS + " 6.2.10":       Breaks,
		"max_age_days " + PCI + " 8.3.9":         Satisfies,
		"history " + PCI + " 8.3.7":              Satisfies,
		"lockout.lock_at " + PCI + " 8.3.4":      Satisfies,
		"lockout.lock_for " + PCI + " 8.3.4":     Satisfies,
	} {
		if v[key] != want {
			t.Errorf("%s: got %q, want %q", key, v[key], want)
		}
	}
}

func TestConformanceSessionsAndWindow(t *testing.T) {
	v := verdicts(DefaultSessions.Conformance())
	if v["session.idle "+PCI+" 8.2.8"] != Breaks || v["session.admin_idle "+NIST+" §2.3.3 (AAL3)"] != Satisfies ||
		v["session.absolute "+NIST+" §2.2.3 (AAL2)"] != Satisfies {
		t.Errorf("default sessions: got %v", v)
	}
	v = verdicts(SessionConfig{Idle: 15 * time.Minute}.Conformance())
	if v["session.idle "+PCI+" 8.2.8"] != Satisfies {
		t.Error("15-minute idle does not satisfy PCI 8.2.8")
	}
	for w, want := range map[Window]Verdict{WindowDrift: Breaks, WindowStrict: Partly, WindowExact: Satisfies} {
		if got := verdicts(w.Conformance())["totp_window "+ASVS+" 6.5.5"]; got != want {
			t.Errorf("%v: ASVS 6.5.5 got %q, want %q", w, got, want)
		}
	}
}
