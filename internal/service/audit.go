package service

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"strconv"
	"time"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/errs"
	"steward/internal/store"
)

// RequestInfo is what the edge knows of a request that the audit trail
// records: where it came from and its id.
type RequestInfo struct {
	SourceIP  string
	RequestID string
}

type requestKey struct{}

// WithRequest attaches request information to a context.
func WithRequest(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, ri)
}

func requestOf(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(requestKey{}).(RequestInfo)
	return ri
}

// event is one thing to record. Details hold identifiers, field names and,
// for permission changes, before and after: never personal values.
type event struct {
	action     string
	targetType string
	targetID   int64
	outcome    string
	details    any
	links      store.AuditLinks
}

// checkpointEvery is how often, in entries, the chainer signs a tenant's
// chain; the periodic job signs whatever is left.
const checkpointEvery = 100

// record writes an audit entry in tx, queued to be chained once tx commits
// (audit_chain.go). If it fails, the caller's change fails with it: no
// change without its record.
func (s *Service) record(ctx context.Context, tx *store.Tx, a *Actor, tenantID int64, ev event) error {
	details, err := json.Marshal(ev.details)
	if err != nil {
		return errs.Wrap(err, "service.record")
	}
	if ev.details == nil {
		details = []byte("{}")
	}
	ri := requestOf(ctx)
	e := audit.Entry{TenantID: tenantID, At: s.now(), ActorType: "system", SourceIP: ri.SourceIP, RequestID: ri.RequestID,
		Action: ev.action, TargetType: ev.targetType, Outcome: ev.outcome, Details: details}
	if ev.targetID != 0 {
		e.TargetID = strconv.FormatInt(ev.targetID, 10)
	}
	if e.Outcome == "" {
		e.Outcome = audit.Success
	}
	if a != nil {
		e.ActorType, e.ActorID, e.SessionID = "user", a.UserID, a.SessionID
	}
	if err := tx.QueueAudit(ctx, &e, ev.links); err != nil {
		return err
	}
	if _, ok := tx.Memo(chainNudgeKey{}); !ok {
		tx.SetMemo(chainNudgeKey{}, true)
		tx.AfterCommit(s.nudgeChainer)
	}
	return nil
}

type chainNudgeKey struct{}

// rec is record for an actor's own tenant.
func (s *Service) rec(ctx context.Context, tx *store.Tx, a *Actor, ev event) error {
	return s.record(ctx, tx, a, a.TenantID, ev)
}

func (s *Service) checkpoint(ctx context.Context, tx *store.Tx, tenantID, seq int64, hash string) error {
	c := audit.Checkpoint{TenantID: tenantID, Seq: seq, Hash: hash, At: s.now()}
	s.Signer.Sign(&c)
	return tx.SaveCheckpoint(ctx, c)
}

// RecordDenied records a refused attempt (a 403). It runs in its own
// transaction, since the attempt's own rolled back.
func (s *Service) RecordDenied(ctx context.Context, a *Actor, operation string, cause error) {
	e := errs.As(cause)
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.rec(ctx, tx, a, event{action: "access.denied", targetType: "operation", outcome: audit.Denied,
			details: map[string]string{"operation": operation, "code": e.Code}})
	})
	if err != nil {
		s.Log.Error("audit: recording a denied attempt failed", "err", err)
	}
}

// tenantIDs lists every tenant, for the jobs that sweep them all.
func (s *Service) tenantIDs(ctx context.Context) ([]int64, error) {
	var out []int64
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.TenantIDs(ctx)
		return err
	})
	return out, err
}

// CheckpointAll signs the head of every tenant's chain that moved since its
// last checkpoint. Run periodically; running it twice at once is harmless.
func (s *Service) CheckpointAll(ctx context.Context) (int, error) {
	if err := s.settleAudit(ctx, 0); err != nil {
		return 0, err
	}
	if s.Signer == nil {
		return 0, nil
	}
	tenants, err := s.tenantIDs(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tenants {
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			seq, hash, err := tx.AuditHead(ctx, t)
			if err != nil || seq == 0 {
				return err
			}
			cps, err := tx.Checkpoints(ctx, t)
			if err != nil || (len(cps) > 0 && cps[len(cps)-1].Seq == seq) {
				return err
			}
			n++
			return s.checkpoint(ctx, tx, t, seq, hash)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// VerifyAudit checks a tenant's whole retained trail against its hashes,
// its head and its signed checkpoints.
func (s *Service) VerifyAudit(ctx context.Context, tenantID int64, pub ed25519.PublicKey) (audit.Report, error) {
	if err := s.settleAudit(ctx, tenantID); err != nil {
		return audit.Report{}, err
	}
	var rep audit.Report
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		start, err := tx.AuditRetention(ctx, tenantID)
		if err != nil {
			return err
		}
		cps, err := tx.Checkpoints(ctx, tenantID)
		if err != nil {
			return err
		}
		head, _, err := tx.AuditHead(ctx, tenantID)
		if err != nil {
			return err
		}
		v := audit.NewVerifier(tenantID, start, cps, pub)
		from := int64(1)
		if start != nil {
			from = start.Seq + 1
		}
		// Reading rows and hashing them take about as long each; one
		// goroutine hashes while this one reads, on the second core.
		entries := make(chan []audit.Entry, 4)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for batch := range entries {
				for _, e := range batch {
					v.Add(e)
				}
			}
		}()
		batch := make([]audit.Entry, 0, 256)
		err = tx.ScanAudit(ctx, tenantID, from, func(e audit.Entry) error {
			if batch = append(batch, e); len(batch) == cap(batch) {
				entries <- batch
				batch = make([]audit.Entry, 0, 256)
			}
			return nil
		})
		entries <- batch
		close(entries)
		<-done
		if err != nil {
			return err
		}
		rep = v.Finish(head)
		return nil
	})
	return rep, err
}

