/** Queries of test sends: an event, its delivery and its single attempt, written in one statement. */
import { type AttemptFields, attemptFieldValues } from './attempts';
import type { Queryable } from './pool';

/** One test send as it is kept: its event, its delivery marked `test`, and its single attempt. */
export interface TestSendRecord extends AttemptFields {
  eventId: string;
  deliveryId: string;
  orgId: string;
  configId: string;
  eventName: string;
  data: unknown;
  delivered: boolean;
}

/**
 * Writes the event, the delivery and its attempt in one statement. Nothing touches the config's
 * health, circuit or leases: a test send is no evidence about live traffic.
 */
export async function insertTestSend(db: Queryable, record: TestSendRecord): Promise<void> {
  await db.query(
    `WITH e AS (
       INSERT INTO events (event_id, org_id, event_name, data) VALUES ($1, $3, $5, $6) RETURNING event_id
     ), d AS (
       INSERT INTO deliveries (delivery_id, event_id, org_id, config_id, event_name, status, workflow_id, test,
                               attempt_count, last_status_code, last_error, delivered_at)
       SELECT $2, e.event_id, $3, $4, $5, CASE WHEN $13 THEN 'delivered' ELSE 'failed' END, NULL, true,
              1, $9, $11, CASE WHEN $13 THEN now() END
       FROM e
       RETURNING delivery_id
     )
     INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error_class, error, response_body)
     SELECT d.delivery_id, 1, $7, $8, $9, $10, $11, $12 FROM d`,
    [
      record.eventId,
      record.deliveryId,
      record.orgId,
      record.configId,
      record.eventName,
      JSON.stringify(record.data),
      ...attemptFieldValues(record),
      record.delivered,
    ],
  );
}
