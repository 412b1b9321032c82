package store

import (
	"context"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
)

// Sharing rules are evaluated live: a customer that stops matching a rule
// stops being shared by it on the next request. For a page sorted by last
// activity, the filter reads a rule's customers from sharing_rule_matches,
// one index range per rule already in page order, instead of walking every
// customer by activity until the rule's criteria have matched a page (the
// reference tenant's team manager, three rules of about 1% each: 6 ms a
// page; docs/benchmarks.md, "Access engine"). "Live" then means the table
// is rewritten in the transaction of every write that can change a match:
// a rule saved (its matches recomputed in SQL) or deleted, a customer
// created, edited, touched by activity or claimed (its matches recomputed
// with Criteria.Match). Both evaluations mean the same by construction
// (filter_sql.go criteria), and the property tests hold them together.

// ruleMatchFacts are the columns criteria read.
const ruleMatchFacts = `name, industry, level, region, source, created_at, last_activity_at`

// rebuildRuleMatches recomputes which customers match a saved rule.
func (t *Tx) rebuildRuleMatches(ctx context.Context, tenantID, ruleID int64, c access.Criteria) error {
	if _, err := t.exec(ctx, "store.rebuildRuleMatches", `DELETE FROM sharing_rule_matches WHERE rule_id = $1`, ruleID); err != nil {
		return err
	}
	b := newQueryBuilder(tenantID)
	pred := b.criteria(t, c)
	_, err := t.exec(ctx, "store.rebuildRuleMatches", `INSERT INTO sharing_rule_matches (tenant_id, rule_id, customer_id, sort_at)
		SELECT tenant_id, `+itoa64(ruleID)+`, id, last_activity_at FROM customers WHERE tenant_id = $1 AND `+pred, b.args...)
	return err
}

// refreshRuleMatches recomputes which rules a customer matches, after a
// write to the customer. A tenant without sharing rules has no matches.
func (t *Tx) refreshRuleMatches(ctx context.Context, tenantID, customerID int64) error {
	rules, err := t.SharingRules(ctx, tenantID)
	if err != nil || len(rules) == 0 {
		return err
	}
	var f access.Facts
	var created, last int64
	if err := t.one(ctx, "store.refreshRuleMatches", "customer", `SELECT `+ruleMatchFacts+` FROM customers WHERE tenant_id = $1 AND id = $2`,
		[]any{tenantID, customerID}, &f.Name, &f.Industry, &f.Level, &f.Region, &f.Source, &created, &last); err != nil {
		return err
	}
	f.CreatedAt, f.LastActivityAt = FromMicros(created), FromMicros(last)
	if _, err := t.exec(ctx, "store.refreshRuleMatches", `DELETE FROM sharing_rule_matches WHERE tenant_id = $1 AND customer_id = $2`,
		tenantID, customerID); err != nil {
		return err
	}
	var rows []string
	for _, r := range rules {
		if r.Criteria.Match(f) {
			rows = append(rows, "($1, "+itoa64(r.ID)+", $2, $3)")
		}
	}
	if len(rows) == 0 {
		return nil
	}
	_, err = t.exec(ctx, "store.refreshRuleMatches", `INSERT INTO sharing_rule_matches (tenant_id, rule_id, customer_id, sort_at) VALUES `+
		strings.Join(rows, ", "), tenantID, customerID, last)
	return err
}

// rebuildAllRuleMatches fills sharing_rule_matches for every rule of every
// tenant: the Go half of migration 0008, run in its transaction.
func (t *Tx) rebuildAllRuleMatches(ctx context.Context) error {
	rows, err := t.query(ctx, "store.rebuildAllRuleMatches", `SELECT DISTINCT tenant_id FROM sharing_rules`)
	if err != nil {
		return err
	}
	var tenants []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return errs.Wrap(err, "store.rebuildAllRuleMatches")
		}
		tenants = append(tenants, id)
	}
	rows.Close()
	for _, tenantID := range tenants {
		rules, err := t.SharingRules(ctx, tenantID)
		if err != nil {
			return err
		}
		for _, r := range rules {
			if err := t.rebuildRuleMatches(ctx, tenantID, r.ID, r.Criteria); err != nil {
				return err
			}
		}
	}
	return nil
}

// RuleMatchDrift counts the differences between sharing_rule_matches and
// the rules evaluated afresh in SQL, sort keys included. It must be zero.
func (t *Tx) RuleMatchDrift(ctx context.Context, tenantID int64) (int64, error) {
	rules, err := t.SharingRules(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, r := range rules {
		b := newQueryBuilder(tenantID)
		pred := b.criteria(t, r.Criteria)
		fresh := `SELECT id, last_activity_at FROM customers WHERE tenant_id = $1 AND ` + pred
		kept := `SELECT customer_id, sort_at FROM sharing_rule_matches WHERE rule_id = ` + itoa64(r.ID)
		var n int64
		if err := t.one(ctx, "store.RuleMatchDrift", "rule", `SELECT
			(SELECT COUNT(*) FROM (`+fresh+` EXCEPT `+kept+`) AS missing) +
			(SELECT COUNT(*) FROM (`+kept+` EXCEPT `+fresh+`) AS extra)`, b.args, &n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// CountMatching counts the tenant's customers that criteria match now,
// compiled as the filter and sharing_rule_matches compile them, so that a
// rule's preview counts what the saved rule would reach.
func (t *Tx) CountMatching(ctx context.Context, tenantID int64, c access.Criteria) (int64, error) {
	b := newQueryBuilder(tenantID)
	pred := b.criteria(t, c)
	var n int64
	err := t.one(ctx, "store.CountMatching", "customers", `SELECT COUNT(*) FROM customers WHERE tenant_id = $1 AND `+pred, b.args, &n)
	return n, err
}
