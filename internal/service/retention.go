package service

import (
	"context"
	"errors"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// Retention (docs/retention.md): rules that delete old follow-ups or
// anonymise customers inactive for long, previewed, run daily by a job or
// by hand, audited; a legal hold on a customer keeps every rule off it.
// A preview reads exactly what a run would change, through the same
// query, so a run right after a preview changes what it showed.

const (
	minRetentionDays = 30
	maxRetentionDays = 36500
	retentionBatch   = 1000 // records per write transaction of a run
	retentionSample  = 20
)

// RetentionRuleInput is the body of POST and PUT /retention-rules.
type RetentionRuleInput struct {
	Name    string `json:"name"`
	Object  string `json:"object" doc:"activity (deleted when older than days) or customer (anonymised when inactive for days)"`
	Days    int    `json:"days" doc:"30 to 36500"`
	Enabled *bool  `json:"enabled,omitempty" doc:"run daily by the retention job (default true)"`
}

// RetentionResult is what a preview found, or a run changed.
type RetentionResult struct {
	RuleID  int64     `json:"rule_id"`
	Object  string    `json:"object"`
	Action  string    `json:"action"`
	Cutoff  time.Time `json:"cutoff" doc:"records older (activities) or inactive since before this are reached"`
	Count   int       `json:"count" doc:"records reached (preview) or changed (run)"`
	Sample  []int64   `json:"sample" doc:"the first ids, by id"`
	Preview bool      `json:"preview"`
}

// CheckRetentionRule checks a rule's body as SaveRetentionRule does.
func CheckRetentionRule(in RetentionRuleInput) error {
	_, err := in.check()
	return err
}

func (in RetentionRuleInput) check() (store.RetentionRule, error) {
	var r store.RetentionRule
	var err error
	if r.Name, err = fieldcheck.Name("name", in.Name, 200); err != nil {
		return r, err
	}
	if err := fieldcheck.OneOf("object", in.Object, false, "activity", "customer"); err != nil {
		return r, err
	}
	if in.Days < minRetentionDays || in.Days > maxRetentionDays {
		return r, errs.Field("days", "invalid_value", "days must be %d to %d", minRetentionDays, maxRetentionDays)
	}
	r.Object, r.Days, r.Enabled = in.Object, in.Days, in.Enabled == nil || *in.Enabled
	r.Action = map[string]string{"activity": "delete", "customer": "anonymise"}[in.Object]
	return r, nil
}

// RetentionRules lists the tenant's rules (manage_security, view_audit).
func (s *Service) RetentionRules(ctx context.Context, a *Actor) ([]store.RetentionRule, error) {
	if err := a.needAny(access.ManageSecurity, access.ViewAudit); err != nil {
		return nil, err
	}
	var out []store.RetentionRule
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.RetentionRules(ctx, a.TenantID)
		return err
	})
	return out, err
}

// SaveRetentionRule creates (id 0) or replaces a rule; it needs
// manage_security and a recent sign-in, since a rule destroys data.
func (s *Service) SaveRetentionRule(ctx context.Context, a *Actor, id int64, in RetentionRuleInput) (store.RetentionRule, error) {
	if err := a.need(access.ManageSecurity); err != nil {
		return store.RetentionRule{}, err
	}
	r, err := in.check()
	if err != nil {
		return r, err
	}
	r.ID = id
	by := a.UserID
	r.CreatedBy = &by
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		var before *store.RetentionRule
		if id != 0 {
			old, err := tx.RetentionRuleByID(ctx, a.TenantID, id)
			if err != nil {
				return err
			}
			before = &old
			r.CreatedBy, r.CreatedAt, r.LastRunAt = old.CreatedBy, old.CreatedAt, old.LastRunAt
		}
		if err := tx.SaveRetentionRule(ctx, a.TenantID, &r, s.now()); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, ruleEvent("retention_rule", id, r.ID, before, r))
	})
	return r, err
}

// DeleteRetentionRule removes a rule (manage_security, recent sign-in).
func (s *Service) DeleteRetentionRule(ctx context.Context, a *Actor, id int64) error {
	if err := a.need(access.ManageSecurity); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		before, err := tx.RetentionRuleByID(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteRetentionRule(ctx, a.TenantID, id); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "retention_rule.delete", targetType: "retention_rule", targetID: id, details: map[string]any{"before": before}})
	})
}

// PreviewRetention says what running a rule now would change.
func (s *Service) PreviewRetention(ctx context.Context, a *Actor, id int64) (RetentionResult, error) {
	var res RetentionResult
	if err := a.needAny(access.ManageSecurity, access.ViewAudit); err != nil {
		return res, err
	}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		r, err := tx.RetentionRuleByID(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		res = retentionResult(r, s.now(), true)
		ids, n, err := tx.RetentionMatches(ctx, a.TenantID, r.Object, res.Cutoff, 0, retentionSample, true)
		res.Sample, res.Count = append(res.Sample, ids...), n
		return err
	})
	return res, err
}

func retentionResult(r store.RetentionRule, now time.Time, preview bool) RetentionResult {
	return RetentionResult{RuleID: r.ID, Object: r.Object, Action: r.Action, Cutoff: now.AddDate(0, 0, -r.Days), Sample: []int64{}, Preview: preview}
}

