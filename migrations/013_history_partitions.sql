-- History partitioned by day: events, deliveries and delivery_attempts become range-partitioned tables,
-- one partition per UTC day, so that retention drops a whole day instead of deleting its rows.
--
-- The partition key is the row's id. Ids are UUIDv7 from now on: their first 48 bits are the Unix time in
-- milliseconds, so the ids of one day form one contiguous range, and every lookup by id (a delivery, its
-- attempts, its event) reads one partition. Primary keys stay as they are, since they already hold the key.
-- An attempt lives in the partition of its delivery, so a day's deliveries and attempts retire together.
--
-- The default partition of each table holds the rows no day partition takes: rows written before this
-- migration (random UUIDv4 ids), and rows kept when their day was retired (deliveries still pending,
-- retrying or dead-lettered, their attempts and their events). The retention purge deletes those rows one
-- by one once they end and pass HISTORY_RETENTION, as it did before for everything.
--
-- Existing rows are not copied: each table is renamed to <table>_default and attached as the default
-- partition. Postgres scans each once to check that no row belongs in a day partition.

-- The foreign keys between the three tables (and from dead_letters) go: whole days retire together, and
-- a kept delivery keeps its event and attempts. Without them a partition can be detached and dropped
-- without Postgres reading the tables that referenced it.
ALTER TABLE delivery_attempts DROP CONSTRAINT IF EXISTS delivery_attempts_delivery_id_fkey;
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_event_id_fkey;
ALTER TABLE dead_letters DROP CONSTRAINT IF EXISTS dead_letters_delivery_id_fkey;

