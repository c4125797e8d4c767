-- Test sends: one signed POST to a config, made by the API at once and kept as a delivery marked
-- `test`. It has no workflow, is never retried, and leaves the config's health as it was. A test send
-- that got no 2xx ends as `failed`, a status only test sends take.
ALTER TABLE deliveries ADD COLUMN test boolean NOT NULL DEFAULT false;
ALTER TABLE deliveries ALTER COLUMN workflow_id DROP NOT NULL;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_workflow_id_check CHECK (test OR workflow_id IS NOT NULL);
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
  CHECK (status IN ('pending', 'retrying', 'delivered', 'dead_lettered', 'expired', 'failed'));
