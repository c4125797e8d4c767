/** Queries of the delivery_leases table: the concurrency slots attempts in flight hold. */
import type { Queryable } from './pool';

/** Frees an attempt's concurrency slot when it ends without an HTTP answer to record. */
export async function releaseLease(db: Queryable, attemptToken: string): Promise<void> {
  await db.query('DELETE FROM delivery_leases WHERE lease_id = $1', [attemptToken]);
}
