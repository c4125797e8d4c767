/** Request schemas of the events resource: publishing an event, and reading one. */
import { z } from 'zod';
import { dataSchema, eventNameSchema, idSchema, uuidSchema } from '../common/schema';

const idempotencyKeySchema = z.string().min(1).max(255);

export const publishBody = z.strictObject({
  eventName: eventNameSchema,
  orgId: idSchema,
  data: dataSchema,
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const orgPublishBody = publishBody.omit({ orgId: true });

export const eventParams = z.object({ orgId: idSchema, eventId: uuidSchema });

export const idempotencyHeader = idempotencyKeySchema.optional();
