package audit

import (
	"encoding/json"
	"strconv"
)

// appendCanonical appends the canonical encoding of e (what json.Marshal
// writes for canonical) without reflection, for the common entry: strings
// that need no escaping and details already as json.Marshal leaves them
// (compact, nothing HTML-escaped). It reports false for anything else,
// and the caller falls back to json.Marshal, whose bytes the hashes of
// every stored entry are over. Verifying a million entries spent a third
// of its time in json.Marshal (docs/benchmarks.md, "Audit trail").
func appendCanonical(dst []byte, e Entry, details []byte) ([]byte, bool) {
	if !plainJSON(details) {
		return dst, false
	}
	dst = append(dst, `{"v":1,"tenant_id":`...)
	dst = strconv.AppendInt(dst, e.TenantID, 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, e.Seq, 10)
	dst = append(dst, `,"at":`...)
	dst = strconv.AppendInt(dst, e.At.UnixMicro(), 10)
	ok := true
	str := func(key, v string) {
		if !plainString(v) {
			ok = false
			return
		}
		dst = append(dst, key...)
		dst = append(dst, '"')
		dst = append(dst, v...)
		dst = append(dst, '"')
	}
	str(`,"actor_type":`, e.ActorType)
	dst = append(dst, `,"actor_id":`...)
	dst = strconv.AppendInt(dst, e.ActorID, 10)
	dst = append(dst, `,"session_id":`...)
	dst = strconv.AppendInt(dst, e.SessionID, 10)
	str(`,"source_ip":`, e.SourceIP)
	str(`,"action":`, e.Action)
	str(`,"target_type":`, e.TargetType)
	str(`,"target_id":`, e.TargetID)
	str(`,"outcome":`, e.Outcome)
	dst = append(dst, `,"details":`...)
	dst = append(dst, details...)
	str(`,"request_id":`, e.RequestID)
	str(`,"prev_hash":`, e.PrevHash)
	dst = append(dst, '}')
	return dst, ok
}

// plainString reports whether json.Marshal writes s as it is between
// quotes: printable ASCII without a quote, a backslash or an HTML
// character it escapes.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// plainJSON reports whether json.Marshal writes raw, as a RawMessage, as
// it is: valid JSON of printable ASCII with no whitespace (compacting would
// remove whitespace between tokens) and no HTML character. Whitespace
// inside a string is left to the slow path too, which keeps the check a
// byte scan.
func plainJSON(raw []byte) bool {
	for _, c := range raw {
		if c <= 0x20 || c > 0x7e || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return json.Valid(raw)
}
