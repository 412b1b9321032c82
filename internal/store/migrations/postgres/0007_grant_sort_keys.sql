-- The team and share branches of the permission filter return the
-- customers a grant names, newest activity first. Looked up by grantee and
-- then sorted, a grantee named by a thousand shares (a role shared with a
-- region) cost 7-9 ms on SQLite: every named customer read and sorted for a
-- page of 50. Each grant now carries its customer's last_activity_at as
-- sort_at, kept equal by every write that moves it (store/customers.go,
-- pools.go), so that a grantee's grants are one index range already in page
-- order and a page stops after about 50 of them (docs/benchmarks.md,
-- "Access engine"). The new indexes replace those of 0004 and cover the
-- same lookups.

ALTER TABLE customer_team ADD COLUMN sort_at BIGINT NOT NULL DEFAULT 0;
UPDATE customer_team SET sort_at = (SELECT c.last_activity_at FROM customers c WHERE c.id = customer_team.customer_id);
DROP INDEX customer_team_grantee;
CREATE INDEX customer_team_grantee ON customer_team (user_id, sort_at, customer_id, expires_at, level);

ALTER TABLE customer_shares ADD COLUMN sort_at BIGINT NOT NULL DEFAULT 0;
UPDATE customer_shares SET sort_at = (SELECT c.last_activity_at FROM customers c WHERE c.id = customer_shares.customer_id);
DROP INDEX customer_shares_grantee;
CREATE INDEX customer_shares_grantee ON customer_shares (principal_type, principal_id, sort_at, customer_id, expires_at, level, include_sub);
