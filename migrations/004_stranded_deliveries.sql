-- When the reconciler last asked Temporal about the workflow of a delivery still in flight.
ALTER TABLE deliveries ADD COLUMN workflow_checked_at timestamptz;

-- Deliveries in flight whose workflow started, least recently checked first. Only pending and retrying
-- rows are in it, so it stays as small as the work in flight however long the history grows.
CREATE INDEX deliveries_in_flight_check_idx ON deliveries ((coalesce(workflow_checked_at, workflow_started_at)))
  WHERE status IN ('pending', 'retrying') AND workflow_started_at IS NOT NULL;
