/** Queries of the idempotency_keys table: the answer a publish request with a key already got. */
import type { Queryable } from './pool';

/**
 * Claims an idempotency key for 24 h. Returns the stored answer when the key is already live;
 * a concurrent claim waits on the row lock and then sees the first answer.
 */
export async function claimIdempotencyKey(db: Queryable, orgId: string, key: string, eventId: string, response: unknown): Promise<unknown | undefined> {
  const claimed = await db.query(
    `INSERT INTO idempotency_keys (org_id, idempotency_key, event_id, response, expires_at)
     VALUES ($1, $2, $3, $4, now() + interval '24 hours')
     ON CONFLICT (org_id, idempotency_key) DO UPDATE
       SET event_id = EXCLUDED.event_id, response = EXCLUDED.response, expires_at = EXCLUDED.expires_at
       WHERE idempotency_keys.expires_at <= now()`,
    [orgId, key, eventId, JSON.stringify(response)],
  );
  if ((claimed.rowCount ?? 0) > 0) return undefined;
  const { rows } = await db.query<{ response: unknown }>(
    'SELECT response FROM idempotency_keys WHERE org_id = $1 AND idempotency_key = $2',
    [orgId, key],
  );
  return rows[0]?.response;
}
