/** Route of `POST /filters/test`: tries an event pattern on an event. */
import { Router } from 'express';
import type { z } from 'zod';
import { matchPattern } from '../../delivery/event-pattern';
import { parseInput } from '../common/schema';
import { filterTestBody } from './schema';
import type { filterVerdictSchema } from './view';

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
