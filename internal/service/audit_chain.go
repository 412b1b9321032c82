package service

import (
	"context"
	"sort"
	"time"

	"steward/internal/audit"
	"steward/internal/store"
)

// A change records its audit entry in its own transaction, in the audit
// queue (store.QueueAudit): the change commits only with its entry. The
// chainer seals queued entries onto their tenant's hash chain moments
// later, in batches, and signs checkpoints as it goes; anything that reads
// the trail chains what is queued first (settleAudit), so it never sees
// less than what has committed. Keeping the chain's work off the request
// path is what keeps an entry's cost to a change under a tenth of it
// (docs/benchmarks.md, "Audit trail"); the price is that for those moments
// a queued entry is not yet covered by the chain's hashes
// (docs/security.md, "Audit trail").

// chainBatch is how many queued entries one chaining transaction takes.
const chainBatch = 1000

// chainDelay is how long the chainer waits after a nudge, so that a burst
// of changes is chained in a few transactions rather than one each.
const chainDelay = 10 * time.Millisecond

// chainPoll is how often the chainer looks for entries that no nudge
// announced: those other nodes and commands queued.
const chainPoll = 250 * time.Millisecond

// ChainAudit seals every queued entry onto its tenant's chain and returns
// how many it chained. Safe to run on several nodes at once: on
// PostgreSQL each batch holds its entries and the heads of their tenants,
// taken in tenant order. It stops at a batch that finds nothing, so a
// batch shortened by another chainer's work does not end it early.
func (s *Service) ChainAudit(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.chainBatch(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

func (s *Service) chainBatch(ctx context.Context) (int, error) {
	n := 0
	err := s.DB.WriteRestartable(ctx, func(tx *store.Tx) error {
		queued, err := tx.QueuedAudits(ctx, chainBatch)
		if err != nil || len(queued) == 0 {
			n = 0
			return err
		}
		// Per tenant in queue order; tenants in id order, so that two
		// chainers lock heads in the same order and cannot deadlock.
		sort.SliceStable(queued, func(i, j int) bool { return queued[i].Entry.TenantID < queued[j].Entry.TenantID })
		ids := make([]int64, len(queued))
		for start := 0; start < len(queued); {
			tenant := queued[start].Entry.TenantID
			var es []*audit.Entry
			var links []store.AuditLinks
			end := start
			for ; end < len(queued) && queued[end].Entry.TenantID == tenant; end++ {
				ids[end] = queued[end].ID
				es = append(es, &queued[end].Entry)
				links = append(links, queued[end].Links)
			}
			if err := tx.ChainAudits(ctx, tenant, es, links); err != nil {
				return err
			}
			if s.Signer != nil {
				for _, e := range es {
					if e.Seq%checkpointEvery == 0 {
						if err := s.checkpoint(ctx, tx, tenant, e.Seq, e.Hash); err != nil {
							return err
						}
					}
				}
			}
			start = end
		}
		n = len(queued)
		return tx.DequeueAudit(ctx, ids)
	})
	return n, err
}

// settleAudit chains what is queued, for a reader of the trail that must
// see every committed entry.
func (s *Service) settleAudit(ctx context.Context) error {
	_, err := s.ChainAudit(ctx)
	return err
}

// nudgeChainer wakes this node's chainer; it never blocks.
func (s *Service) nudgeChainer() {
	select {
	case s.chainNudge <- struct{}{}:
	default:
	}
}

// RunAuditChainer chains queued entries until ctx ends: at once when a
// change on this node committed one, and every chainPoll for the rest.
// A failure is logged and retried; the entries stay queued meanwhile.
func (s *Service) RunAuditChainer(ctx context.Context) {
	tick := time.NewTicker(chainPoll)
	defer tick.Stop()
	for {
		if _, err := s.ChainAudit(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("audit: chaining queued entries failed; they stay queued", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.chainNudge:
			select {
			case <-ctx.Done():
				return
			case <-time.After(chainDelay):
			}
		}
	}
}
