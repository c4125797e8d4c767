-- A concurrency lease belongs to one attempt, not to its delivery: an attempt frees only its own
-- slot, never the lease of a later attempt of the same delivery.
ALTER TABLE delivery_leases ADD COLUMN lease_id uuid;
UPDATE delivery_leases SET lease_id = gen_random_uuid();
ALTER TABLE delivery_leases ALTER COLUMN lease_id SET NOT NULL;
ALTER TABLE delivery_leases DROP CONSTRAINT delivery_leases_pkey;
ALTER TABLE delivery_leases ADD PRIMARY KEY (lease_id);

DROP FUNCTION admit_delivery_attempt(text, text, uuid, integer, integer, boolean);

/*
 * Admission of one attempt, in one statement under the config's row lock, so limits hold across
 * workers: the circuit breaker first, then the concurrency cap, then the rate limit. An admitted
 * attempt holds the lease p_lease until it records its answer, releases it, or the lease expires.
 * Returns ('admitted' | 'probe' | 'circuit_open' | 'concurrency' | 'rate_limited' | 'missing', wait_ms).
 * p_force admits through an open circuit (a retry a person asked for) but not past the limits.
 * Leases of the same delivery do not count: one left by a crashed attempt does not hold up its retry.
 */
CREATE FUNCTION admit_delivery_attempt(p_org text, p_config text, p_delivery uuid, p_lease uuid, p_lease_ms integer,
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

  INSERT INTO delivery_leases (lease_id, delivery_id, org_id, config_id, expires_at)
  VALUES (p_lease, p_delivery, p_org, p_config, t + make_interval(secs => p_lease_ms / 1000.0))
  ON CONFLICT (lease_id) DO UPDATE SET expires_at = EXCLUDED.expires_at;

  RETURN QUERY SELECT CASE WHEN probe THEN 'probe' ELSE 'admitted' END::text, 0;
END
$$;
