package service

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"steward/internal/access"
)

// notEvidence are the recorded actions that show no use of a grant: the
// system's own (expiry, pool returns, sign-in bookkeeping), a user's own
// account (password, second factor, sessions, API keys, access requests),
// refusals, and steps of a change another action already counts (an
// import's batches, a move's handovers, an export's file).
var notEvidence = []string{
	"access.denied", "access_request.cancel", "access_request.create", "api_key.create", "api_key.revoke", "audit.prune",
	"auth.account_locked", "auth.login", "auth.login_failed", "auth.logout", "auth.password_ok", "auth.step_up",
	"customer.auto_return", "customer.claim", "customer.handover", "export.complete", "export.download", "export.fail", "export.file",
	"import.batch", "insights.read", "mfa.code.enrol", "mfa.code.remove", "mfa.code.send", "mfa.code.start", "mfa.totp.enrol", "mfa.totp.remove", "mfa.totp.start", "review.decide", "review.evidence",
	"review.expire", "review.remind", "role.expire", "session.end", "share.expire", "sod.justified", "team.expire", "tenant.create",
	"user.password_change", "user.password_reset",
}

// Every action the service records is either evidence of some grant's use
// (in the tables of insights_measures.go) or listed above as none: an
// action left out of both could be a change made with a function whose
// table says it is complete, which would then look unused.
func TestMeasuresClassifyEveryAction(t *testing.T) {
	measured := measuredActions()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lit := regexp.MustCompile(`"([a-z_]+\.[a-z_]+(?:\.[a-z_]+)?)"`)
	kinds := regexp.MustCompile(`ruleEvent\("([a-z_]+)"`)
	found := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(src), "\n") {
			if strings.Contains(line, "action") || strings.Contains(line, "recGrant(") {
				for _, m := range lit.FindAllStringSubmatch(line, -1) {
					found[m[1]] = f
				}
			}
			for _, m := range kinds.FindAllStringSubmatch(line, -1) {
				found[m[1]+".create"], found[m[1]+".update"] = f, f
			}
		}
	}
	for _, o := range []access.Object{access.Contact, access.Deal, access.Activity} { // recChild and DeleteChild build these
		for _, v := range []string{"create", "update", "delete"} {
			found[string(o)+"."+v] = "children.go"
		}
	}
	if len(found) < 50 {
		t.Fatalf("found only %d actions; the scan no longer sees the service's entries", len(found))
	}
	for a, f := range found {
		if !slices.Contains(measured, a) && !slices.Contains(notEvidence, a) {
			t.Errorf("%s records %q, which is neither evidence of a grant (insights_measures.go) nor listed in notEvidence", f, a)
		}
	}
}
