-- The grant expiry job (service.ExpireGrants) looks for a tenant's role
-- assignments, team memberships and shares whose expiry has passed, every
-- minute and in a write transaction. Without an index that is a scan of
-- every grant; these cover only the rows that carry an expiry, which are
-- few, so they cost grants without one nothing. Checks never use them:
-- they compare expires_at with the decision time themselves.
CREATE INDEX role_assignments_expiry ON role_assignments (tenant_id, expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX customer_team_expiry ON customer_team (tenant_id, expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX customer_shares_expiry ON customer_shares (tenant_id, expires_at) WHERE expires_at IS NOT NULL;