/* The first UUIDv7 of a UTC day: the lower bound of its partition (and the upper bound of the day before). */
CREATE FUNCTION history_day_bound(p_day date) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT (lpad(to_hex((extract(epoch FROM p_day::timestamp) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid
$$;

-- events
ALTER TABLE events RENAME TO events_default;
ALTER INDEX events_pkey RENAME TO events_default_pkey;
ALTER INDEX events_org_created_idx RENAME TO events_default_org_created_idx;
-- Only the purge of the default partition reads events by age: the index stays on it alone.
ALTER INDEX events_created_idx RENAME TO events_default_created_idx;
CREATE TABLE events (LIKE events_default INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (event_id);
ALTER TABLE events ADD PRIMARY KEY (event_id);
CREATE INDEX events_org_created_idx ON events (org_id, created_at DESC);

-- deliveries
ALTER TABLE deliveries RENAME TO deliveries_default;
ALTER INDEX deliveries_pkey RENAME TO deliveries_default_pkey;
ALTER INDEX deliveries_org_created_idx RENAME TO deliveries_default_org_created_idx;
ALTER INDEX deliveries_event_idx RENAME TO deliveries_default_event_idx;
ALTER INDEX deliveries_unstarted_idx RENAME TO deliveries_default_unstarted_idx;
ALTER INDEX deliveries_in_flight_check_idx RENAME TO deliveries_default_in_flight_check_idx;
ALTER INDEX deliveries_org_status_created_idx RENAME TO deliveries_default_org_status_created_idx;
CREATE TABLE deliveries (LIKE deliveries_default INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (delivery_id);
ALTER TABLE deliveries ADD PRIMARY KEY (delivery_id);
CREATE INDEX deliveries_org_created_idx ON deliveries (org_id, created_at DESC, delivery_id DESC);
CREATE INDEX deliveries_event_idx ON deliveries (event_id);
CREATE INDEX deliveries_unstarted_idx ON deliveries (created_at) WHERE workflow_started_at IS NULL;
CREATE INDEX deliveries_in_flight_check_idx ON deliveries ((coalesce(workflow_checked_at, workflow_started_at)))
  WHERE status IN ('pending', 'retrying') AND workflow_started_at IS NOT NULL;
CREATE INDEX deliveries_org_status_created_idx ON deliveries (org_id, status, created_at DESC, delivery_id DESC);
-- The events that must outlive their day: those of deliveries still open (in flight or dead-lettered).
-- As small as the work in flight plus the live dead letters, however long the history.
CREATE INDEX deliveries_open_event_idx ON deliveries (event_id) WHERE status IN ('pending', 'retrying', 'dead_lettered');

-- delivery_attempts: the answer token is unique per delivery (a unique index must hold the partition key),
-- and recordAttempt looks it up with the delivery's id, so the lookup reads one partition.
DROP INDEX delivery_attempts_token_idx;
ALTER TABLE delivery_attempts RENAME TO delivery_attempts_default;
ALTER INDEX delivery_attempts_pkey RENAME TO delivery_attempts_default_pkey;
CREATE TABLE delivery_attempts (LIKE delivery_attempts_default INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE (delivery_id);
ALTER TABLE delivery_attempts ADD PRIMARY KEY (delivery_id, attempt);
CREATE UNIQUE INDEX delivery_attempts_token_idx ON delivery_attempts (delivery_id, attempt_token);

/*
 * Creates the day partitions of the three tables for every UTC day from p_from to p_to that has none, and
 * returns how many tables it created. Rows of such a day already in the default partition (written while
 * the day had no partition) move into it first. Run by the retention Schedule ahead of time.
 */
CREATE FUNCTION create_history_partitions(p_from date, p_to date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  d        date;
  t        text;
  name     text;
  key      text;
  created  integer := 0;
BEGIN
  -- One creator at a time (two workers' Schedules, a migration).
  PERFORM pg_advisory_xact_lock(727002);
  FOR d IN SELECT generate_series(p_from, p_to, interval '1 day')::date LOOP
    FOREACH t IN ARRAY ARRAY['events', 'deliveries', 'delivery_attempts'] LOOP
      name := t || '_p' || to_char(d, 'YYYYMMDD');
      CONTINUE WHEN to_regclass(name) IS NOT NULL;
      key := CASE t WHEN 'events' THEN 'event_id' ELSE 'delivery_id' END;
      EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name, t);
      EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
                     t || '_default', key, key, name)
        USING history_day_bound(d), history_day_bound(d + 1);
      EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                     t, name, history_day_bound(d), history_day_bound(d + 1));
      created := created + 1;
    END LOOP;
  END LOOP;
  RETURN created;
END
$$;

/*
 * Retires one UTC day: detaches and drops its three partitions, after copying into the default partitions
 * what must outlive it: deliveries still pending, retrying or dead-lettered, with their attempts, and every
 * event of that day that a delivery still open refers to (a redelivery made later may be the one open).
 * Returns the rows dropped (counted before the day was locked) and the deliveries kept.
 * The three tables are locked for the copy of the rows kept and the detach: milliseconds, as what a day
 * keeps after HISTORY_RETENTION is only its live dead letters.
 */
CREATE FUNCTION retire_history_day(p_day date)
RETURNS TABLE (dropped_events bigint, dropped_deliveries bigint, dropped_attempts bigint, kept_deliveries bigint)
LANGUAGE plpgsql AS $$
DECLARE
  suffix   text := to_char(p_day, 'YYYYMMDD');
  ev       text := 'events_p' || suffix;
  dl       text := 'deliveries_p' || suffix;
  att      text := 'delivery_attempts_p' || suffix;
  n_ev     bigint;
  n_dl     bigint;
  n_at     bigint;
  k_ev     bigint;
  k_dl     bigint;
  k_at     bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(727002);
  IF to_regclass(ev) IS NULL OR to_regclass(dl) IS NULL OR to_regclass(att) IS NULL THEN
    RETURN;
  END IF;
  -- Statistics would do for a report, but a purge that says exactly what it removed is easier to trust.
  EXECUTE format('SELECT count(*) FROM %I', ev) INTO n_ev;
  EXECUTE format('SELECT count(*) FROM %I', dl) INTO n_dl;
  EXECUTE format('SELECT count(*) FROM %I', att) INTO n_at;

  -- The order every writer takes them in (an event before its deliveries, a delivery before its attempts).
  -- Behind a long transaction the lock would queue every writer after it: give up instead, and let the
  -- next run retire the day.
  PERFORM set_config('lock_timeout', '5s', true);
  LOCK TABLE events, deliveries, delivery_attempts IN ACCESS EXCLUSIVE MODE;
  EXECUTE format($q$CREATE TEMP TABLE retire_kept_deliveries ON COMMIT DROP AS
                     SELECT * FROM %I WHERE status IN ('pending', 'retrying', 'dead_lettered')$q$, dl);
  EXECUTE format($q$CREATE TEMP TABLE retire_kept_events ON COMMIT DROP AS
                     SELECT * FROM %I WHERE event_id IN (
                       SELECT event_id FROM deliveries WHERE status IN ('pending', 'retrying', 'dead_lettered'))$q$, ev);
  EXECUTE format($q$CREATE TEMP TABLE retire_kept_attempts ON COMMIT DROP AS
                     SELECT * FROM %I WHERE delivery_id IN (SELECT delivery_id FROM retire_kept_deliveries)$q$, att);
  EXECUTE format('ALTER TABLE events DETACH PARTITION %I', ev);
  EXECUTE format('ALTER TABLE deliveries DETACH PARTITION %I', dl);
  EXECUTE format('ALTER TABLE delivery_attempts DETACH PARTITION %I', att);
  -- The day has no partition any more: these land in the default partitions.
  INSERT INTO events SELECT * FROM retire_kept_events;
  GET DIAGNOSTICS k_ev = ROW_COUNT;
  INSERT INTO deliveries SELECT * FROM retire_kept_deliveries;
  GET DIAGNOSTICS k_dl = ROW_COUNT;
  INSERT INTO delivery_attempts SELECT * FROM retire_kept_attempts;
  GET DIAGNOSTICS k_at = ROW_COUNT;
  EXECUTE format('DROP TABLE %I, %I, %I', ev, dl, att);
  DROP TABLE retire_kept_deliveries, retire_kept_events, retire_kept_attempts;
  RETURN QUERY SELECT n_ev - k_ev, n_dl - k_dl, n_at - k_at, k_dl;
END
$$;

-- Partitions from yesterday (a clock behind the database's) to a week ahead, before the old tables
-- become the default partitions: each table is then scanned once, by the attach below, and not once per day.
SELECT create_history_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 7);

ALTER TABLE events ATTACH PARTITION events_default DEFAULT;
ALTER TABLE deliveries ATTACH PARTITION deliveries_default DEFAULT;
ALTER TABLE delivery_attempts ATTACH PARTITION delivery_attempts_default DEFAULT;
