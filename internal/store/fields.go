package store

import (
	"context"
	"encoding/json"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fields"
)

// FieldDefs returns the tenant's custom fields and its changes to built-in
// fields, in the order they were defined.
func (t *Tx) FieldDefs(ctx context.Context, tenantID int64) ([]fields.Field, error) {
	rows, err := t.query(ctx, "store.FieldDefs", `SELECT object, key, builtin, label_zh, label_en, type, options, required,
		sensitive, mask, created_at, updated_at FROM field_defs WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fields.Field
	for rows.Next() {
		var f fields.Field
		var opts string
		var created, updated int64
		if err := rows.Scan(&f.Object, &f.Key, &f.Builtin, &f.LabelZh, &f.LabelEn, &f.Type, &opts, &f.Required,
			&f.Sensitive, &f.Mask, &created, &updated); err != nil {
			return nil, errs.Wrap(err, "store.FieldDefs")
		}
		if err := json.Unmarshal([]byte(opts), &f.Options); err != nil {
			return nil, errs.Wrap(err, "store.FieldDefs")
		}
		c, u := FromMicros(created), FromMicros(updated)
		f.CreatedAt, f.UpdatedAt = &c, &u
		out = append(out, f)
	}
	return out, errs.Wrap(rows.Err(), "store.FieldDefs")
}

// SaveFieldDef inserts or replaces one field definition by object and key.
func (t *Tx) SaveFieldDef(ctx context.Context, tenantID int64, f *fields.Field, now time.Time) error {
	opts, err := json.Marshal(f.Options)
	if err != nil {
		return errs.Wrap(err, "store.SaveFieldDef")
	}
	res, err := t.exec(ctx, "store.SaveFieldDef", `UPDATE field_defs SET label_zh = $1, label_en = $2, options = $3, required = $4,
		sensitive = $5, mask = $6, updated_at = $7 WHERE tenant_id = $8 AND object = $9 AND key = $10`,
		f.LabelZh, f.LabelEn, string(opts), f.Required, f.Sensitive, f.Mask, Micros(now), tenantID, f.Object, f.Key)
	if err != nil {
		return err
	}
	f.UpdatedAt = &now
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	f.CreatedAt = &now
	_, err = t.insert(ctx, "store.SaveFieldDef", `INSERT INTO field_defs (tenant_id, object, key, builtin, label_zh, label_en, type,
		options, required, sensitive, mask, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
		tenantID, f.Object, f.Key, f.Builtin, f.LabelZh, f.LabelEn, f.Type, string(opts), f.Required, f.Sensitive, f.Mask, Micros(now))
	return err
}

// DeleteFieldDef removes a custom field, every role rule naming it and its
// values: a field later defined with the same key must not show them again.
func (t *Tx) DeleteFieldDef(ctx context.Context, tenantID int64, o access.Object, key string) error {
	res, err := t.exec(ctx, "store.DeleteFieldDef", `DELETE FROM field_defs WHERE tenant_id = $1 AND object = $2 AND key = $3 AND NOT builtin`,
		tenantID, o, key)
	if err != nil {
		return err
	}
	if err := affected(res, "field"); err != nil {
		return err
	}
	if _, err = t.exec(ctx, "store.DeleteFieldDef", `DELETE FROM role_field_rules WHERE tenant_id = $1 AND object = $2 AND field = $3`,
		tenantID, o, key); err != nil {
		return err
	}
	table := map[access.Object]string{access.Customer: "customers", access.Contact: "contacts", access.Deal: "deals", access.Activity: "activities"}[o]
	remove, arg := `json_remove(custom, $2)`, "$."+key
	if t.engine == Postgres {
		remove, arg = `(custom::jsonb - $2)::text`, key
	}
	// The LIKE narrows the rewrite to the rows holding the key; keys are
	// lower-case letters, digits and underscores, so none is a LIKE wildcard
	// but "_", which only widens the match.
	_, err = t.exec(ctx, "store.DeleteFieldDef", `UPDATE `+table+` SET custom = `+remove+`
		WHERE tenant_id = $1 AND custom LIKE $3`, tenantID, arg, `%"`+key+`"%`)
	return err
}

// roleFieldRules returns a role's field rules.
func (t *Tx) roleFieldRules(ctx context.Context, roleID int64) ([]access.FieldRule, error) {
	rows, err := t.query(ctx, "store.roleFieldRules", `SELECT object, field, access, reveal FROM role_field_rules
		WHERE role_id = $1 ORDER BY object, field`, roleID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []access.FieldRule{}
	for rows.Next() {
		var r access.FieldRule
		if err := rows.Scan(&r.Object, &r.Field, &r.Access, &r.Reveal); err != nil {
			return nil, errs.Wrap(err, "store.roleFieldRules")
		}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "store.roleFieldRules")
}

// saveRoleFieldRules replaces a role's field rules.
func (t *Tx) saveRoleFieldRules(ctx context.Context, tenantID int64, r *access.Role) error {
	if _, err := t.exec(ctx, "store.saveRoleFieldRules", `DELETE FROM role_field_rules WHERE role_id = $1`, r.ID); err != nil {
		return err
	}
	for _, f := range r.Fields {
		if _, err := t.exec(ctx, "store.saveRoleFieldRules", `INSERT INTO role_field_rules (tenant_id, role_id, object, field, access, reveal)
			VALUES ($1, $2, $3, $4, $5, $6)`, tenantID, r.ID, f.Object, f.Field, f.Access, f.Reveal); err != nil {
			return err
		}
	}
	return nil
}

// presetFieldRules gives the preset roles of existing tenants the field
// rules their presets now carry (migration 0009); without them every
// sensitive field would be masked for everyone, administrators included.
// Administrators also gain manage_fields, new with the catalogue.
func (t *Tx) presetFieldRules(ctx context.Context) error {
	for _, p := range access.Presets() {
		rows, err := t.query(ctx, "store.presetFieldRules", `SELECT id, tenant_id FROM roles WHERE key = $1 AND preset`, p.Key)
		if err != nil {
			return err
		}
		type role struct{ id, tenant int64 }
		var rs []role
		for rows.Next() {
			var r role
			if err := rows.Scan(&r.id, &r.tenant); err != nil {
				rows.Close()
				return errs.Wrap(err, "store.presetFieldRules")
			}
			rs = append(rs, r)
		}
		rows.Close()
		for _, r := range rs {
			role := access.Role{ID: r.id, Fields: p.Fields}
			if err := t.saveRoleFieldRules(ctx, r.tenant, &role); err != nil {
				return err
			}
		}
	}
	_, err := t.exec(ctx, "store.presetFieldRules", `UPDATE roles SET functions = functions || ',manage_fields'
		WHERE key = 'administrator' AND preset AND functions NOT LIKE '%manage_fields%'`)
	return err
}
