/** Request schemas of the dead-letters resource: which dead letters to list or retry. */
import { z } from 'zod';
import { eventNameSchema, idSchema, limitSchema } from '../common/schema';

export const deadLetterFilter = z.strictObject({
  configId: idSchema.optional(),
  eventName: eventNameSchema.optional(),
  since: z.iso.datetime({ offset: true }).transform((value) => new Date(value)).optional(),
});

export const deadLettersQuery = z.object({ ...deadLetterFilter.shape, limit: limitSchema });
