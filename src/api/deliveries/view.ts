/** Response views of the deliveries resource: a delivery, its summary in lists, and its attempts. */
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../shared/temporal';
import { iso, nullableTimestamp, type TemporalUiConfig, temporalUiUrl, timestamp, uuid } from '../common/view';
import { type AttemptRow } from '../../db/attempts';
import { type Cursor, type DeliveryRow } from '../../db/deliveries';

export const deliverySummarySchema = z.strictObject({
  deliveryId: uuid,
  eventId: uuid,
  configId: z.string().meta({ example: 'orders' }),
  eventName: z.string().meta({ example: 'order.created' }),
  status: z.enum(DELIVERY_STATUSES),
  attemptCount: z.number().int().meta({ example: 1 }),
  lastStatusCode: z.number().int().nullable().meta({ example: 200 }),
  lastError: z.string().nullable().meta({ example: null }),
  nextAttemptAt: nullableTimestamp,
  deliveredAt: nullableTimestamp,
  retriedFrom: uuid.nullable().meta({ description: 'The delivery this one redelivers', example: null }),
  test: z.boolean().meta({ description: 'A test send: one attempt, no workflow, never retried', example: false }),
  workflowId: z.string().nullable().meta({ description: 'Null for a test send', example: 'delivery-0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10' }),
  temporalUiUrl: z.string().nullable().meta({ example: 'http://localhost:8233/namespaces/default/workflows/delivery-0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10' }),
  createdAt: timestamp,
  updatedAt: timestamp,
}).meta({ id: 'DeliverySummary' });

export const attemptSchema = z.strictObject({
  attempt: z.number().int().meta({ example: 1 }),
  startedAt: timestamp,
  durationMs: z.number().meta({ example: 42 }),
  statusCode: z.number().int().nullable().meta({ example: 200 }),
  error: z.string().nullable().meta({ description: 'Error class: timeout, dns, connection_refused, tls, http_status, network, destination_blocked, auth_token', example: null }),
  errorMessage: z.string().nullable().meta({ example: null }),
  responseBody: z.string().nullable().meta({ description: 'The first 4 KiB of the answer', example: 'ok' }),
}).meta({ id: 'Attempt' });

export const deliverySchema = deliverySummarySchema.extend({ attempts: z.array(attemptSchema) }).meta({ id: 'Delivery' });

export function deliverySummaryView(row: DeliveryRow, config: TemporalUiConfig): z.infer<typeof deliverySummarySchema> {
  return {
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    configId: row.config_id,
    eventName: row.event_name,
    status: row.status,
    attemptCount: row.attempt_count,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: iso(row.next_attempt_at),
    deliveredAt: iso(row.delivered_at),
    retriedFrom: row.retried_from,
    test: row.test,
    workflowId: row.workflow_id,
    temporalUiUrl: row.workflow_id === null ? null : temporalUiUrl(config, row.workflow_id),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function deliveryView(row: DeliveryRow, attempts: AttemptRow[], config: TemporalUiConfig): z.infer<typeof deliverySchema> {
  return {
    ...deliverySummaryView(row, config),
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: a.started_at.toISOString(),
      durationMs: a.duration_ms,
      statusCode: a.status_code,
      error: a.error_class,
      errorMessage: a.error,
      responseBody: a.response_body,
    })),
  };
}

/** The opaque cursor of the next page of a list of deliveries. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}
