/** Routes of the event-types resource: register, list, read and archive event types. */
import { Router } from 'express';
import type { Config } from '../../config';
import { createEventTypeService } from '../../delivery/event-types';
import { NotFoundError } from '../errors';
import { parseInput } from '../common/schema';
import { eventTypeParams, includeArchivedQuery, putEventTypeBody } from './schema';
import { eventTypeView } from './view';
import { type Pool } from '../../db/pool';
import { archiveEventType, getEventType, listEventTypes } from '../../db/event-types';

export function eventTypesRouter(deps: { pool: Pool; config: Pick<Config, 'MAX_PAYLOAD_BYTES'> }): Router {
  const router = Router();
  const service = createEventTypeService({ pool: deps.pool, maxPayloadBytes: deps.config.MAX_PAYLOAD_BYTES });

  router.put('/event-types/:eventName', async (req, res) => {
    const { eventName } = parseInput(eventTypeParams, req.params, 'path');
    const body = parseInput(putEventTypeBody, req.body);
    const { created, eventType } = await service.put(eventName, body);
    res.status(created ? 201 : 200).json(eventTypeView(eventType));
  });

  router.get('/event-types', async (req, res) => {
    const { includeArchived } = parseInput(includeArchivedQuery, req.query, 'query');
    const rows = await listEventTypes(deps.pool, includeArchived === 'true');
    res.json({ items: rows.map(eventTypeView) });
  });

  router.get('/event-types/:eventName', async (req, res) => {
    const { eventName } = parseInput(eventTypeParams, req.params, 'path');
    const row = await getEventType(deps.pool, eventName);
    if (!row) throw new NotFoundError(`event type ${eventName}`);
    res.json(eventTypeView(row));
  });

  router.delete('/event-types/:eventName', async (req, res) => {
    const { eventName } = parseInput(eventTypeParams, req.params, 'path');
    const row = await archiveEventType(deps.pool, eventName);
    if (!row) throw new NotFoundError(`event type ${eventName}`);
    res.json(eventTypeView(row));
  });

  return router;
}
