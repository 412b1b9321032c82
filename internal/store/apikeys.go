package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"steward/internal/errs"
)

// APIKey is a long-lived credential for a program, acting as the user who
// made it with a subset of that user's roles. Only its hash is stored.
type APIKey struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Roles      []string   `json:"roles"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	TenantID   int64      `json:"-"`
}

const apiKeyCols = `id, tenant_id, user_id, name, roles, created_at, expires_at, revoked_at, last_used_at`

func scanAPIKey(sc interface{ Scan(...any) error }, k *APIKey) error {
	var roles string
	var created, expires int64
	var revoked, used sql.NullInt64
	if err := sc.Scan(&k.ID, &k.TenantID, &k.UserID, &k.Name, &roles, &created, &expires, &revoked, &used); err != nil {
		return err
	}
	k.Roles = []string{}
	if roles != "" {
		k.Roles = strings.Split(roles, ",")
	}
	k.CreatedAt, k.ExpiresAt = FromMicros(created), FromMicros(expires)
	k.RevokedAt, k.LastUsedAt = timePtr(revoked), timePtr(used)
	return nil
}

// CreateAPIKey stores a key under the hash of its secret.
func (t *Tx) CreateAPIKey(ctx context.Context, k *APIKey, tokenHash string) error {
	id, err := t.insert(ctx, "store.CreateAPIKey", `INSERT INTO api_keys (tenant_id, user_id, name, token_hash, roles, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.TenantID, k.UserID, k.Name, tokenHash, strings.Join(k.Roles, ","),
		Micros(k.CreatedAt), Micros(k.ExpiresAt))
	k.ID = id
	return err
}

// APIKeyByHash finds a live key (not revoked, not expired) by its hash.
func (t *Tx) APIKeyByHash(ctx context.Context, tokenHash string, now time.Time) (APIKey, error) {
	var k APIKey
	row := t.tx.QueryRowContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2`,
		tokenHash, Micros(now))
	if err := scanAPIKey(row, &k); err != nil {
		return k, t.notFound(err, "store.APIKeyByHash", "api key")
	}
	return k, nil
}

// APIKeys lists a tenant's keys, or one user's when userID is not 0, newest first.
func (t *Tx) APIKeys(ctx context.Context, tenantID, userID int64) ([]APIKey, error) {
	q := `SELECT ` + apiKeyCols + ` FROM api_keys WHERE tenant_id = $1`
	args := []any{tenantID}
	if userID != 0 {
		q += ` AND user_id = $2`
		args = append(args, userID)
	}
	rows, err := t.query(ctx, "store.APIKeys", q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []APIKey{}
	for rows.Next() {
		var k APIKey
		if err := scanAPIKey(rows, &k); err != nil {
			return nil, errs.Wrap(err, "store.APIKeys")
		}
		out = append(out, k)
	}
	return out, errs.Wrap(rows.Err(), "store.APIKeys")
}

// APIKey returns one key of the tenant.
func (t *Tx) APIKey(ctx context.Context, tenantID, id int64) (APIKey, error) {
	var k APIKey
	row := t.tx.QueryRowContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := scanAPIKey(row, &k); err != nil {
		return k, t.notFound(err, "store.APIKey", "api key")
	}
	return k, nil
}

// RevokeAPIKey marks a key revoked; revoking twice is harmless.
func (t *Tx) RevokeAPIKey(ctx context.Context, tenantID, id int64, now time.Time) error {
	_, err := t.exec(ctx, "store.RevokeAPIKey", `UPDATE api_keys SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL`,
		Micros(now), tenantID, id)
	return err
}

// RevokeUserAPIKeys revokes every key a user made: on a password change or
// reset, a suspension or deactivation, and when an administrator ends all
// of the user's sessions.
func (t *Tx) RevokeUserAPIKeys(ctx context.Context, tenantID, userID int64, now time.Time) error {
	_, err := t.exec(ctx, "store.RevokeUserAPIKeys", `UPDATE api_keys SET revoked_at = $1 WHERE tenant_id = $2 AND user_id = $3 AND revoked_at IS NULL`,
		Micros(now), tenantID, userID)
	return err
}

// TouchAPIKey records that a key was used at now.
func (t *Tx) TouchAPIKey(ctx context.Context, tenantID, id int64, now time.Time) error {
	_, err := t.exec(ctx, "store.TouchAPIKey", `UPDATE api_keys SET last_used_at = $1 WHERE tenant_id = $2 AND id = $3`, Micros(now), tenantID, id)
	return err
}