// RunRetention runs a rule now (manage_security, recent sign-in).
func (s *Service) RunRetention(ctx context.Context, a *Actor, id int64) (RetentionResult, error) {
	if err := a.need(access.ManageSecurity); err != nil {
		return RetentionResult{}, err
	}
	var r store.RetentionRule
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		var err error
		r, err = tx.RetentionRuleByID(ctx, a.TenantID, id)
		return err
	})
	if err != nil {
		return RetentionResult{}, err
	}
	return s.runRetention(ctx, a, r)
}

// runRetention applies a rule in batches, each its own transaction with
// an audit entry naming the records it changed; a is nil for the job.
// Each batch reads the rule afresh: a rule disabled, removed or given more
// days while a long run goes on stops or narrows it from the next batch.
func (s *Service) runRetention(ctx context.Context, a *Actor, r store.RetentionRule) (RetentionResult, error) {
	now := s.now()
	res := retentionResult(r, now, false)
	var after int64
	for {
		var done bool
		var read, hit []int64
		var cutoff time.Time
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			done, read, hit = false, nil, nil
			cur, err := tx.RetentionRuleByID(ctx, r.TenantID, r.ID)
			if errs.KindOf(err) == errs.NotFound || (err == nil && a == nil && !cur.Enabled) {
				done = true // removed, or disabled while the job ran it
				return nil
			}
			if err != nil {
				return err
			}
			cutoff = now.AddDate(0, 0, -cur.Days)
			if read, _, err = tx.RetentionMatches(ctx, r.TenantID, cur.Object, cutoff, after, retentionBatch, false); err != nil {
				return err
			}
			if len(read) == 0 {
				done = true
				return tx.MarkRetentionRun(ctx, r.TenantID, r.ID, now)
			}
			if hit, err = tx.ApplyRetention(ctx, r.TenantID, cur.Object, cutoff, now, read); err != nil {
				return err
			}
			if len(hit) == 0 {
				return nil
			}
			return s.record(ctx, tx, a, r.TenantID, event{action: "retention.run", targetType: "retention_rule", targetID: r.ID,
				details: map[string]any{"rule": cur.Name, "object": cur.Object, "action": cur.Action, "cutoff": cutoff, "count": len(hit), "ids": hit}})
		})
		if err != nil || done {
			return res, err
		}
		// Only a committed batch moves the run on and counts.
		res.Cutoff = cutoff
		res.Count += len(hit)
		for _, id := range hit {
			if len(res.Sample) < retentionSample {
				res.Sample = append(res.Sample, id)
			}
		}
		after = read[len(read)-1]
	}
}

// RunDueRetention runs, across tenants, every enabled rule that has not
// run in the last day: the retention job. It returns how many records it
// changed.
func (s *Service) RunDueRetention(ctx context.Context) (int, error) {
	var due []store.RetentionRule
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		due, err = tx.DueRetentionRules(ctx, s.now().Add(-23*time.Hour))
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	var failed []error
	for _, r := range due {
		res, err := s.runRetention(ctx, nil, r)
		n += res.Count
		if err != nil { // one tenant's failure holds up no other's
			s.Log.Error("retention rule failed", "tenant_id", r.TenantID, "rule_id", r.ID, "err", err)
			failed = append(failed, err)
		}
	}
	return n, errors.Join(failed...)
}

// PlaceLegalHold keeps every retention rule off a customer the actor can
// see (manage_security), with a reason.
func (s *Service) PlaceLegalHold(ctx context.Context, a *Actor, customerID int64, reason string) (store.LegalHold, error) {
	h := store.LegalHold{CustomerID: customerID, PlacedBy: &a.UserID, PlacedAt: s.now()}
	if err := a.need(access.ManageSecurity); err != nil {
		return h, err
	}
	var err error
	if h.Reason, err = fieldcheck.Name("reason", reason, 500); err != nil {
		return h, err
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := s.visibleCustomer(ctx, tx, a, customerID, access.Customer, access.View); err != nil {
			return err
		}
		if err := tx.PlaceLegalHold(ctx, a.TenantID, h); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "legal_hold.place", targetType: "customer", targetID: customerID,
			links: store.AuditLinks{Customer: customerID}, details: map[string]any{"reason": h.Reason}})
	})
	return h, err
}

// LiftLegalHold lets the retention rules reach a customer again; like a
// rule's change, it needs a recent sign-in, since the next run may then
// destroy what the hold kept.
func (s *Service) LiftLegalHold(ctx context.Context, a *Actor, customerID int64) error {
	if err := a.need(access.ManageSecurity); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := s.needStepUp(ctx, tx, a); err != nil {
			return err
		}
		if _, err := s.visibleCustomer(ctx, tx, a, customerID, access.Customer, access.View); err != nil {
			return err
		}
		if err := tx.LiftLegalHold(ctx, a.TenantID, customerID); err != nil {
			return err
		}
		return s.rec(ctx, tx, a, event{action: "legal_hold.lift", targetType: "customer", targetID: customerID, links: store.AuditLinks{Customer: customerID}})
	})
}

// LegalHolds lists the tenant's holds (manage_security, view_audit).
func (s *Service) LegalHolds(ctx context.Context, a *Actor) ([]store.LegalHold, error) {
	if err := a.needAny(access.ManageSecurity, access.ViewAudit); err != nil {
		return nil, err
	}
	var out []store.LegalHold
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.LegalHolds(ctx, a.TenantID)
		return err
	})
	return out, err
}
