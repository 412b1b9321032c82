package service

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"strconv"
	"time"

	"steward/internal/audit"
	"steward/internal/errs"
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
// (docs/architecture.md, "The queue").

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
// taken in tenant order. A tenant whose entries fail to chain is left
// queued and skipped for the rest of the run, so the others still chain;
// the error (a *ChainFailure) names it. Entries of a deleted tenant are
// dropped, as its purge drops its trail.
func (s *Service) ChainAudit(ctx context.Context) (int, error) {
	total := 0
	failed := map[int64]error{}
	for {
		fetched, n, err := s.chainBatch(ctx, failed)
		total += n
		if err != nil {
			return total, err
		}
		// A batch shortened by another chainer is still whole for what
		// committed before it: its lock waited for that chainer.
		if fetched < chainBatch {
			break
		}
	}
	if len(failed) > 0 {
		return total, &ChainFailure{Tenants: failed}
	}
	return total, nil
}

// ChainFailure names the tenants whose queued entries could not be
// chained, with why.
type ChainFailure struct {
	Tenants map[int64]error
}

func (f *ChainFailure) Error() string {
	ids := make([]int64, 0, len(f.Tenants))
	for id := range f.Tenants {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	msg := "audit: queued entries of tenant"
	for i, id := range ids {
		if i > 0 {
			msg += ","
		}
		msg += " " + strconv.FormatInt(id, 10) + " (" + f.Tenants[id].Error() + ")"
	}
	return msg + " could not be chained"
}

func (s *Service) chainBatch(ctx context.Context, failed map[int64]error) (fetched, chained int, err error) {
	var failing map[int64]error // this batch's; kept only once it commits
	err = s.DB.WriteRestartable(ctx, func(tx *store.Tx) error {
		fetched, chained, failing = 0, 0, map[int64]error{}
		var skip []int64
		for id := range failed {
			skip = append(skip, id)
		}
		queued, err := tx.QueuedAudits(ctx, chainBatch, skip)
		if err != nil || len(queued) == 0 {
			return err
		}
		fetched = len(queued)
		// Per tenant in queue order; tenants in id order, so that two
		// chainers lock heads in the same order and cannot deadlock.
		sort.SliceStable(queued, func(i, j int) bool { return queued[i].Entry.TenantID < queued[j].Entry.TenantID })
		var done []int64
		for start := 0; start < len(queued); {
			end := start
			for end < len(queued) && queued[end].Entry.TenantID == queued[start].Entry.TenantID {
				end++
			}
			group := queued[start:end]
			start = end
			ok, err := s.chainTenant(ctx, tx, group)
			if err != nil {
				var cerr chainError
				if !errors.As(err, &cerr) {
					return err
				}
				failing[group[0].Entry.TenantID] = cerr.err
				continue
			}
			for _, q := range group {
				done = append(done, q.ID)
			}
			if ok {
				chained += len(group)
			}
		}
		return tx.DequeueAudit(ctx, done)
	})
	if err == nil {
		maps.Copy(failed, failing)
	}
	return fetched, chained, err
}

// chainError is a tenant's entries failing to chain, under a savepoint
// that undid the attempt.
type chainError struct{ err error }

func (e chainError) Error() string { return e.err.Error() }

// chainTenant chains one tenant's queued entries under a savepoint. It
// reports false, chaining nothing, for a deleted tenant, whose entries
// are to be dropped.
func (s *Service) chainTenant(ctx context.Context, tx *store.Tx, group []store.QueuedAudit) (bool, error) {
	tenant := group[0].Entry.TenantID
	live, err := tx.ChainableTenant(ctx, tenant)
	if err != nil || !live {
		if !live && err == nil {
			s.Log.Warn("audit: dropped queued entries of a deleted tenant", "tenant", tenant, "entries", len(group))
		}
		return false, err
	}
	if err := tx.Savepoint(ctx, "chain_tenant"); err != nil {
		return false, err
	}
	es := make([]*audit.Entry, len(group))
	links := make([]store.AuditLinks, len(group))
	for i := range group {
		es[i], links[i] = &group[i].Entry, group[i].Links
	}
	err = tx.ChainAudits(ctx, tenant, es, links)
	if err == nil && s.Signer != nil {
		for _, e := range es {
			if e.Seq%checkpointEvery == 0 {
				if err = s.checkpoint(ctx, tx, tenant, e.Seq, e.Hash); err != nil {
					break
				}
			}
		}
	}
	if err != nil {
		if rerr := tx.RollbackTo(ctx, "chain_tenant"); rerr != nil {
			return false, rerr
		}
		return false, chainError{err}
	}
	return true, tx.Release(ctx, "chain_tenant")
}

// settleAudit chains what is queued, for a reader of a tenant's trail
// (tenantID 0: of every tenant's) that must see every committed entry. It
// looks from the read pool first, so that a reader with nothing queued
// does not take the writer; and it fails only for a failure to chain the
// tenant it reads (a job over every tenant goes on with what is chained).
func (s *Service) settleAudit(ctx context.Context, tenantID int64) error {
	var queued bool
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		queued, err = tx.AuditQueued(ctx, tenantID)
		return err
	})
	if err != nil || !queued {
		return err
	}
	_, err = s.ChainAudit(ctx)
	var f *ChainFailure
	if errors.As(err, &f) {
		if ferr, ok := f.Tenants[tenantID]; ok {
			return errs.Wrap(ferr, "service.settleAudit")
		}
		// Another tenant's trouble (or, for a job over every tenant, some
		// tenant's, whose trail then stays as far as it was chained): the
		// chainer logs it.
		return nil
	}
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
