/** Routes of the dead-letters resource: list an org's dead letters, and retry them in bulk. */
import { Router } from 'express';
import type { Retrier } from '../../delivery/retry';
import { orgParams, parseInput } from '../common/schema';
import type { TemporalUiConfig } from '../common/view';
import { deadLetterFilter, deadLettersQuery } from './schema';
import { deadLetterView } from './view';
import { type Pool } from '../../db/pool';
import { listDeadLetters } from '../../db/dead-letters';

export function deadLettersRouter(deps: { pool: Pool; retrier: Retrier; config: TemporalUiConfig }): Router {
  const router = Router();

  router.get('/webhooks/:orgId/dead-letters', async (req, res) => {
    const { orgId } = parseInput(orgParams, req.params, 'path');
    const { limit, ...filter } = parseInput(deadLettersQuery, req.query, 'query');
    const rows = await listDeadLetters(deps.pool, orgId, filter, limit);
    res.json({ items: rows.map((row) => deadLetterView(row, deps.config)) });
  });

  router.post('/webhooks/:orgId/dead-letters/retry', async (req, res) => {
    const { orgId } = parseInput(orgParams, req.params, 'path');
    const filter = parseInput(deadLetterFilter, req.body ?? {});
    res.status(202).json(await deps.retrier.retryDeadLetters(orgId, filter));
  });

  return router;
}
