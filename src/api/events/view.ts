/** Response views of the events resource: an event with its deliveries. */
import { z } from 'zod';
import { jsonObject, type TemporalUiConfig, timestamp, uuid } from '../common/view';
import { deliverySummarySchema, deliverySummaryView } from '../deliveries/view';
import { type DeliveryRow } from '../../db/deliveries';
import { type EventRow } from '../../db/events';

export const eventSchema = z.strictObject({
  eventId: uuid,
  orgId: z.string().meta({ example: 'acme' }),
  eventName: z.string().meta({ example: 'order.created' }),
  data: jsonObject.meta({ example: { orderId: 'o-1' } }),
  envelope: z
    .strictObject({ source: z.string(), detailType: z.string(), bus: z.string(), time: z.string(), resources: z.array(z.string()) })
    .nullable()
    .meta({ description: 'The bus fields of an event put through POST /aws/events', example: null }),
  createdAt: timestamp,
  deliveries: z.array(deliverySummarySchema),
  filteredConfigs: z
    .array(z.strictObject({ configId: z.string(), reason: z.string() }))
    .meta({ description: 'Configs subscribed to the event that its filter skipped, with the first field that did not match', example: [] }),
}).meta({ id: 'Event' });

export function eventView(row: EventRow, deliveries: DeliveryRow[], config: TemporalUiConfig): z.infer<typeof eventSchema> {
  return {
    eventId: row.event_id,
    orgId: row.org_id,
    eventName: row.event_name,
    data: row.data as Record<string, unknown>,
    envelope: row.envelope,
    createdAt: row.created_at.toISOString(),
    deliveries: deliveries.map((d) => deliverySummaryView(d, config)),
    filteredConfigs: row.filtered_configs,
  };
}
