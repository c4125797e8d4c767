import type { Db } from './pool';

export interface HistoryPurge {
  events: number;
  deliveries: number;
  attempts: number;
}

/** Batched deletes for the retention Schedule. Each call removes at most `batchSize` parent rows. */
export function createRetentionQueries(db: Db) {
  return {
    /**
     * Dead letters past their retention stop being retryable; their deliveries end as expired when the
     * workflow did not get to it (for example after it was terminated by hand).
     */
    async purgeExpiredDeadLetters(batchSize: number): Promise<number> {
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
    },

    /**
     * Events older than the retention, with their deliveries and attempts (by cascade). An event with a
     * delivery still in flight or still retryable is kept until that delivery ends.
     */
    async purgeHistory(olderThanMs: number, batchSize: number): Promise<HistoryPurge> {
      const { rows } = await db.query<{ events: string; deliveries: string; attempts: string }>(
        `WITH doomed AS (
           SELECT e.event_id FROM events e
           WHERE e.created_at < now() - make_interval(secs => $1::double precision / 1000)
             AND NOT EXISTS (
               SELECT 1 FROM deliveries d
               WHERE d.event_id = e.event_id AND d.status IN ('pending', 'retrying', 'dead_lettered'))
           ORDER BY e.created_at LIMIT $2
         ), counts AS (
           SELECT count(DISTINCT d.delivery_id) AS deliveries, count(a.attempt) AS attempts
           FROM deliveries d LEFT JOIN delivery_attempts a ON a.delivery_id = d.delivery_id
           WHERE d.event_id IN (SELECT event_id FROM doomed)
         ), removed AS (
           DELETE FROM events WHERE event_id IN (SELECT event_id FROM doomed) RETURNING 1
         )
         SELECT (SELECT count(*) FROM removed) AS events, counts.deliveries, counts.attempts FROM counts`,
        [olderThanMs, batchSize],
      );
      const row = rows[0];
      return { events: Number(row?.events ?? 0), deliveries: Number(row?.deliveries ?? 0), attempts: Number(row?.attempts ?? 0) };
    },

    /**
     * Idempotency keys past their 24 h, and concurrency leases left behind by crashed workers. The
     * outer `expires_at` condition lets the delete find its batch through idempotency_keys_expires_idx
     * (without it the planner joins the batch against a scan of the whole table).
     */
    async purgeExpiredKeysAndLeases(batchSize: number): Promise<number> {
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
    },
  };
}
