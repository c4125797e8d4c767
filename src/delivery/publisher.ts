/** Publishing: checks an event, fans it out to the matching enabled configs and writes it with its deliveries in one transaction. */
import { SpanStatusCode, trace } from '@opentelemetry/api';
import Ajv, { type ValidateFunction } from 'ajv';
import { EventTypeArchivedError, EventTypeNotRegisteredError, InvalidFieldError, PayloadTooLargeError, SchemaMismatchError } from '../core/errors';
import { findMatchingConfigs } from '../db/configs';
import { insertDeliveries } from '../db/deliveries';
import { getEventType } from '../db/event-types';
import { type EventEnvelope, type FilteredConfig, insertEvent } from '../db/events';
import { claimIdempotencyKey } from '../db/idempotency';
import { uuidv7 } from '../db/ids';
import { type Queryable, type Pool, withTransaction } from '../db/pool';
import { matchPattern } from './event-pattern';
import type { Logger } from '../logger';
import { retryOverrideOf } from '../shared/retry-policy';
import { deliveryWorkflowId } from '../shared/temporal';
import type { DeliveryDispatcher, DeliveryRef } from './dispatcher';
import { type DeliveryStarter, startCommittedDeliveries } from './starter';
import { addLogFields } from '../observability/log-context';

const tracer = trace.getTracer('temporal-webhooks');

export interface PublishRequest {
  orgId: string;
  eventName: string;
  data: Record<string, unknown>;
  idempotencyKey?: string;
  /** Bus fields of an event put through PutEvents. */
  envelope?: EventEnvelope;
}

export interface PublishResponse {
  eventId: string;
  deliveries: { deliveryId: string; configId: string; workflowId: string }[];
}

/** The event as a config's filter matches it: the delivered body's fields, and `orgId`. */
export function filterView(eventId: string, request: PublishRequest, now: Date): Record<string, unknown> {
  return { type: request.eventName, eventId, timestamp: now.toISOString(), orgId: request.orgId, ...(request.envelope ?? {}), data: request.data };
}

/**
 * Writes one event and one delivery per matching enabled config with `db`, which may be a client inside
 * the caller's transaction: the rows commit, or roll back, with whatever else that transaction writes.
 * A live idempotency key is claimed first; when it was already used, nothing is written and the first
 * answer comes back with no refs to start. The caller starts the refs after commit.
 */
export async function writeEvent(db: Queryable, request: PublishRequest): Promise<{ response: PublishResponse; refs: DeliveryRef[] }> {
  const eventId = uuidv7();
  const subscribed = await findMatchingConfigs(db, request.orgId, request.eventName);
  // Each config's filter sees the event as its receiver would: the body's fields, and the org.
  const seen = filterView(eventId, request, new Date());
  const filteredConfigs: FilteredConfig[] = [];
  const configs = subscribed.filter((config) => {
    if (!config.filter) return true;
    const verdict = matchPattern(config.filter, seen);
    if (!verdict.matches) filteredConfigs.push({ configId: config.config_id, reason: verdict.reason });
    return verdict.matches;
  });
  const refs: DeliveryRef[] = configs.map((config) => {
    const deliveryId = uuidv7();
    return {
      deliveryId,
      eventId,
      orgId: request.orgId,
      configId: config.config_id,
      eventName: request.eventName,
      workflowId: deliveryWorkflowId(deliveryId),
      retryPolicy: retryOverrideOf(config.retry_policy),
    };
  });
  const response: PublishResponse = {
    eventId,
    deliveries: refs.map(({ deliveryId, configId, workflowId }) => ({ deliveryId, configId, workflowId })),
  };
  if (request.idempotencyKey) {
    // A concurrent claim of the same key waits on its row lock until this transaction ends.
    const earlier = await claimIdempotencyKey(db, request.orgId, request.idempotencyKey, eventId, response);
    if (earlier) return { response: earlier as PublishResponse, refs: [] };
  }
  const event = await insertEvent(db, eventId, request.orgId, request.eventName, request.data, { envelope: request.envelope ?? null, filteredConfigs });
  await insertDeliveries(db, event, refs);
  return { response, refs };
}

