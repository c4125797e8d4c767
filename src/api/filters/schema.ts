/** Request schema of `POST /filters/test`: a pattern and an event to try it on. */
import { z } from 'zod';
import { eventPatternSchema } from '../common/schema';

export const filterTestBody = z.strictObject({
  filter: eventPatternSchema,
  event: z.record(z.string(), z.unknown(), 'must be a JSON object'),
});
