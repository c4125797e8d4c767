/** Routes of the deliveries resource: list and read an org's deliveries, and retry one. */
import { Router } from 'express';
import { createDeliveryQueries } from '../../db/deliveries';
import type { Pool } from '../../db/pool';
import type { Retrier } from '../../delivery/retry';
import { orgParams, parseInput } from '../common/schema';
import type { TemporalUiConfig } from '../common/view';
import { NotFoundError } from '../errors';
import { decodeCursor, deliveriesQuery, deliveryParams } from './schema';
import { deliverySummaryView, deliveryView, encodeCursor } from './view';

export function deliveriesRouter(deps: { pool: Pool; retrier: Retrier; config: TemporalUiConfig }): Router {
  const router = Router();
  const queries = createDeliveryQueries(deps.pool);

  router.get('/webhooks/:orgId/deliveries', async (req, res) => {
    const { orgId } = parseInput(orgParams, req.params, 'path');
    const { cursor, limit, ...filter } = parseInput(deliveriesQuery, req.query, 'query');
    const page = await queries.listDeliveries(orgId, filter, cursor ? decodeCursor(cursor) : null, limit);
    res.json({
      items: page.items.map((row) => deliverySummaryView(row, deps.config)),
      nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
    });
  });

  router.get('/webhooks/:orgId/deliveries/:deliveryId', async (req, res) => {
    const { orgId, deliveryId } = parseInput(deliveryParams, req.params, 'path');
    const row = await queries.getDelivery(orgId, deliveryId);
    if (!row) throw new NotFoundError(`delivery ${deliveryId}`);
    res.json(deliveryView(row, await queries.listAttempts(deliveryId), deps.config));
  });

  router.post('/webhooks/:orgId/deliveries/:deliveryId/retry', async (req, res) => {
    const { orgId, deliveryId } = parseInput(deliveryParams, req.params, 'path');
    res.status(202).json(await deps.retrier.retryDelivery(orgId, deliveryId));
  });

  return router;
}
