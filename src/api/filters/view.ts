/** Response view of `POST /filters/test`: whether the pattern matched, and why not. */
import { z } from 'zod';

/** The answer of `POST /filters/test`. */
export const filterVerdictSchema = z
  .strictObject({
    matches: z.boolean().meta({ example: false }),
    reason: z.string().meta({ description: '"matched", or the first field of the event that did not match', example: 'data.order.total: 80 does not match [{"numeric":[">",100]}]' }),
  })
  .meta({ id: 'FilterVerdict' });
