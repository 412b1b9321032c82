-- Least-privilege insights (internal/store/insights.go) ask, per user and
-- action, for the time of the latest entry: with this index that is the
-- last key of one range, one probe however long the trail is. Without it
-- the question reads every entry of the user (audit_events_actor orders
-- them by position, not by action). It is the trail's seventh secondary
-- index; docs/benchmarks.md ("Insights") measures what it adds to an
-- audited change.
CREATE INDEX audit_events_actor_action ON audit_events (tenant_id, actor_id, action, at);
