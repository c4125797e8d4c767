/** Queries of the dead_letters table: deliveries that ran out of retries, kept retryable until they expire. */
import type { Queryable } from './pool';

export interface DeadLetterRow {
  delivery_id: string;
  event_id: string;
  org_id: string;
  config_id: string;
  event_name: string;
  reason: string;
  last_status_code: number | null;
  last_error: string | null;
  attempt_count: number;
  created_at: Date;
  expires_at: Date;
  retried_at: Date | null;
  workflow_id: string;
}

export interface DeadLetterFilter {
  configId?: string;
  eventName?: string;
  since?: Date;
}

/** Writes (or refreshes, after a retried window is spent again) the record and marks the delivery. */
export async function recordDeadLetter(db: Queryable, deliveryId: string, reason: string, expiresAt: Date): Promise<DeadLetterRow | undefined> {
  const { rows } = await db.query<DeadLetterRow>(
    `WITH d AS (
       UPDATE deliveries SET status = 'dead_lettered', next_attempt_at = NULL, updated_at = now()
       WHERE delivery_id = $1 AND status <> 'delivered'
       RETURNING *
     )
     INSERT INTO dead_letters (delivery_id, event_id, org_id, config_id, event_name, reason,
                               last_status_code, last_error, attempt_count, expires_at)
     SELECT delivery_id, event_id, org_id, config_id, event_name, $2, last_status_code, last_error, attempt_count, $3
     FROM d
     ON CONFLICT (delivery_id) DO UPDATE SET
       reason = EXCLUDED.reason, last_status_code = EXCLUDED.last_status_code, last_error = EXCLUDED.last_error,
       attempt_count = EXCLUDED.attempt_count, created_at = now(), expires_at = EXCLUDED.expires_at, retried_at = NULL
     RETURNING *, (SELECT workflow_id FROM d) AS workflow_id`,
    [deliveryId, reason, expiresAt],
  );
  return rows[0];
}

/** A dead letter retried, also one just marked expired while its retry was on its way. */
export async function markDeadLetterRetried(db: Queryable, deliveryId: string): Promise<void> {
  await db.query(
    `WITH dl AS (UPDATE dead_letters SET retried_at = now() WHERE delivery_id = $1 AND retried_at IS NULL RETURNING delivery_id)
     UPDATE deliveries SET status = 'retrying', updated_at = now()
     WHERE delivery_id = $1 AND status IN ('dead_lettered', 'expired')`,
    [deliveryId],
  );
}

export async function markExpired(db: Queryable, deliveryId: string): Promise<void> {
  await db.query(
    `UPDATE deliveries SET status = 'expired', next_attempt_at = NULL, updated_at = now()
     WHERE delivery_id = $1 AND status = 'dead_lettered'`,
    [deliveryId],
  );
}

/**
 * Live (not retried, not expired) dead letters of an org, newest first. A delivery retried into a new
 * run of its workflow (its run had ended abnormally) is no longer dead-lettered once that run attempts it.
 */
export async function listDeadLetters(db: Queryable, orgId: string, filter: DeadLetterFilter, limit: number): Promise<DeadLetterRow[]> {
  const { rows } = await db.query<DeadLetterRow>(
    `SELECT dl.*, d.workflow_id FROM dead_letters dl JOIN deliveries d USING (delivery_id)
     WHERE dl.org_id = $1 AND dl.retried_at IS NULL AND dl.expires_at > now() AND d.status = 'dead_lettered'
       AND ($2::text IS NULL OR dl.config_id = $2)
       AND ($3::text IS NULL OR dl.event_name = $3)
       AND ($4::timestamptz IS NULL OR dl.created_at >= $4)
     ORDER BY dl.created_at DESC, dl.delivery_id DESC
     LIMIT $5`,
    [orgId, filter.configId ?? null, filter.eventName ?? null, filter.since ?? null, limit],
  );
  return rows;
}
