import Ajv, { type ValidateFunction } from 'ajv';
import { randomUUID } from 'node:crypto';
import { createConfigQueries } from '../db/configs';
import { createDeliveryQueries, type EventRow } from '../db/deliveries';
import { createEventTypeQueries } from '../db/event-types';
import { type Pool, withTransaction } from '../db/pool';
import type { Logger } from '../logger';
import { deliveryWorkflowId } from '../shared/temporal';
import type { DeliveryDispatcher, DeliveryRef } from './dispatcher';
import { ValidationError } from '../api/errors';

export interface PublishRequest {
  orgId: string;
  eventName: string;
  data: Record<string, unknown>;
  idempotencyKey?: string;
}

export interface PublishResponse {
  eventId: string;
  deliveries: { deliveryId: string; configId: string; workflowId: string }[];
}

/** Thrown inside the publish transaction to roll it back when the idempotency key was already used. */
class IdempotentReplay extends Error {
  override readonly name = 'IdempotentReplay';
  constructor(readonly response: PublishResponse) {
    super('idempotent replay');
  }
}

export function createPublisher(deps: { pool: Pool; dispatcher: DeliveryDispatcher; logger: Logger }) {
  const ajv = new Ajv({ allErrors: false, strict: false });
  const validators = new Map<string, { version: number; validate: ValidateFunction }>();
  const eventTypes = createEventTypeQueries(deps.pool);

  async function checkEventData(eventName: string, data: unknown): Promise<void> {
    const type = await eventTypes.getEventType(eventName);
    if (!type || type.archived_at) {
      throw new ValidationError([{ field: 'eventName', message: `event type "${eventName}" is ${type ? 'archived' : 'not registered'}` }]);
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
      throw new ValidationError([
        { field: pointer ? `data.${pointer}` : 'data', message: `does not match the event type's schema: ${first?.message ?? 'invalid'}` },
      ]);
    }
  }

  /** Starts the workflows of deliveries already committed; failures leave them pending for the reconciler. */
  async function startDeliveries(refs: DeliveryRef[]): Promise<void> {
    if (refs.length === 0) return;
    const { started, failed } = await deps.dispatcher.start(refs);
    for (const { deliveryId, error } of failed) {
      deps.logger.warn({ deliveryId, err: error }, 'workflow start failed; delivery stays pending');
    }
    try {
      await createDeliveryQueries(deps.pool).markWorkflowsStarted(started);
    } catch (error) {
      // Harmless: the reconciler's repeated start of a running workflow starts nothing.
      deps.logger.warn({ err: error }, 'could not mark workflows started');
    }
  }

  return {
    /**
     * Writes the event and one delivery per matching enabled config in one transaction, then starts
     * one workflow per delivery. A repeated idempotency key answers the first response.
     */
    async publish(request: PublishRequest): Promise<PublishResponse> {
      await checkEventData(request.eventName, request.data);
      let event: EventRow | undefined;
      let refs: DeliveryRef[] = [];
      let response: PublishResponse;
      try {
        response = await withTransaction(deps.pool, async (client) => {
          const queries = createDeliveryQueries(client);
          event = await queries.insertEvent(randomUUID(), request.orgId, request.eventName, request.data);
          const configs = await createConfigQueries(client).findMatchingConfigs(request.orgId, request.eventName);
          refs = configs.map((config) => {
            const deliveryId = randomUUID();
            return {
              deliveryId,
              eventId: event!.event_id,
              orgId: request.orgId,
              configId: config.config_id,
              eventName: request.eventName,
              workflowId: deliveryWorkflowId(deliveryId),
            };
          });
          await queries.insertDeliveries(event, refs);
          const answer: PublishResponse = {
            eventId: event.event_id,
            deliveries: refs.map(({ deliveryId, configId, workflowId }) => ({ deliveryId, configId, workflowId })),
          };
          if (request.idempotencyKey) {
            const earlier = await queries.claimIdempotencyKey(request.orgId, request.idempotencyKey, event.event_id, answer);
            if (earlier) throw new IdempotentReplay(earlier as PublishResponse);
          }
          return answer;
        });
      } catch (error) {
        if (error instanceof IdempotentReplay) return error.response;
        throw error;
      }
      await startDeliveries(refs);
      return response;
    },

    startDeliveries,
    checkEventData,
  };
}

export type Publisher = ReturnType<typeof createPublisher>;
