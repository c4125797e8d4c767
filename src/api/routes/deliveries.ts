import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Router } from 'express';
import type { Config } from '../../config';
import { listAttempts } from '../../db/attempts';
import { type ConfigState, getConfig, listConfigStates } from '../../db/configs';
import { listDeadLetters } from '../../db/dead-letters';
import { type Cursor, type DeliveryRow, getDelivery, insertDeliveries, listDeliveries } from '../../db/deliveries';
import { getEvent } from '../../db/events';
import { uuidv7 } from '../../db/ids';
import { type Pool, withTransaction } from '../../db/pool';
import { deliveryWorkflowId } from '../../shared/temporal';
import { type DeliveryDispatcher, type DeliveryRef, deliveryRefOf } from '../../delivery/dispatcher';
import { ConfigDeletedError, ConfigDisabledError, ConflictError, type HttpError, NotFoundError, ValidationError } from '../errors';
import type { Publisher } from '../../delivery/publisher';
import { deadLetterFilter, deadLettersQuery, deliveriesQuery, deliveryParams, orgParams, parseInput } from '../validation';
import { deadLetterView, deliverySummaryView, deliveryView } from '../views';

const BULK_RETRY_LIMIT = 1000;
const SIGNAL_CONCURRENCY = 32;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new ValidationError([{ field: 'query.cursor', message: 'not a cursor returned by this API' }]);
  }
}

/** Why a delivery of this config is not retried: a disabled or deleted config would only fail it again at once. */
function retryRefusal(configId: string, config: ConfigState | undefined): HttpError | undefined {
  if (!config) return new ConfigDeletedError(configId);
  if (!config.enabled) return new ConfigDisabledError(configId, config.disabled_reason);
  return undefined;
}

async function mapLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<boolean>): Promise<number> {
  let next = 0;
  let succeeded = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      if (await work(item)) succeeded++;
    }
  });
  await Promise.all(lanes);
  return succeeded;
}

export function deliveriesRouter(deps: {
  pool: Pool;
  dispatcher: DeliveryDispatcher;
  publisher: Publisher;
  config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>;
}): Router {
  const router = Router();

  /** A finished delivery is not reopened: the same event goes to the same config as a new delivery. */
  async function redeliver(row: DeliveryRow): Promise<string> {
    const deliveryId = uuidv7();
    const ref: DeliveryRef = { ...deliveryRefOf(row), deliveryId, workflowId: deliveryWorkflowId(deliveryId) };
    await withTransaction(deps.pool, async (client) => {
      const event = await getEvent(client, row.org_id, row.event_id);
      if (!event) throw new ConflictError(`event ${row.event_id} no longer exists`);
      await insertDeliveries(client, event, [ref], row.delivery_id);
    });
    await deps.publisher.startDeliveries([ref]);
    return deliveryId;
  }

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
    const row = await getDelivery(deps.pool, orgId, deliveryId);
    if (!row) throw new NotFoundError(`delivery ${deliveryId}`);
    if (row.test) throw new ConflictError(`delivery ${deliveryId} is a test send: send another test instead`);
    // Checked before anything is sent: a refused retry leaves the delivery and its dead letter as they were.
    const refusal = retryRefusal(row.config_id, await getConfig(deps.pool, orgId, row.config_id));
    if (refusal) throw refusal;
    if (row.status === 'delivered' || row.status === 'expired') {
      const newId = await redeliver(row);
      res.status(202).json({ deliveryId: newId, retriedFrom: deliveryId, workflowId: deliveryWorkflowId(newId) });
      return;
    }
    try {
      await deps.dispatcher.retry(deliveryRefOf(row), { reason: 'retry requested through the API' });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      // The run finished between our read and the signal.
      const newId = await redeliver(row);
      res.status(202).json({ deliveryId: newId, retriedFrom: deliveryId, workflowId: deliveryWorkflowId(newId) });
      return;
    }
    res.status(202).json({ deliveryId, workflowId: row.workflow_id });
  });

  router.get('/webhooks/:orgId/dead-letters', async (req, res) => {
    const { orgId } = parseInput(orgParams, req.params, 'path');
    const { limit, ...filter } = parseInput(deadLettersQuery, req.query, 'query');
    const rows = await listDeadLetters(deps.pool, orgId, filter, limit);
    res.json({ items: rows.map((row) => deadLetterView(row, deps.config)) });
  });

  router.post('/webhooks/:orgId/dead-letters/retry', async (req, res) => {
    const { orgId } = parseInput(orgParams, req.params, 'path');
    const filter = parseInput(deadLetterFilter, req.body ?? {});
    const rows = await listDeadLetters(deps.pool, orgId, filter, BULK_RETRY_LIMIT);
    const states = await listConfigStates(deps.pool, orgId, [...new Set(rows.map((row) => row.config_id))]);
    const configOf = new Map(states.map((state) => [state.config_id, state]));
    const skipped: { deliveryId: string; configId: string; reason: string }[] = [];
    const retryable = rows.filter((row) => {
      const refusal = retryRefusal(row.config_id, configOf.get(row.config_id));
      if (refusal) skipped.push({ deliveryId: row.delivery_id, configId: row.config_id, reason: refusal.message });
      return !refusal;
    });
    const retried = await mapLimited(retryable, SIGNAL_CONCURRENCY, async (row) => {
      try {
        await deps.dispatcher.retry(deliveryRefOf(row), { reason: 'bulk dead-letter retry through the API' });
        return true;
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
        throw error;
      }
    });
    res.status(202).json({ retried, matched: rows.length, skipped });
  });

  return router;
}
