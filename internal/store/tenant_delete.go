package store

import (
	"context"
	"time"

	"steward/internal/errs"
)

// A tenant is deleted in two steps. ShredTenant destroys its data keys
// (crypto-shredding: every value sealed under them, in the database and in
// every backup of it, can no longer be opened), ends its sessions and API
// keys and marks it deleted, in one transaction. PurgeTenantTable then
// removes its rows table by table; a purge cut short is finished by
// running it again.

// TenantTables are the tables that hold tenants' rows, those referring to
// others first, so that each can be emptied of a tenant in turn.
// TestDeleteTenant checks against the schema that none is missing.
var TenantTables = []string{
	"sharing_rule_matches", "consents", "activities", "deals", "contacts", "customer_shares", "customer_team",
	"legal_holds", "pool_events", "processing_restrictions", "review_generation", "review_items", "review_reminders",
	"sod_justifications", "access_requests", "export_chunks", "exports", "imports", "lifecycle_reports",
	"privacy_requests", "mfa_challenges", "mfa_codes", "code_factors", "password_history", "password_resets", "recovery_codes", "totp_factors",
	"sessions", "api_keys", "group_members", "role_assignments", "role_field_rules", "role_permissions",
	"pool_departments", "customers", "review_campaigns", "sharing_rules", "restriction_rules", "retention_rules",
	"sod_rules", "sod_profile", "pools", "groups", "roles", "field_defs", "export_settings", "lifecycle_settings",
	"security_settings", "audit_action_marks", "audit_action_uses", "audit_checkpoints", "audit_queue", "audit_events",
	"audit_heads", "audit_retention", "audit_stream_cursors", "data_keys", "users", "departments",
}

// tenantRows is how a table's rows of one tenant are named: by tenant_id,
// or through the row they belong to.
func tenantRows(table string) string {
	switch table {
	case "export_chunks":
		return `export_id IN (SELECT id FROM exports WHERE tenant_id = $1)`
	case "review_generation":
		return `campaign_id IN (SELECT id FROM review_campaigns WHERE tenant_id = $1)`
	}
	return `tenant_id = $1`
}

// ShredTenant destroys the tenant's data keys, ends its sessions and API
// keys and marks it deleted. It returns how many keys it destroyed.
func (t *Tx) ShredTenant(ctx context.Context, tenantID int64, now time.Time) (int64, error) {
	res, err := t.exec(ctx, "store.ShredTenant", `UPDATE tenants SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL`, Micros(now), tenantID)
	if err != nil {
		return 0, err
	}
	if err := affected(res, "tenant"); err != nil {
		return 0, err
	}
	var keys int64
	for _, table := range []string{"data_keys", "sessions", "api_keys"} {
		res, err := t.exec(ctx, "store.ShredTenant", `DELETE FROM `+table+` WHERE tenant_id = $1`, tenantID)
		if err != nil {
			return 0, err
		}
		if table == "data_keys" {
			if keys, err = res.RowsAffected(); err != nil {
				return 0, errs.Wrap(err, "store.ShredTenant")
			}
		}
	}
	return keys, nil
}

// PurgeTenantTable deletes a deleted tenant's rows of one table and
// returns how many.
func (t *Tx) PurgeTenantTable(ctx context.Context, tenantID int64, table string) (int64, error) {
	var deleted bool
	if err := t.one(ctx, "store.PurgeTenantTable", "tenant", `SELECT deleted_at IS NOT NULL FROM tenants WHERE id = $1`, []any{tenantID}, &deleted); err != nil {
		return 0, err
	}
	if !deleted {
		return 0, errs.E(errs.Conflict, "tenant_not_deleted", "tenant %d is not deleted: shred it first", tenantID)
	}
	// One statement per table: a row naming another of the same table
	// (a department's parent, a user's manager, a campaign's previous
	// round) is checked once the statement has deleted them all.
	res, err := t.exec(ctx, "store.PurgeTenantTable", `DELETE FROM `+table+` WHERE `+tenantRows(table), tenantID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, errs.Wrap(err, "store.PurgeTenantTable")
}
