/** Queries of the delivery_attempts table: the attempts of a delivery, and the one statement that records an attempt. */
import type { DeliveryStatus } from '../shared/temporal';
import type { Queryable } from './pool';

export interface AttemptRow {
  attempt: number;
  started_at: Date;
  duration_ms: number;
  status_code: number | null;
  error_class: string | null;
  error: string | null;
  response_body: string | null;
}

/** What one attempt found, as its row of delivery_attempts keeps it (a live attempt's or a test send's). */
export interface AttemptFields {
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  errorClass: string | null;
  error: string | null;
  responseBody: string | null;
}

/** The values of `AttemptFields` in the order of their columns: started_at, duration_ms, status_code, error_class, error, response_body. */
export const attemptFieldValues = (fields: AttemptFields): unknown[] => [
  fields.startedAt,
  fields.durationMs,
  fields.statusCode,
  fields.errorClass,
  fields.error,
  fields.responseBody,
];

export interface AttemptRecord extends AttemptFields {
  deliveryId: string;
  /** One per attempt: keys its lease (freed by the same statement) and makes the write idempotent. */
  attemptToken: string;
  orgId: string;
  configId: string;
  /** Failed attempts in a row that open the config's circuit, and for how long. */
  circuit: { threshold: number; cooldownMs: number };
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

export async function listAttempts(db: Queryable, deliveryId: string): Promise<AttemptRow[]> {
  const { rows } = await db.query<AttemptRow>(
    `SELECT attempt, started_at, duration_ms, status_code, error_class, error, response_body
     FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`,
    [deliveryId],
  );
  return rows;
}

/**
 * Placeholders of the attempt statement's parameters, for the writes that ride along in it (see
 * `recordAttempt`). `written` names a CTE that holds one row when this call wrote the attempt, none when
 * the attempt token had been written before.
 */
export const ATTEMPT_PARAMS = {
  deliveryId: '$1',
  status: '$8',
  orgId: '$10',
  configId: '$11',
  circuitThreshold: '$12',
  circuitCooldownMs: '$13',
  attemptToken: '$14',
  written: 'd',
} as const;
export type AttemptParams = typeof ATTEMPT_PARAMS;

/** One more write in the attempt's statement: the body of a data-modifying CTE over `ATTEMPT_PARAMS`. */
export type AttemptWrite = (params: AttemptParams) => string;

/**
 * One statement: bumps the delivery's attempt counter, updates its status and writes the attempt row,
 * together with each of `alongside` (the config's health, its lease: see src/core/endpoint-health.ts).
 * Only a pending or retrying delivery changes status: an answer written after the delivery was
 * delivered, dead-lettered or expired is kept as an attempt and changes nothing else. Written again
 * with the same attempt token (the first write committed, its reply was lost), it changes nothing.
 * Returns the attempt number.
 */
export async function recordAttempt(db: Queryable, record: AttemptRecord, alongside: readonly AttemptWrite[]): Promise<number> {
  // Each write is a constant SQL text over the statement's own parameters: no value is spliced in.
  const writes = alongside.map((write, i) => `, also_${i + 1} AS (\n       ${write(ATTEMPT_PARAMS)}\n     )`).join('');
  const { rows } = await db.query<{ attempt: number }>(
    `WITH prior AS (
       SELECT attempt FROM delivery_attempts WHERE delivery_id = $1 AND attempt_token = $14
     ), d AS (
       UPDATE deliveries SET
         attempt_count = attempt_count + 1,
         status = CASE WHEN status IN ('pending', 'retrying') THEN $8 ELSE status END,
         last_status_code = CASE WHEN status IN ('pending', 'retrying') THEN $4 ELSE last_status_code END,
         last_error = CASE WHEN status IN ('pending', 'retrying') THEN $6 ELSE last_error END,
         next_attempt_at = CASE WHEN status IN ('pending', 'retrying') THEN $9 ELSE next_attempt_at END,
         delivered_at = CASE WHEN status IN ('pending', 'retrying') AND $8 = 'delivered' THEN now() ELSE delivered_at END,
         updated_at = now()
       WHERE delivery_id = $1 AND NOT EXISTS (SELECT 1 FROM prior)
       RETURNING attempt_count
     )${writes}, inserted AS (
       INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error_class, error, response_body, attempt_token)
       SELECT $1, d.attempt_count, $2, $3, $4, $5, $6, $7, $14 FROM d
       RETURNING attempt
     )
     SELECT attempt FROM inserted UNION ALL SELECT attempt FROM prior`,
    [
      record.deliveryId,
      ...attemptFieldValues(record),
      record.status,
      record.nextAttemptAt,
      record.orgId,
      record.configId,
      record.circuit.threshold,
      record.circuit.cooldownMs,
      record.attemptToken,
    ],
  );
  return rows[0]?.attempt ?? 0;
}
