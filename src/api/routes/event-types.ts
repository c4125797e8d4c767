import Ajv from 'ajv';
import { Router } from 'express';
import type { Config } from '../../config';
import { archiveEventType, BUS_TRIPLE_INDEX, findEventTypeByBusTriple, getEventType, listEventTypes, upsertEventType } from '../../db/event-types';
import type { Pool } from '../../db/pool';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { eventTypeParams, includeArchivedQuery, parseInput, putEventTypeBody } from '../validation';
import { eventTypeView } from '../views';

function isBusTripleTaken(error: unknown): boolean {
  const err = error as { code?: string; constraint?: string };
  return err.code === '23505' && err.constraint === BUS_TRIPLE_INDEX;
}

export function eventTypesRouter(deps: { pool: Pool; config: Pick<Config, 'MAX_PAYLOAD_BYTES'> }): Router {
  const router = Router();
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
    if (body.maxPayloadBytes !== undefined && body.maxPayloadBytes > deps.config.MAX_PAYLOAD_BYTES) {
      throw new ValidationError([{ field: 'maxPayloadBytes', message: `at most MAX_PAYLOAD_BYTES (${deps.config.MAX_PAYLOAD_BYTES})` }]);
    }
    const bus =
      body.eventBus !== undefined && body.eventSource !== undefined && body.eventDetailType !== undefined
        ? { eventBus: body.eventBus, eventSource: body.eventSource, eventDetailType: body.eventDetailType }
        : null;
    let written;
    try {
      written = await upsertEventType(deps.pool, eventName, {
        description: body.description ?? null,
        schema: body.schema ?? null,
        bus,
        orgIdPath: body.orgIdPath,
        maxPayloadBytes: body.maxPayloadBytes ?? null,
      });
    } catch (error) {
      if (!isBusTripleTaken(error)) throw error;
      const owner = bus ? await findEventTypeByBusTriple(deps.pool, bus.eventBus, bus.eventSource, bus.eventDetailType) : undefined;
      throw new ConflictError(`eventBus, eventSource and eventDetailType already map to event type "${owner?.name ?? 'another'}"`);
    }
    const { created, eventType } = written;
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
