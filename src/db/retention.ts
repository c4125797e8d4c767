/**
 * The retention Schedule's queries: day partitions created ahead and dropped whole once past the retention,
 * and batched deletes (each call removes at most `batchSize` parent rows) for everything else.
 */
import type { Queryable } from './pool';

export interface HistoryPurge {
  events: number;
  deliveries: number;
  attempts: number;
}

/**
 * Dead letters past their retention stop being retryable; their deliveries end as expired when the
 * workflow did not get to it (for example after it was terminated by hand).
 */
export async function purgeExpiredDeadLetters(db: Queryable, batchSize: number): Promise<number> {
  const { rows } = await db.query<{ removed: string }>(
    `WITH doomed AS (
       SELECT delivery_id FROM dead_letters WHERE expires_at < now() ORDER BY expires_at LIMIT $1
     ), expired AS (
       UPDATE deliveries SET status = 'expired', next_attempt_at = NULL, updated_at = now()
       WHERE delivery_id IN (SELECT delivery_id FROM doomed) AND status = 'dead_lettered'
     ), removed AS (
       DELETE FROM dead_letters WHERE delivery_id IN (SELECT delivery_id FROM doomed) RETURNING 1
     )
     SELECT count(*) AS removed FROM removed`,
    [batchSize],
  );
  return Number(rows[0]?.removed ?? 0);
}

/**
 * Day partitions (migration 013) of events, deliveries and attempts for every UTC day from yesterday
 * (or the first day still inside the retention, if later) to `daysAhead` days from now. Returns how
 * many tables were created. Days retired are never created again.
 */
export async function createPartitionsAhead(db: Queryable, retentionMs: number, daysAhead: number): Promise<number> {
  const { rows } = await db.query<{ created: number }>(
    `SELECT create_history_partitions(
              greatest((now() AT TIME ZONE 'UTC')::date - 1,
                       ((now() - make_interval(secs => $1::double precision / 1000)) AT TIME ZONE 'UTC')::date),
              (now() AT TIME ZONE 'UTC')::date + $2::int) AS created`,
    [retentionMs, daysAhead],
  );
  return rows[0]?.created ?? 0;
}

/** UTC days (YYYY-MM-DD) with a partition whose whole day is older than the retention at `at` (the database's now). */
export async function listRetirableDays(db: Queryable, retentionMs: number, at: Date | null = null): Promise<string[]> {
  const { rows } = await db.query<{ day: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day FROM (
       SELECT to_date(substring(c.relname FROM '^events_p([0-9]{8})$'), 'YYYYMMDD') AS day
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_p[0-9]{8}$'
     ) p
     WHERE (day + 1)::timestamp AT TIME ZONE 'UTC' <= coalesce($2::timestamptz, now()) - make_interval(secs => $1::double precision / 1000)
     ORDER BY day`,
    [retentionMs, at],
  );
  return rows.map((row) => row.day);
}

/**
 * Drops the three partitions of one day; deliveries still pending, retrying or dead-lettered, their
 * attempts and the events of open deliveries move to the default partitions first.
 */
export async function retireDay(db: Queryable, day: string): Promise<HistoryPurge & { kept: number }> {
  const { rows } = await db.query<{ dropped_events: string; dropped_deliveries: string; dropped_attempts: string; kept_deliveries: string }>(
    'SELECT * FROM retire_history_day($1::date)',
    [day],
  );
  const row = rows[0];
  return {
    events: Number(row?.dropped_events ?? 0),
    deliveries: Number(row?.dropped_deliveries ?? 0),
    attempts: Number(row?.dropped_attempts ?? 0),
    kept: Number(row?.kept_deliveries ?? 0),
  };
}

/**
 * Rows of the default partitions (written before history was partitioned, or kept when their day was
 * retired) older than the retention: events with no delivery still in flight or retryable, with their
 * deliveries and attempts. Deleted row by row, as the default partitions hold few rows once the rows
 * written before partitioning have aged out. The ids go as arrays (`= ANY`), so each delete probes
 * the primary key instead of joining the batch against a scan of the partition.
 */
export async function purgeHistory(db: Queryable, olderThanMs: number, batchSize: number): Promise<HistoryPurge> {
  const { rows } = await db.query<{ events: string; deliveries: string; attempts: string }>(
    `WITH doomed AS (
       SELECT e.event_id FROM events_default e
       WHERE e.created_at < now() - make_interval(secs => $1::double precision / 1000)
         AND NOT EXISTS (
           SELECT 1 FROM deliveries d
           WHERE d.event_id = e.event_id AND d.status IN ('pending', 'retrying', 'dead_lettered'))
       ORDER BY e.created_at LIMIT $2
     ), doomed_deliveries AS (
       SELECT delivery_id FROM deliveries_default WHERE event_id = ANY (ARRAY(SELECT event_id FROM doomed))
     ), removed_attempts AS (
       DELETE FROM delivery_attempts_default WHERE delivery_id = ANY (ARRAY(SELECT delivery_id FROM doomed_deliveries)) RETURNING 1
     ), removed_deliveries AS (
       DELETE FROM deliveries_default WHERE delivery_id = ANY (ARRAY(SELECT delivery_id FROM doomed_deliveries)) RETURNING 1
     ), removed_events AS (
       DELETE FROM events_default WHERE event_id = ANY (ARRAY(SELECT event_id FROM doomed)) RETURNING 1
     )
     SELECT (SELECT count(*) FROM removed_events) AS events, (SELECT count(*) FROM removed_deliveries) AS deliveries,
            (SELECT count(*) FROM removed_attempts) AS attempts`,
    [olderThanMs, batchSize],
  );
  const row = rows[0];
  return { events: Number(row?.events ?? 0), deliveries: Number(row?.deliveries ?? 0), attempts: Number(row?.attempts ?? 0) };
}

/**
 * Idempotency keys past their 24 h, and concurrency leases left behind by crashed workers. The
 * outer `expires_at` condition lets the delete find its batch through idempotency_keys_expires_idx
 * (without it the planner joins the batch against a scan of the whole table).
 */
export async function purgeExpiredKeysAndLeases(db: Queryable, batchSize: number): Promise<number> {
  const { rows } = await db.query<{ removed: string }>(
    `WITH keys AS (
       DELETE FROM idempotency_keys WHERE expires_at < now() AND (org_id, idempotency_key) IN (
         SELECT org_id, idempotency_key FROM idempotency_keys WHERE expires_at < now() LIMIT $1)
       RETURNING 1
     ), leases AS (
       DELETE FROM delivery_leases WHERE lease_id IN (
         SELECT lease_id FROM delivery_leases WHERE expires_at < now() LIMIT $1)
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM keys) + (SELECT count(*) FROM leases) AS removed`,
    [batchSize],
  );
  return Number(rows[0]?.removed ?? 0);
}
