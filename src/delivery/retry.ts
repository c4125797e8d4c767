/** Retries on request: one delivery (its run signalled, or a new delivery when it has finished), or dead letters in bulk. */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ConfigDeletedError, ConfigDisabledError, ResourceNotFoundError, StateConflictError } from '../core/errors';
import { deliveryWorkflowId } from '../shared/temporal';
import { type DeliveryDispatcher, type DeliveryRef, deliveryRefOf } from './dispatcher';
import type { Publisher } from './publisher';
import { type ConfigState, getConfig, listConfigStates } from '../db/configs';
import { type DeadLetterFilter, listDeadLetters } from '../db/dead-letters';
import { type DeliveryRow, getDelivery, insertDeliveries } from '../db/deliveries';
import { uuidv7 } from '../db/ids';
import { type Pool, withTransaction } from '../db/pool';
import { getEvent } from '../db/events';
import { forEachLimited } from '../shared/limited';

/** Most dead letters one bulk retry takes on; the rest wait for another request. */
const BULK_RETRY_LIMIT = 1000;
const SIGNAL_CONCURRENCY = 32;

/** The answer of a single retry: the run signalled, or the new delivery that redelivers a finished one. */
export type DeliveryRetry = { deliveryId: string; retriedFrom: string; workflowId: string } | { deliveryId: string; workflowId: string | null };

/** The answer of a bulk retry: how many were signalled, how many matched, and which were skipped and why. */
export interface DeadLetterRetry {
  retried: number;
  matched: number;
  skipped: { deliveryId: string; configId: string; reason: string }[];
}

/** Why a delivery of this config is not retried: a disabled or deleted config would only fail it again at once. */
function retryRefusal(configId: string, config: ConfigState | undefined): ConfigDeletedError | ConfigDisabledError | undefined {
  if (!config) return new ConfigDeletedError(configId);
  if (!config.enabled) return new ConfigDisabledError(configId, config.disabled_reason);
  return undefined;
}

export function createRetrier(deps: { pool: Pool; dispatcher: DeliveryDispatcher; publisher: Publisher }) {

  /** A finished delivery is not reopened: the same event goes to the same config as a new delivery. */
  async function redeliver(row: DeliveryRow): Promise<DeliveryRetry> {
    const deliveryId = uuidv7();
    const ref: DeliveryRef = { ...deliveryRefOf(row), deliveryId, workflowId: deliveryWorkflowId(deliveryId) };
    await withTransaction(deps.pool, async (client) => {
      const event = await getEvent(client, row.org_id, row.event_id);
      if (!event) throw new StateConflictError(`event ${row.event_id} no longer exists`);
      await insertDeliveries(client, event, [ref], row.delivery_id);
    });
    await deps.publisher.startDeliveries([ref]);
    return { deliveryId, retriedFrom: row.delivery_id, workflowId: ref.workflowId };
  }

  /** Retries one delivery of the org: a refused retry leaves the delivery and its dead letter as they were. */
  async function retryDelivery(orgId: string, deliveryId: string): Promise<DeliveryRetry> {
    const row = await getDelivery(deps.pool, orgId, deliveryId);
    if (!row) throw new ResourceNotFoundError(`delivery ${deliveryId}`);
    if (row.test) throw new StateConflictError(`delivery ${deliveryId} is a test send: send another test instead`);
    // Checked before anything is sent: a refused retry leaves the delivery and its dead letter as they were.
    const refusal = retryRefusal(row.config_id, await getConfig(deps.pool, orgId, row.config_id));
    if (refusal) throw refusal;
    if (row.status === 'delivered' || row.status === 'expired') return redeliver(row);
    try {
      await deps.dispatcher.retry(deliveryRefOf(row), { reason: 'retry requested through the API' });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      // The run finished between our read and the signal.
      return redeliver(row);
    }
    return { deliveryId, workflowId: row.workflow_id };
  }

  /** Signals the runs of the org's dead letters that match, up to BULK_RETRY_LIMIT; those of disabled or deleted configs are skipped. */
  async function retryDeadLetters(orgId: string, filter: DeadLetterFilter): Promise<DeadLetterRetry> {
    const rows = await listDeadLetters(deps.pool, orgId, filter, BULK_RETRY_LIMIT);
    const states = await listConfigStates(deps.pool, orgId, [...new Set(rows.map((row) => row.config_id))]);
    const configOf = new Map(states.map((state) => [state.config_id, state]));
    const skipped: DeadLetterRetry['skipped'] = [];
    const retryable = rows.filter((row) => {
      const refusal = retryRefusal(row.config_id, configOf.get(row.config_id));
      if (refusal) skipped.push({ deliveryId: row.delivery_id, configId: row.config_id, reason: refusal.message });
      return !refusal;
    });
    let retried = 0;
    await forEachLimited(retryable, SIGNAL_CONCURRENCY, async (row) => {
      try {
        await deps.dispatcher.retry(deliveryRefOf(row), { reason: 'bulk dead-letter retry through the API' });
        retried += 1;
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    });
    return { retried, matched: rows.length, skipped };
  }

  return { retryDelivery, retryDeadLetters };
}

export type Retrier = ReturnType<typeof createRetrier>;
