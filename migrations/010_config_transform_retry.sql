-- A config's payload template (a JSONata expression, or {"preset": ...}) and its own retry policy
-- ({initialIntervalMs?, backoffCoefficient?, maximumIntervalMs?, windowMs?, maxAttempts?}).
ALTER TABLE webhook_configs ADD COLUMN transform jsonb;
ALTER TABLE webhook_configs ADD COLUMN retry_policy jsonb;
-- The config's retry policy as it was when the delivery was written: its workflow uses that one,
-- whatever the config says later (the reconciler and retries start workflows from this row).
ALTER TABLE deliveries ADD COLUMN retry_policy jsonb;
