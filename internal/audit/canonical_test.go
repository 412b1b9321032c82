package audit

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// slowCanonical is the encoding every stored hash is over.
func slowCanonical(e Entry, details []byte) []byte {
	b, _ := json.Marshal(canonical{V: 1, TenantID: e.TenantID, Seq: e.Seq, At: e.At.UnixMicro(), ActorType: e.ActorType,
		ActorID: e.ActorID, SessionID: e.SessionID, SourceIP: e.SourceIP, Action: e.Action, TargetType: e.TargetType,
		TargetID: e.TargetID, Outcome: e.Outcome, Details: details, RequestID: e.RequestID, PrevHash: e.PrevHash})
	return b
}

// FuzzCanonical: whenever the fast encoding answers, its bytes are
// json.Marshal's, whatever the strings and details hold (stored entries
// can hold anything someone with database access wrote).
func FuzzCanonical(f *testing.F) {
	f.Add(int64(1), int64(7), int64(1764460800000000), "user", "10.0.0.1", "customer.update", "customer", "42", "success",
		`{"fields":["name"]}`, "req-1", Genesis)
	f.Add(int64(2), int64(1), int64(-5), "sys<tem>", "::1", "role.grant", "user", "7", "denied", `{"a": 1}`, "", "")
	f.Add(int64(3), int64(9), int64(0), "user", "é", "x\u2028", "t&t", "\"", "\\", `{"x":"<b>"}`, "\x00", "\xff")
	f.Add(int64(4), int64(2), int64(3), "user", "", "", "", "", "", `{"a":1`, "", "")
	f.Add(int64(5), int64(2), int64(3), "user", "", "", "", "", "", `[1,2.50,1e3,"\u00e9",null,true]`, "", "")
	f.Fuzz(func(t *testing.T, tenant, seq, at int64, actorType, ip, action, targetType, targetID, outcome, details, reqID, prev string) {
		e := Entry{TenantID: tenant, Seq: seq, At: time.UnixMicro(at), ActorType: actorType, ActorID: seq * 3, SessionID: tenant * 5,
			SourceIP: ip, Action: action, TargetType: targetType, TargetID: targetID, Outcome: outcome, RequestID: reqID, PrevHash: prev}
		fast, ok := appendCanonical(nil, e, []byte(details))
		if !ok {
			return
		}
		if slow := slowCanonical(e, []byte(details)); !bytes.Equal(fast, slow) {
			t.Fatalf("fast encoding differs from json.Marshal:\n fast %s\n slow %s", fast, slow)
		}
	})
}

// The fast path is taken for an ordinary entry, and the hash is the same
// either way.
func TestCanonicalFastPath(t *testing.T) {
	e := Entry{TenantID: 1, Seq: 12, At: time.Date(2026, 11, 30, 1, 2, 3, 456000, time.UTC), ActorType: "user", ActorID: 4, SessionID: 9,
		SourceIP: "192.0.2.7", Action: "customer.update", TargetType: "customer", TargetID: "42", Outcome: Success,
		Details: json.RawMessage(`{"after":{"level":"A"},"before":{"level":"B"},"fields":["level"]}`), RequestID: "r-1", PrevHash: Genesis}
	fast, ok := appendCanonical(nil, e, e.Details)
	if !ok {
		t.Fatal("an ordinary entry took the slow path")
	}
	if slow := slowCanonical(e, e.Details); !bytes.Equal(fast, slow) {
		t.Fatalf("fast %s\nslow %s", fast, slow)
	}
	for _, d := range []string{`{"reason":"a reason with spaces"}`, `{"x":"<script>"}`, `{"a": 1}`, `{"a":1`} {
		if _, ok := appendCanonical(nil, e, []byte(d)); ok {
			t.Errorf("details %s took the fast path", d)
		}
	}
}
