/** Request schemas of `POST /aws/events`: EventBridge's PutEvents over its JSON 1.1 protocol, and its limits. */
import { z } from 'zod';

export const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
/** EventBridge's limits of one PutEvents request. */
export const MAX_PUT_EVENTS_ENTRIES = 10;
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

/**
 * PutEvents as EventBridge defines it (JSON 1.1). The route checks each entry itself, so that one bad entry
 * fails alone with EventBridge's error code; these schemas describe the request and shape the answers.
 */
export const putEventsEntrySchema = z
  .object({
    EventBusName: z.string().max(1600).optional().meta({ description: 'A bus name or ARN; `default` when left out', example: 'orders' }),
    Source: z.string().meta({ example: 'com.example.shop' }),
    DetailType: z.string().meta({ example: 'Order Created' }),
    Detail: z.string().meta({ description: 'A JSON object, as a string: the event\'s data', example: '{"account":{"orgId":"acme"},"orderId":"o-1"}' }),
    Time: z.union([z.number(), z.string()]).optional().meta({ description: 'Epoch seconds or an ISO-8601 timestamp; now when left out', example: 1764064800 }),
    Resources: z.array(z.string().max(2048)).max(100).optional().meta({ example: [] }),
  })
  .meta({ id: 'PutEventsRequestEntry' });

export const putEventsRequestSchema = z
  .object({ Entries: z.array(putEventsEntrySchema).min(1).max(MAX_PUT_EVENTS_ENTRIES) })
  .meta({ id: 'PutEventsRequest', description: 'EventBridge PutEvents; other members (EndpointId) are ignored' });
