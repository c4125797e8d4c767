-- Endpoint health, circuit breaker and per-config limits. State lives here so every worker shares it.
ALTER TABLE webhook_configs
  ADD COLUMN max_concurrency           integer NOT NULL DEFAULT 10 CHECK (max_concurrency BETWEEN 1 AND 1000),
  ADD COLUMN max_per_second            integer CHECK (max_per_second BETWEEN 1 AND 10000),
  ADD COLUMN rate_tokens               double precision,
  ADD COLUMN rate_updated_at           timestamptz,
  -- attempts that failed in a row (any config, any delivery); opens the circuit
  ADD COLUMN consecutive_failures      integer NOT NULL DEFAULT 0,
  -- deliveries that were dead-lettered in a row; disables the config
  ADD COLUMN consecutive_dead_letters  integer NOT NULL DEFAULT 0,
  ADD COLUMN failing_since             timestamptz,
  ADD COLUMN last_success_at           timestamptz,
  ADD COLUMN last_failure_at           timestamptz,
  -- NULL: closed. In the future: open, attempts wait. In the past: half-open, the next attempt is the probe.
  ADD COLUMN circuit_open_until        timestamptz;

-- One row per attempt in flight: the per-config concurrency cap counts them. A crashed worker's
-- lease stops counting when it expires.
CREATE TABLE delivery_leases (
  delivery_id  uuid PRIMARY KEY,
  org_id       text NOT NULL,
  config_id    text NOT NULL,
  expires_at   timestamptz NOT NULL
);
CREATE INDEX delivery_leases_config_idx ON delivery_leases (org_id, config_id, expires_at);

CREATE INDEX deliveries_created_idx ON deliveries (created_at);
CREATE INDEX events_created_idx ON events (created_at);
CREATE INDEX dead_letters_expires_idx ON dead_letters (expires_at);

-- Published by the service itself when it disables a failing config; other configs may subscribe.
INSERT INTO event_types (name, description)
VALUES ('webhook.config.disabled', 'A webhook config was disabled automatically after failing repeatedly')
ON CONFLICT (name) DO NOTHING;

/*
 * Admission of one attempt, in one statement under the config's row lock, so limits hold across
 * workers: the circuit breaker first, then the concurrency cap, then the rate limit.
 * Returns ('admitted' | 'probe' | 'circuit_open' | 'concurrency' | 'rate_limited' | 'missing', wait_ms).
 * p_force admits through an open circuit (a retry a person asked for) but not past the limits.
 */
CREATE FUNCTION admit_delivery_attempt(p_org text, p_config text, p_delivery uuid, p_lease_ms integer,
                                       p_cooldown_ms integer, p_force boolean)
RETURNS TABLE (decision text, wait_ms integer)
LANGUAGE plpgsql AS $$
DECLARE
  c          webhook_configs%ROWTYPE;
  t          timestamptz := clock_timestamp();
  in_flight  integer;
  tokens     double precision;
  probe      boolean := false;
BEGIN
  SELECT * INTO c FROM webhook_configs WHERE org_id = p_org AND config_id = p_config FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'missing'::text, 0;
    RETURN;
  END IF;

  IF c.circuit_open_until IS NOT NULL AND NOT p_force THEN
    IF c.circuit_open_until > t THEN
      RETURN QUERY SELECT 'circuit_open'::text, greatest(ceil(extract(epoch FROM c.circuit_open_until - t) * 1000), 1)::integer;
      RETURN;
    END IF;
    probe := true;
  END IF;

  SELECT count(*) INTO in_flight FROM delivery_leases
   WHERE org_id = p_org AND config_id = p_config AND expires_at > t AND delivery_id <> p_delivery;
  IF in_flight >= c.max_concurrency THEN
    RETURN QUERY SELECT 'concurrency'::text, 0;
    RETURN;
  END IF;

  IF c.max_per_second IS NOT NULL THEN
    tokens := least(c.max_per_second::double precision,
                    coalesce(c.rate_tokens, c.max_per_second) + extract(epoch FROM t - coalesce(c.rate_updated_at, t)) * c.max_per_second);
    IF tokens < 1 THEN
      RETURN QUERY SELECT 'rate_limited'::text, greatest(ceil((1 - tokens) / c.max_per_second * 1000), 1)::integer;
      RETURN;
    END IF;
    UPDATE webhook_configs SET rate_tokens = tokens - 1, rate_updated_at = t WHERE org_id = p_org AND config_id = p_config;
  END IF;

  IF probe THEN
    -- Half-open: this attempt probes; everyone else waits one more cooldown for its answer.
    UPDATE webhook_configs SET circuit_open_until = t + make_interval(secs => p_cooldown_ms / 1000.0)
     WHERE org_id = p_org AND config_id = p_config;
  END IF;

  INSERT INTO delivery_leases (delivery_id, org_id, config_id, expires_at)
  VALUES (p_delivery, p_org, p_config, t + make_interval(secs => p_lease_ms / 1000.0))
  ON CONFLICT (delivery_id) DO UPDATE SET expires_at = EXCLUDED.expires_at;

  RETURN QUERY SELECT CASE WHEN probe THEN 'probe' ELSE 'admitted' END::text, 0;
END
$$;
