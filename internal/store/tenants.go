package store

import (
	"context"
	"time"

	"steward/internal/org"
)

// CreateTenant inserts a tenant.
func (t *Tx) CreateTenant(ctx context.Context, slug, name string, now time.Time) (org.Tenant, error) {
	id, err := t.insert(ctx, "store.CreateTenant",
		`INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3)`, slug, name, Micros(now))
	return org.Tenant{ID: id, Slug: slug, Name: name, CreatedAt: now}, err
}

// TenantBySlug finds a tenant by its slug; a deleted one is not found.
func (t *Tx) TenantBySlug(ctx context.Context, slug string) (org.Tenant, error) {
	var tn org.Tenant
	var created int64
	err := t.one(ctx, "store.TenantBySlug", "tenant",
		`SELECT id, slug, name, created_at FROM tenants WHERE slug = $1 AND deleted_at IS NULL`, []any{slug},
		&tn.ID, &tn.Slug, &tn.Name, &created)
	tn.CreatedAt = FromMicros(created)
	return tn, err
}

// SlugTaken reports whether a tenant, deleted or not, has the slug.
func (t *Tx) SlugTaken(ctx context.Context, slug string) (bool, error) {
	var n int
	err := t.one(ctx, "store.SlugTaken", "tenant", `SELECT COUNT(*) FROM tenants WHERE slug = $1`, []any{slug}, &n)
	return n > 0, err
}

// Tenant finds a tenant by id; a deleted one is not found.
func (t *Tx) Tenant(ctx context.Context, id int64) (org.Tenant, error) {
	var tn org.Tenant
	var created int64
	err := t.one(ctx, "store.Tenant", "tenant",
		`SELECT id, slug, name, created_at FROM tenants WHERE id = $1 AND deleted_at IS NULL`, []any{id},
		&tn.ID, &tn.Slug, &tn.Name, &created)
	tn.CreatedAt = FromMicros(created)
	return tn, err
}

// BumpPolicy records that something affecting access changed in a tenant.
// Caches keyed by the policy version become stale at once, on every node.
func (t *Tx) BumpPolicy(ctx context.Context, tenantID int64) error {
	_, err := t.exec(ctx, "store.BumpPolicy",
		`UPDATE tenants SET policy_version = policy_version + 1 WHERE id = $1`, tenantID)
	return err
}

// PolicyVersion is the tenant's counter of changes that affect access
// (BumpPolicy). Read before the facts it guards, it tells whether a subject
// built earlier is still current.
func (t *Tx) PolicyVersion(ctx context.Context, tenantID int64) (int64, error) {
	var v int64
	err := t.one(ctx, "store.PolicyVersion", "tenant", `SELECT policy_version FROM tenants WHERE id = $1`, []any{tenantID}, &v)
	return v, err
}