/**
 * `maxPayloadBytes` is MAX_PAYLOAD_BYTES: the largest `data` of any event, in bytes of its JSON. An event
 * type's own `maxPayloadBytes` may only lower it.
 */
export function createPublisher(deps: {
  pool: Pool;
  dispatcher: DeliveryDispatcher;
  logger: Logger;
  maxPayloadBytes?: number;
  /** Starts workflows after the answer (PUBLISH_STARTS_AFTER_ANSWER); without one, a publish waits for its starts. */
  starter?: Pick<DeliveryStarter, 'enqueue'>;
}) {
  const ajv = new Ajv({ allErrors: false, strict: false });
  const validators = new Map<string, { version: number; validate: ValidateFunction }>();
  const ceiling = deps.maxPayloadBytes ?? Number.POSITIVE_INFINITY;

  async function checkEventData(eventName: string, data: unknown, db: Queryable = deps.pool): Promise<void> {
    const type = await getEventType(db, eventName);
    if (!type) throw new EventTypeNotRegisteredError(eventName);
    if (type.archived_at) throw new EventTypeArchivedError(eventName);
    const limit = Math.min(type.max_payload_bytes ?? ceiling, ceiling);
    if (Number.isFinite(limit)) {
      const size = Buffer.byteLength(JSON.stringify(data), 'utf8');
      if (size > limit) throw new PayloadTooLargeError('data', size, limit);
    }
    if (!type.schema) return;
    const version = type.updated_at.getTime();
    let cached = validators.get(eventName);
    if (!cached || cached.version !== version) {
      cached = { version, validate: ajv.compile(type.schema) };
      validators.set(eventName, cached);
    }
    if (!cached.validate(data)) {
      const first = cached.validate.errors?.[0];
      const pointer = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
      throw new SchemaMismatchError(pointer ? `data.${pointer}` : 'data', first?.message ?? 'invalid');
    }
  }

  /**
   * Starts the workflows of deliveries already committed: hands them to the starter, which starts them
   * once the answer is on its way, or, without one, waits for the starts. Failures leave them pending
   * for the reconciler.
   */
  async function startDeliveries(refs: DeliveryRef[]): Promise<void> {
    if (deps.starter) deps.starter.enqueue(refs);
    else await startCommittedDeliveries(deps, refs);
  }

  return {
    /**
     * Writes the event and one delivery per matching enabled config in one transaction, then starts
     * one workflow per delivery: after the answer with a starter, before it without. A repeated
     * idempotency key answers the first response.
     */
    async publish(request: PublishRequest): Promise<PublishResponse> {
      // One span for the event: its workflow starts are its children (also those made after it ended), and the deliveries' traces go on from them.
      return tracer.startActiveSpan('publish', { attributes: { 'webhook.event_name': request.eventName, 'webhook.org_id': request.orgId } }, async (span) => {
        try {
          await checkEventData(request.eventName, request.data);
          const { response, refs } = await withTransaction(deps.pool, (client) => writeEvent(client, request));
          span.setAttributes({ 'webhook.event_id': response.eventId, 'webhook.deliveries': response.deliveries.length });
          addLogFields({ eventId: response.eventId, orgId: request.orgId });
          await startDeliveries(refs);
          return response;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
          throw error;
        } finally {
          span.end();
        }
      });
    },

    /**
     * Writes one of the service's own events with `db`, a client inside the transaction of the change it
     * announces, and returns the refs to start after commit. An unregistered or archived event type
     * (an operator's choice to silence it), or data its schema refuses, writes nothing: the change still commits.
     */
    async announce(db: Queryable, request: PublishRequest): Promise<DeliveryRef[]> {
      try {
        await checkEventData(request.eventName, request.data, db);
      } catch (error) {
        if (!(error instanceof InvalidFieldError || error instanceof PayloadTooLargeError)) throw error;
        deps.logger.warn({ eventName: request.eventName, err: error }, 'service event not published');
        return [];
      }
      return (await writeEvent(db, request)).refs;
    },

    startDeliveries,
    checkEventData,
  };
}

export type Publisher = ReturnType<typeof createPublisher>;
