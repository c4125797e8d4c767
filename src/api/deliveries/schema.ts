/** Request schemas of the deliveries resource: listing deliveries (and reading their cursors) and naming one. */
import { z } from 'zod';
import type { Cursor } from '../../db/deliveries';
import { DELIVERY_STATUSES } from '../../shared/temporal';
import { eventNameSchema, idSchema, limitSchema, uuidSchema } from '../common/schema';
import { ValidationError } from '../errors';

export const deliveryParams = z.object({ orgId: idSchema, deliveryId: uuidSchema });

export const deliveriesQuery = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  configId: idSchema.optional(),
  eventName: eventNameSchema.optional(),
  cursor: z.string().max(512).optional(),
  limit: limitSchema,
});

export function decodeCursor(text: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new ValidationError([{ field: 'query.cursor', message: 'not a cursor returned by this API' }]);
  }
}
