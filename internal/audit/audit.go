// Package audit is the tamper-evident trail's pure part: what an entry is,
// how it is encoded and hashed into a per-tenant chain, how checkpoints are
// signed, and how a stored trail is verified. It does no I/O; the store
// keeps entries and the service writes them in the same transaction as the
// change they record.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Outcomes of an audited action.
const (
	Success = "success"
	Denied  = "denied"
	Failure = "failure"
)

// Entry is one audit record. Details carry identifiers, field names and,
// for permission changes, before and after; never personal values, so that
// erasure requests and an immutable trail can both hold.
type Entry struct {
	ID         int64           `json:"id"`
	TenantID   int64           `json:"tenant_id"`
	Seq        int64           `json:"seq"` // position in the tenant's chain, from 1, without gaps
	At         time.Time       `json:"at"`
	ActorType  string          `json:"actor_type"` // user, api_key, system, anonymous
	ActorID    int64           `json:"actor_id"`
	SessionID  int64           `json:"session_id"`
	SourceIP   string          `json:"source_ip"`
	Action     string          `json:"action"` // customer.update, role.grant, auth.login ...
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	Outcome    string          `json:"outcome"`
	Details    json.RawMessage `json:"details"`
	RequestID  string          `json:"request_id"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// canonical is the encoding the hash covers: every field but the id (which
// the database assigns) and the hash itself, in a fixed order, with the
// time in microseconds so that both engines give the same bytes.
type canonical struct {
	V          int             `json:"v"`
	TenantID   int64           `json:"tenant_id"`
	Seq        int64           `json:"seq"`
	At         int64           `json:"at"`
	ActorType  string          `json:"actor_type"`
	ActorID    int64           `json:"actor_id"`
	SessionID  int64           `json:"session_id"`
	SourceIP   string          `json:"source_ip"`
	Action     string          `json:"action"`
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	Outcome    string          `json:"outcome"`
	Details    json.RawMessage `json:"details"`
	RequestID  string          `json:"request_id"`
	PrevHash   string          `json:"prev_hash"`
}

// Genesis is the previous hash of a tenant's first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the hash that links e to its predecessor.
func ComputeHash(e Entry) string {
	details := e.Details
	if len(details) == 0 {
		details = json.RawMessage("{}")
	}
	if b, ok := appendCanonical(make([]byte, 0, 384+len(details)), e, details); ok {
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:])
	}
	b, _ := json.Marshal(canonical{V: 1, TenantID: e.TenantID, Seq: e.Seq, At: e.At.UnixMicro(), ActorType: e.ActorType,
		ActorID: e.ActorID, SessionID: e.SessionID, SourceIP: e.SourceIP, Action: e.Action, TargetType: e.TargetType,
		TargetID: e.TargetID, Outcome: e.Outcome, Details: details, RequestID: e.RequestID, PrevHash: e.PrevHash})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Seal fills in e's position and hashes, given the chain head before it.
func Seal(e *Entry, headSeq int64, headHash string) {
	e.Seq = headSeq + 1
	e.PrevHash = headHash
	if e.Seq == 1 || headHash == "" {
		e.PrevHash = Genesis
	}
	if len(e.Details) == 0 {
		e.Details = json.RawMessage("{}")
	}
	e.Hash = ComputeHash(*e)
}
