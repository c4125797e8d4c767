/** Routes of the deliveries resource: list and read an org's deliveries, and retry one. */
import { Router } from 'express';
import type { Retrier } from '../../delivery/retry';
import { orgParams, parseInput } from '../common/schema';
import type { TemporalUiConfig } from '../common/view';
import { NotFoundError } from '../errors';
import { decodeCursor, deliveriesQuery, deliveryParams } from './schema';
import { deliverySummaryView, deliveryView, encodeCursor } from './view';
import { type Pool } from '../../db/pool';
import { getDelivery, listDeliveries } from '../../db/deliveries';
import { listAttempts } from '../../db/attempts';

export function deliveriesRouter(deps: { pool: Pool; retrier: Retrier; config: TemporalUiConfig }): Router {
  const router = Router();

  router.get('/webhooks/:orgId/deliveries', async (req, res) => {
    const { orgId } = parseInput(orgParams, req.params, 'path');
    const { cursor, limit, ...filter } = parseInput(deliveriesQuery, req.query, 'query');
    const page = await listDeliveries(deps.pool, orgId, filter, cursor ? decodeCursor(cursor) : null, limit);
    res.json({
      items: page.items.map((row) => deliverySummaryView(row, deps.config)),
      nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
    });
  });

  router.get('/webhooks/:orgId/deliveries/:deliveryId', async (req, res) => {
    const { orgId, deliveryId } = parseInput(deliveryParams, req.params, 'path');
    const row = await getDelivery(deps.pool, orgId, deliveryId);
    if (!row) throw new NotFoundError(`delivery ${deliveryId}`);
    res.json(deliveryView(row, await listAttempts(deps.pool, deliveryId), deps.config));
  });

  router.post('/webhooks/:orgId/deliveries/:deliveryId/retry', async (req, res) => {
    const { orgId, deliveryId } = parseInput(deliveryParams, req.params, 'path');
    res.status(202).json(await deps.retrier.retryDelivery(orgId, deliveryId));
  });

  return router;
}
