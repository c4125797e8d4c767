/** Response view of `POST /transforms/test`: the body a transform would send. */
import { z } from 'zod';

/** The answer of `POST /transforms/test`. */
export const transformResultSchema = z
  .strictObject({
    body: z.unknown().meta({ description: 'The JSON body a config with this transform would send', example: { text: 'Order o-1 was placed' } }),
    bytes: z.number().int().meta({ description: 'Its size as sent, in bytes', example: 31 }),
  })
  .meta({ id: 'TransformResult' });
