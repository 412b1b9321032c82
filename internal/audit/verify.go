package audit

import (
	"crypto/ed25519"
	"strconv"
)

// Report is the result of verifying a tenant's trail.
type Report struct {
	TenantID    int64  `json:"tenant_id"`
	OK          bool   `json:"ok"`
	Entries     int64  `json:"entries"`     // entries examined
	FirstSeq    int64  `json:"first_seq"`   // where verification started (after pruning, a checkpoint)
	LastSeq     int64  `json:"last_seq"`    // the last position found
	Checkpoints int    `json:"checkpoints"` // checkpoints checked
	BrokenAt    int64  `json:"broken_at"`   // the first broken position, 0 when OK
	Problem     string `json:"problem"`     // what is wrong there
	HeadSeq     int64  `json:"head_seq"`    // the position the chain head says is last
}

// Verifier checks entries one at a time, in position order, so that a
// million entries need no more memory than one.
type Verifier struct {
	r        Report
	prevHash string
	nextSeq  int64
	pub      ed25519.PublicKey
	cps      map[int64]Checkpoint
	maxCP    int64
}

// NewVerifier starts a verification. start is the checkpoint the retained
// trail begins after (zero value: the trail is complete from position 1);
// checkpoints are all the tenant's checkpoints; pub is the published key.
func NewVerifier(tenantID int64, start *Checkpoint, checkpoints []Checkpoint, pub ed25519.PublicKey) *Verifier {
	v := &Verifier{r: Report{TenantID: tenantID, OK: true, FirstSeq: 1}, prevHash: Genesis, nextSeq: 1, pub: pub, cps: map[int64]Checkpoint{}}
	if start != nil {
		v.prevHash, v.nextSeq, v.r.FirstSeq = start.Hash, start.Seq+1, start.Seq+1
	}
	for _, c := range checkpoints {
		if c.TenantID != tenantID {
			continue
		}
		if err := VerifySignature(c, pub); err != nil {
			v.fail(c.Seq, "checkpoint signature does not verify")
		}
		v.cps[c.Seq] = c
		v.maxCP = max(v.maxCP, c.Seq)
	}
	return v
}

func (v *Verifier) fail(seq int64, problem string) {
	if v.r.OK || seq < v.r.BrokenAt {
		v.r.OK, v.r.BrokenAt, v.r.Problem = false, seq, problem
	}
}

// Add checks the next entry. Entries must come in ascending position.
func (v *Verifier) Add(e Entry) {
	v.r.Entries++
	switch {
	case e.Seq < v.nextSeq:
		v.fail(e.Seq, "position "+strconv.FormatInt(e.Seq, 10)+" appears twice or out of order")
		return
	case e.Seq > v.nextSeq:
		v.fail(v.nextSeq, "entries "+strconv.FormatInt(v.nextSeq, 10)+" to "+strconv.FormatInt(e.Seq-1, 10)+" are missing")
	}
	if e.PrevHash != v.prevHash {
		v.fail(e.Seq, "the link to the previous entry is broken (an entry before it was changed, removed or inserted)")
	} else if ComputeHash(e) != e.Hash {
		v.fail(e.Seq, "the entry's content does not match its hash (it was changed)")
	}
	if c, ok := v.cps[e.Seq]; ok {
		v.r.Checkpoints++
		if c.Hash != e.Hash {
			v.fail(e.Seq, "the entry differs from the signed checkpoint")
		}
	}
	v.prevHash, v.nextSeq, v.r.LastSeq = e.Hash, e.Seq+1, e.Seq
}

// Finish completes the report. headSeq is the position the chain head
// records; a trail shorter than its head or its last checkpoint has lost its tail.
func (v *Verifier) Finish(headSeq int64) Report {
	v.r.HeadSeq = headSeq
	if v.r.LastSeq < v.maxCP {
		v.fail(v.r.LastSeq+1, "the trail ends before its last signed checkpoint (position "+strconv.FormatInt(v.maxCP, 10)+"): its tail was removed")
	} else if v.r.LastSeq < headSeq {
		v.fail(v.r.LastSeq+1, "the trail ends before its recorded head (position "+strconv.FormatInt(headSeq, 10)+"): its tail was removed")
	}
	return v.r
}
