import Ajv from 'ajv';
import { Router } from 'express';
import { createEventTypeQueries } from '../../db/event-types';
import type { Pool } from '../../db/pool';
import { NotFoundError, ValidationError } from '../errors';
import { eventTypeParams, includeArchivedQuery, parseInput, putEventTypeBody } from '../validation';
import { eventTypeView } from '../views';

export function eventTypesRouter(deps: { pool: Pool }): Router {
  const router = Router();
  const queries = createEventTypeQueries(deps.pool);
  const ajv = new Ajv({ strict: false });

  router.put('/event-types/:eventName', async (req, res) => {
    const { eventName } = parseInput(eventTypeParams, req.params, 'path');
    const body = parseInput(putEventTypeBody, req.body);
    if (body.schema) {
      try {
        ajv.compile(body.schema);
      } catch (error) {
        throw new ValidationError([{ field: 'schema', message: `not a valid JSON Schema: ${(error as Error).message}` }]);
      }
    }
    const { created, eventType } = await queries.upsertEventType(eventName, body.description ?? null, body.schema ?? null);
    res.status(created ? 201 : 200).json(eventTypeView(eventType));
  });

  router.get('/event-types', async (req, res) => {
    const { includeArchived } = parseInput(includeArchivedQuery, req.query, 'query');
    const rows = await queries.listEventTypes(includeArchived === 'true');
    res.json({ items: rows.map(eventTypeView) });
  });

  router.get('/event-types/:eventName', async (req, res) => {
    const { eventName } = parseInput(eventTypeParams, req.params, 'path');
    const row = await queries.getEventType(eventName);
    if (!row) throw new NotFoundError(`event type ${eventName}`);
    res.json(eventTypeView(row));
  });

  router.delete('/event-types/:eventName', async (req, res) => {
    const { eventName } = parseInput(eventTypeParams, req.params, 'path');
    const row = await queries.archiveEventType(eventName);
    if (!row) throw new NotFoundError(`event type ${eventName}`);
    res.json(eventTypeView(row));
  });

  return router;
}
