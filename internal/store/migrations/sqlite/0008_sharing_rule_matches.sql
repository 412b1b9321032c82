-- The customers each sharing rule matches, kept in step with the rules and
-- the customers by every write that can change a match (store/rule_matches.go),
-- with the customer's last_activity_at as sort_at: a page sorted by activity
-- reads a rule's customers as one ordered index range. The rows are filled
-- for existing rules by the Go step of this migration (store/migrate.go).

CREATE TABLE sharing_rule_matches (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id),
    rule_id     BIGINT NOT NULL REFERENCES sharing_rules(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    sort_at     BIGINT NOT NULL,
    PRIMARY KEY (rule_id, customer_id)
);
CREATE INDEX sharing_rule_matches_order ON sharing_rule_matches (rule_id, sort_at, customer_id);
CREATE INDEX sharing_rule_matches_customer ON sharing_rule_matches (customer_id);
