/** Routes of the events resource: publish an event, for any org or for one, and read it with its deliveries. */
import { Router } from 'express';
import type { Config } from '../../config';
import { listDeliveriesOfEvent } from '../../db/deliveries';
import { getEvent } from '../../db/events';
import type { Pool } from '../../db/pool';
import { NotFoundError, ValidationError } from '../errors';
import type { Publisher } from '../../delivery/publisher';
import { orgParams, parseInput } from '../common/schema';
import { eventParams, idempotencyHeader, orgPublishBody, publishBody } from './schema';
import { eventView } from './view';

/** The body's `idempotencyKey` and the `Idempotency-Key` header are the same thing; they may not disagree. */
function idempotencyKeyOf(bodyKey: string | undefined, header: unknown): string | undefined {
  const headerKey = parseInput(idempotencyHeader, header ?? undefined);
  if (bodyKey && headerKey && bodyKey !== headerKey) {
    throw new ValidationError([{ field: 'idempotencyKey', message: 'differs from the Idempotency-Key header' }]);
  }
  return bodyKey ?? headerKey;
}

export function eventsRouter(deps: { pool: Pool; publisher: Publisher; config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'> }): Router {
  const router = Router();

  router.post('/events', async (req, res) => {
    const body = parseInput(publishBody, req.body);
    const idempotencyKey = idempotencyKeyOf(body.idempotencyKey, req.get('idempotency-key'));
    res.status(202).json(await deps.publisher.publish({ ...body, idempotencyKey }));
  });

  router.post('/webhooks/:orgId/events', async (req, res) => {
    const { orgId } = parseInput(orgParams, req.params, 'path');
    const body = parseInput(orgPublishBody, req.body);
    const idempotencyKey = idempotencyKeyOf(body.idempotencyKey, req.get('idempotency-key'));
    res.status(202).json(await deps.publisher.publish({ ...body, orgId, idempotencyKey }));
  });

  router.get('/webhooks/:orgId/events/:eventId', async (req, res) => {
    const { orgId, eventId } = parseInput(eventParams, req.params, 'path');
    const event = await getEvent(deps.pool, orgId, eventId);
    if (!event) throw new NotFoundError(`event ${eventId}`);
    res.json(eventView(event, await listDeliveriesOfEvent(deps.pool, eventId), deps.config));
  });

  return router;
}