// VerifyOwnAudit verifies the actor's tenant's trail; it needs view_audit.
func (s *Service) VerifyOwnAudit(ctx context.Context, a *Actor) (audit.Report, error) {
	if err := a.need(access.ViewAudit); err != nil {
		return audit.Report{}, err
	}
	if s.Signer == nil {
		return audit.Report{}, errs.E(errs.Conflict, "no_audit_key", "no audit signing key is configured")
	}
	return s.VerifyAudit(ctx, a.TenantID, s.Signer.Public())
}

// AuditEvents lists the trail for holders of view_audit. Reading the trail
// is itself recorded, with the filter used.
func (s *Service) AuditEvents(ctx context.Context, a *Actor, q store.AuditQuery) ([]audit.Entry, error) {
	if err := a.need(access.ViewAudit); err != nil {
		return nil, err
	}
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return nil, err
	}
	var out []audit.Entry
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		if out, err = tx.AuditEvents(ctx, a.TenantID, q); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "audit.read", targetType: "audit", details: q})
	})
	return out, err
}

// PermissionHistory lists, newest first, every recorded change to what a
// user could do: roles granted and taken, moves, shares and team
// memberships naming them, and changes to the roles they hold.
func (s *Service) PermissionHistory(ctx context.Context, a *Actor, userID int64, q store.AuditQuery) ([]audit.Entry, error) {
	if userID != a.UserID {
		if err := a.needAny(access.ViewAudit, access.ManageUsers); err != nil {
			return nil, err
		}
	}
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return nil, err
	}
	q.SubjectUser = userID
	var out []audit.Entry
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if _, err := tx.User(ctx, a.TenantID, userID); err != nil {
			return err
		}
		held, err := tx.Assignments(ctx, a.TenantID, userID)
		if err != nil {
			return err
		}
		for _, h := range held {
			q.UserRoles = append(q.UserRoles, h.RoleID)
		}
		out, err = tx.AuditEvents(ctx, a.TenantID, q)
		return err
	})
	return out, err
}

// AccessHistory lists, newest first, who was granted or lost access to a
// customer and when. It needs view_audit, or the share action on the customer.
func (s *Service) AccessHistory(ctx context.Context, a *Actor, customerID int64, q store.AuditQuery) ([]audit.Entry, error) {
	if err := s.settleAudit(ctx, a.TenantID); err != nil {
		return nil, err
	}
	q.SubjectCust = customerID
	var out []audit.Entry
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if !a.Subject.Can(access.ViewAudit) {
			if _, err := s.visibleCustomer(ctx, tx, a, customerID, access.Customer, access.Share); err != nil {
				return err
			}
		}
		var err error
		if out, err = tx.AuditEvents(ctx, a.TenantID, q); err != nil || len(out) > 0 {
			return err
		}
		// Nothing recorded: answer like any other id this tenant does not
		// know. (A deleted customer keeps its history, so it stays findable.)
		_, err = tx.Customer(ctx, a.TenantID, customerID)
		return err
	})
	return out, err
}

// MinAuditRetention is the shortest retention allowed: the PRC
// Cybersecurity Law asks for at least six months of logs.
const MinAuditRetention = 183 * 24 * time.Hour

// DefaultAuditRetention is three years.
const DefaultAuditRetention = 3 * 365 * 24 * time.Hour

// PruneAudit removes, in every tenant, the oldest whole segments of the
// trail: everything up to the newest signed checkpoint older than the
// retention period. The retained trail stays verifiable from that
// checkpoint. It returns how many entries it removed.
func (s *Service) PruneAudit(ctx context.Context, retention time.Duration) (int64, error) {
	if retention < MinAuditRetention {
		return 0, errs.Field("retention", "retention_too_short", "audit entries must be kept at least 183 days")
	}
	tenants, err := s.tenantIDs(ctx)
	if err != nil {
		return 0, err
	}
	cutoff := s.now().Add(-retention)
	var removed int64
	for _, t := range tenants {
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			cps, err := tx.Checkpoints(ctx, t)
			if err != nil {
				return err
			}
			var last *audit.Checkpoint
			for i := range cps {
				if cps[i].At.Before(cutoff) {
					last = &cps[i]
				}
			}
			prev, err := tx.AuditRetention(ctx, t)
			if err != nil || last == nil || (prev != nil && prev.Seq >= last.Seq) {
				return err
			}
			n, err := tx.PruneAudit(ctx, *last, s.now())
			if err != nil {
				return err
			}
			removed += n
			return s.record(ctx, tx, nil, t, event{action: "audit.prune", targetType: "audit",
				details: map[string]any{"through_seq": last.Seq, "removed": n, "retention_days": int(retention.Hours() / 24)}})
		})
		if err != nil {
			return removed, err
		}
	}
	return removed, nil
}
