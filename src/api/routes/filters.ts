import { Router } from 'express';
import { matchPattern } from '../../delivery/event-pattern';
import { filterTestBody, parseInput } from '../validation';

/** `POST /filters/test`: tries a pattern on an event before it is saved on a config. Reads and writes nothing. */
export function filtersRouter(): Router {
  const router = Router();
  router.post('/filters/test', (req, res) => {
    const { filter, event } = parseInput(filterTestBody, req.body);
    res.json(matchPattern(filter, event));
  });
  return router;
}
