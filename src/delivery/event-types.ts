/** Registering event types: a type's JSON Schema and payload limit are checked, and a bus triple maps to one type only. */
import Ajv from 'ajv';
import { InvalidFieldError, StateConflictError } from '../core/errors';
import { BUS_TRIPLE_INDEX, type EventTypeRow, findEventTypeByBusTriple, upsertEventType } from '../db/event-types';
import { type Pool } from '../db/pool';

/** An event type as a request gives it; the bus fields come all three together or not at all. */
export interface EventTypeInput {
  description?: string;
  schema?: Record<string, unknown>;
  eventBus?: string;
  eventSource?: string;
  eventDetailType?: string;
  orgIdPath: string;
  maxPayloadBytes?: number;
}

function isBusTripleTaken(error: unknown): boolean {
  const err = error as { code?: string; constraint?: string };
  return err.code === '23505' && err.constraint === BUS_TRIPLE_INDEX;
}

export function createEventTypeService(deps: { pool: Pool; maxPayloadBytes: number }) {
  const ajv = new Ajv({ strict: false });

  /** Creates or replaces an event type. */
  async function put(eventName: string, input: EventTypeInput): Promise<{ created: boolean; eventType: EventTypeRow }> {
    if (input.schema) {
      try {
        ajv.compile(input.schema);
      } catch (error) {
        throw new InvalidFieldError('schema', `not a valid JSON Schema: ${(error as Error).message}`);
      }
    }
    if (input.maxPayloadBytes !== undefined && input.maxPayloadBytes > deps.maxPayloadBytes) {
      throw new InvalidFieldError('maxPayloadBytes', `at most MAX_PAYLOAD_BYTES (${deps.maxPayloadBytes})`);
    }
    const bus =
      input.eventBus !== undefined && input.eventSource !== undefined && input.eventDetailType !== undefined
        ? { eventBus: input.eventBus, eventSource: input.eventSource, eventDetailType: input.eventDetailType }
        : null;
    try {
      return await upsertEventType(deps.pool, eventName, {
        description: input.description ?? null,
        schema: input.schema ?? null,
        bus,
        orgIdPath: input.orgIdPath,
        maxPayloadBytes: input.maxPayloadBytes ?? null,
      });
    } catch (error) {
      if (!isBusTripleTaken(error)) throw error;
      const owner = bus ? await findEventTypeByBusTriple(deps.pool, bus.eventBus, bus.eventSource, bus.eventDetailType) : undefined;
      throw new StateConflictError(`eventBus, eventSource and eventDetailType already map to event type "${owner?.name ?? 'another'}"`);
    }
  }

  return { put };
}

export type EventTypeService = ReturnType<typeof createEventTypeService>;
