-- Indexes for the queries that run at scale; plans before and after are in docs/operations.md
-- ("Query plans at 1,000,000 deliveries", reproduced by scripts/explain-hot-queries.ts).
-- IF NOT EXISTS: on a large table an operator may build them first with CREATE INDEX CONCURRENTLY.

-- The retention purge finds spent idempotency keys without reading the whole table in every batch.
CREATE INDEX IF NOT EXISTS idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- Delivery lists filtered by status, newest first, keyset-paginated on (created_at, delivery_id).
CREATE INDEX IF NOT EXISTS deliveries_org_status_created_idx ON deliveries (org_id, status, created_at DESC, delivery_id DESC);

-- No query needs deliveries by created_at alone: the reconciler reads deliveries_unstarted_idx and the
-- history purge events_created_idx and deliveries_event_idx. It cost every insert, and led the planner
-- to walk every org's deliveries for the list of a large org.
DROP INDEX IF EXISTS deliveries_created_idx;
