package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
)

// RuleMeta is what the store keeps about a rule besides the engine's view.
type RuleMeta struct {
	Reason    string    `json:"reason"`
	CreatedBy *int64    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// StoredSharingRule is a sharing rule with its metadata.
type StoredSharingRule struct {
	access.SharingRule
	RuleMeta
}

// StoredRestriction is a restriction rule with its metadata.
type StoredRestriction struct {
	access.RestrictionRule
	RuleMeta
}

// SharingRules lists the tenant's sharing rules.
func (t *Tx) SharingRules(ctx context.Context, tenantID int64) ([]StoredSharingRule, error) {
	rows, err := t.query(ctx, "store.SharingRules", `SELECT id, name, criteria, principal_type, principal_id, include_sub, level, reason, created_by, created_at, updated_at
		FROM sharing_rules WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StoredSharingRule{}
	for rows.Next() {
		var r StoredSharingRule
		var crit string
		var by sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&r.ID, &r.Name, &crit, &r.Principal.Type, &r.Principal.ID, &r.Principal.IncludeSubDept, &r.Level, &r.Reason, &by, &created, &updated); err != nil {
			return nil, errs.Wrap(err, "store.SharingRules")
		}
		if err := json.Unmarshal([]byte(crit), &r.Criteria); err != nil {
			return nil, errs.Wrap(err, "store.SharingRules")
		}
		r.CreatedBy, r.CreatedAt, r.UpdatedAt = int64Ptr(by), FromMicros(created), FromMicros(updated)
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "store.SharingRules")
}

// SaveSharingRule inserts (ID 0) or updates a sharing rule.
func (t *Tx) SaveSharingRule(ctx context.Context, tenantID int64, r *StoredSharingRule, now time.Time) error {
	crit, err := json.Marshal(r.Criteria)
	if err != nil {
		return errs.Wrap(err, "store.SaveSharingRule")
	}
	r.UpdatedAt = now
	if r.ID == 0 {
		r.CreatedAt = now
		id, err := t.insert(ctx, "store.SaveSharingRule", `INSERT INTO sharing_rules (tenant_id, name, criteria, principal_type, principal_id, include_sub, level, reason, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`, tenantID, r.Name, string(crit), r.Principal.Type, r.Principal.ID,
			r.Principal.IncludeSubDept, r.Level, r.Reason, nullID(r.CreatedBy), Micros(now))
		r.ID = id
		if err != nil {
			return nameTaken(err)
		}
		return t.rebuildRuleMatches(ctx, tenantID, r.ID, r.Criteria)
	}
	res, err := t.exec(ctx, "store.SaveSharingRule", `UPDATE sharing_rules SET name = $1, criteria = $2, principal_type = $3, principal_id = $4,
		include_sub = $5, level = $6, reason = $7, updated_at = $8 WHERE tenant_id = $9 AND id = $10`, r.Name, string(crit), r.Principal.Type,
		r.Principal.ID, r.Principal.IncludeSubDept, r.Level, r.Reason, Micros(now), tenantID, r.ID)
	if err != nil {
		return nameTaken(err)
	}
	if err := affected(res, "sharing rule"); err != nil {
		return err
	}
	return t.rebuildRuleMatches(ctx, tenantID, r.ID, r.Criteria)
}

// DeleteSharingRule removes a sharing rule.
func (t *Tx) DeleteSharingRule(ctx context.Context, tenantID, id int64) error {
	if _, err := t.exec(ctx, "store.DeleteSharingRule", `DELETE FROM sharing_rule_matches WHERE tenant_id = $1 AND rule_id = $2`, tenantID, id); err != nil {
		return err
	}
	res, err := t.exec(ctx, "store.DeleteSharingRule", `DELETE FROM sharing_rules WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "sharing rule")
}

// RestrictionRules lists the tenant's restriction rules.
func (t *Tx) RestrictionRules(ctx context.Context, tenantID int64) ([]StoredRestriction, error) {
	rows, err := t.query(ctx, "store.RestrictionRules", `SELECT id, name, criteria, principals, reason, created_by, created_at, updated_at
		FROM restriction_rules WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StoredRestriction{}
	for rows.Next() {
		var r StoredRestriction
		var crit, princ string
		var by sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&r.ID, &r.Name, &crit, &princ, &r.Reason, &by, &created, &updated); err != nil {
			return nil, errs.Wrap(err, "store.RestrictionRules")
		}
		if err := json.Unmarshal([]byte(crit), &r.Criteria); err != nil {
			return nil, errs.Wrap(err, "store.RestrictionRules")
		}
		if err := json.Unmarshal([]byte(princ), &r.Principals); err != nil {
			return nil, errs.Wrap(err, "store.RestrictionRules")
		}
		r.CreatedBy, r.CreatedAt, r.UpdatedAt = int64Ptr(by), FromMicros(created), FromMicros(updated)
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "store.RestrictionRules")
}

// SaveRestriction inserts (ID 0) or updates a restriction rule.
func (t *Tx) SaveRestriction(ctx context.Context, tenantID int64, r *StoredRestriction, now time.Time) error {
	crit, err := json.Marshal(r.Criteria)
	if err != nil {
		return errs.Wrap(err, "store.SaveRestriction")
	}
	princ, err := json.Marshal(r.Principals)
	if err != nil {
		return errs.Wrap(err, "store.SaveRestriction")
	}
	r.UpdatedAt = now
	if r.ID == 0 {
		r.CreatedAt = now
		id, err := t.insert(ctx, "store.SaveRestriction", `INSERT INTO restriction_rules (tenant_id, name, criteria, principals, reason, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, tenantID, r.Name, string(crit), string(princ), r.Reason, nullID(r.CreatedBy), Micros(now))
		r.ID = id
		return nameTaken(err)
	}
	res, err := t.exec(ctx, "store.SaveRestriction", `UPDATE restriction_rules SET name = $1, criteria = $2, principals = $3, reason = $4, updated_at = $5
		WHERE tenant_id = $6 AND id = $7`, r.Name, string(crit), string(princ), r.Reason, Micros(now), tenantID, r.ID)
	if err != nil {
		return nameTaken(err)
	}
	return affected(res, "restriction rule")
}

// DeleteRestriction removes a restriction rule.
func (t *Tx) DeleteRestriction(ctx context.Context, tenantID, id int64) error {
	res, err := t.exec(ctx, "store.DeleteRestriction", `DELETE FROM restriction_rules WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "restriction rule")
}
