/** Response views of the event-types resource. */
import { z } from 'zod';
import type { EventTypeRow } from '../../db/event-types';
import { iso, jsonObject, nullableTimestamp, timestamp } from '../common/view';

export const eventTypeSchema = z.strictObject({
  eventName: z.string().meta({ example: 'order.created' }),
  description: z.string().nullable().meta({ example: 'An order was placed' }),
  schema: jsonObject.nullable().meta({ description: 'JSON Schema that published data must satisfy', example: { type: 'object', required: ['orderId'] } }),
  eventBus: z.string().nullable().meta({ description: 'EventBridge bus of POST /aws/events entries mapped to this type', example: null }),
  eventSource: z.string().nullable().meta({ example: null }),
  eventDetailType: z.string().nullable().meta({ example: null }),
  orgIdPath: z.string().meta({ description: 'Path into an entry\'s Detail that names the org', example: 'orgId' }),
  maxPayloadBytes: z.number().int().nullable().meta({ description: 'Largest data accepted for this type; MAX_PAYLOAD_BYTES when null', example: null }),
  archived: z.boolean(),
  archivedAt: nullableTimestamp,
  createdAt: timestamp,
  updatedAt: timestamp,
}).meta({ id: 'EventType' });
export type EventTypeView = z.infer<typeof eventTypeSchema>;

export function eventTypeView(row: EventTypeRow): EventTypeView {
  return {
    eventName: row.name,
    description: row.description,
    schema: row.schema,
    eventBus: row.event_bus,
    eventSource: row.event_source,
    eventDetailType: row.event_detail_type,
    orgIdPath: row.org_id_path,
    maxPayloadBytes: row.max_payload_bytes,
    archived: row.archived_at !== null,
    archivedAt: iso(row.archived_at),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
