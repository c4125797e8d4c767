import { Router } from 'express';
import { z } from 'zod';
import { matchPattern } from '../../delivery/event-pattern';
import { filterTestBody, parseInput } from '../validation';

/** The answer of `POST /filters/test`. */
export const filterVerdictSchema = z
  .strictObject({
    matches: z.boolean().meta({ example: false }),
    reason: z.string().meta({ description: '"matched", or the first field of the event that did not match', example: 'data.order.total: 80 does not match [{"numeric":[">",100]}]' }),
  })
  .meta({ id: 'FilterVerdict' });

/** `POST /filters/test`: tries a pattern on an event before it is saved on a config. Reads and writes nothing. */
export function filtersRouter(): Router {
  const router = Router();
  router.post('/filters/test', (req, res) => {
    const { filter, event } = parseInput(filterTestBody, req.body);
    const verdict: z.infer<typeof filterVerdictSchema> = matchPattern(filter, event);
    res.json(verdict);
  });
  return router;
}
