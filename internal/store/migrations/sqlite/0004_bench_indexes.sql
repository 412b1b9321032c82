-- Covering indexes for the team and share branches of the permission
-- filter. Those branches look up every unexpired grant naming the caller;
-- with expiry and level in the index they no longer read each grant's row
-- (the reference tenant's division head, named by about 1,000 shares: the
-- share lookup from 1.2 ms to 0.34 ms on SQLite; docs/benchmarks.md,
-- "Access engine"). They replace the indexes of 0002 they extend.

DROP INDEX customer_team_user;
CREATE INDEX customer_team_grantee ON customer_team (user_id, customer_id, expires_at, level);

DROP INDEX customer_shares_principal;
CREATE INDEX customer_shares_grantee ON customer_shares (principal_type, principal_id, customer_id, expires_at, level, include_sub);

-- Statistics for the new indexes: without them SQLite misjudged the shares
-- index and, for a nested OR of principals, read every department share.
ANALYZE customer_team;
ANALYZE customer_shares;
