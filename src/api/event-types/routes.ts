/** Routes of the event-types resource: register, list, read and archive event types. */
import { type Request, type Response, Router } from 'express';
import type { Config } from '../../config';
import { createEventTypeService } from '../../delivery/event-types';
import { NotFoundError } from '../errors';
import { parseInput } from '../common/schema';
import { eventTypeParams, includeArchivedQuery, putEventTypeBody } from './schema';
import { eventTypeView } from './view';
import { type Pool } from '../../db/pool';
import { archiveEventType, type EventTypeRow, getEventType, listEventTypes } from '../../db/event-types';

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

  /** Answers the event type that `find` reads (or archives) by its name; 404 when there is none. */
  const answerEventType = (find: (db: Pool, eventName: string) => Promise<EventTypeRow | undefined>) => async (req: Request, res: Response) => {
    const { eventName } = parseInput(eventTypeParams, req.params, 'path');
    const row = await find(deps.pool, eventName);
    if (!row) throw new NotFoundError(`event type ${eventName}`);
    res.json(eventTypeView(row));
  };

  router.get('/event-types/:eventName', answerEventType(getEventType));
  router.delete('/event-types/:eventName', answerEventType(archiveEventType));

  return router;
}
