/** Request schemas of the event-types resource, with EventBridge's rules for the bus fields that map entries to a type. */
import { z } from 'zod';
import { eventNameSchema } from '../common/schema';

/** EventBridge's own rules for bus names, sources and detail types. */
export const eventBusNameSchema = z.string().regex(/^[/.\-_A-Za-z0-9]{1,256}$/, 'expected 1-256 characters of A-Z, a-z, 0-9, "/", ".", "-" or "_"');
export const eventSourceSchema = z.string().min(1).max(256);
export const eventDetailTypeSchema = z.string().min(1).max(128);
/** A dotted path into an object, e.g. `orgId` or `account.org.id`. */
export const ORG_ID_PATH_PATTERN = /^[A-Za-z0-9_$-]{1,64}(\.[A-Za-z0-9_$-]{1,64}){0,15}$/;

export const putEventTypeBody = z
  .strictObject({
    description: z.string().max(1024).optional(),
    schema: z.record(z.string(), z.unknown()).optional(),
    eventBus: eventBusNameSchema.optional(),
    eventSource: eventSourceSchema.optional(),
    eventDetailType: eventDetailTypeSchema.optional(),
    orgIdPath: z.string().regex(ORG_ID_PATH_PATTERN, 'expected a dotted path of at most 16 names, e.g. "orgId" or "account.orgId"').default('orgId'),
    maxPayloadBytes: z.number().int().min(1).optional(),
  })
  .superRefine((body, ctx) => {
    const given = (['eventBus', 'eventSource', 'eventDetailType'] as const).filter((key) => body[key] !== undefined);
    if (given.length > 0 && given.length < 3) {
      for (const key of (['eventBus', 'eventSource', 'eventDetailType'] as const).filter((k) => body[k] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'eventBus, eventSource and eventDetailType go together: give all three or none' });
      }
    }
  });

export const eventTypeParams = z.object({ eventName: eventNameSchema });

export const includeArchivedQuery = z.object({ includeArchived: z.enum(['true', 'false']).optional() });
