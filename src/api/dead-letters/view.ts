/** Response views of the dead-letters resource. */
import { z } from 'zod';
import type { DeadLetterRow } from '../../db/dead-letters';
import { type TemporalUiConfig, temporalUiUrl, timestamp, uuid } from '../common/view';

export const deadLetterSchema = z.strictObject({
  deliveryId: uuid,
  eventId: uuid,
  orgId: z.string().meta({ example: 'acme' }),
  configId: z.string().meta({ example: 'orders' }),
  eventName: z.string().meta({ example: 'order.created' }),
  reason: z.string().meta({ example: 'retry window of 24h ended' }),
  lastStatusCode: z.number().int().nullable().meta({ example: 503 }),
  lastError: z.string().nullable().meta({ example: 'HTTP 503' }),
  attemptCount: z.number().int().meta({ example: 18 }),
  createdAt: timestamp,
  expiresAt: timestamp,
  workflowId: z.string().meta({ example: 'delivery-0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10' }),
  temporalUiUrl: z.string().meta({ example: 'http://localhost:8233/namespaces/default/workflows/delivery-0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10' }),
}).meta({ id: 'DeadLetter' });

export function deadLetterView(row: DeadLetterRow, config: TemporalUiConfig): z.infer<typeof deadLetterSchema> {
  return {
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    orgId: row.org_id,
    configId: row.config_id,
    eventName: row.event_name,
    reason: row.reason,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    attemptCount: row.attempt_count,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    workflowId: row.workflow_id,
    temporalUiUrl: temporalUiUrl(config, row.workflow_id),
  };
}
