/** Request schema of `POST /transforms/test`: a transform and an event to apply it to. */
import { z } from 'zod';
import { transformSchema } from '../../delivery/transform';
import { eventNameSchema, idSchema } from '../common/schema';

/** An event as `POST /transforms/test` takes it; what is left out is filled in as a publish would. */
export const transformTestBody = z.strictObject({
  transform: transformSchema,
  event: z.strictObject({
    type: eventNameSchema,
    data: z.record(z.string(), z.unknown(), 'must be a JSON object'),
    eventId: z.string().max(128).optional(),
    timestamp: z.iso.datetime({ offset: true }).optional(),
    orgId: idSchema.optional(),
  }),
});
