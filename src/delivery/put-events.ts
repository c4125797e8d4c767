/** EventBridge PutEvents entries made events: the bus triple names the type, its `orgIdPath` the org, and each is published as `POST /events` would. */
import { DomainError } from '../core/errors';
import { ID_PATTERN } from '../shared/ids';
import type { Publisher } from './publisher';
import { type EventEnvelope } from '../db/events';
import { type Pool } from '../db/pool';
import { findEventTypeByBusTriple } from '../db/event-types';

const DEFAULT_BUS = 'default';

/** The event id of an entry put, or why that entry failed, as EventBridge answers each entry. */
export type PutEventsEntryResult =
  | { EventId: string }
  | { ErrorCode: 'InvalidArgument' | 'MalformedDetail' | 'AccessDeniedException'; ErrorMessage: string };

class EntryError extends Error {
  override readonly name = 'EntryError';
  constructor(
    readonly code: 'InvalidArgument' | 'MalformedDetail' | 'AccessDeniedException',
    message: string,
  ) {
    super(message);
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a dotted path of an object, or undefined. */
export function valueAtPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const name of path.split('.')) {
    if (!isPlainObject(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return current;
}

/** `arn:aws:events:us-east-1:123456789012:event-bus/orders` names the bus `orders`, as in EventBridge. */
function busNameOf(value: unknown): string {
  if (value === undefined || value === null || value === '') return DEFAULT_BUS;
  if (typeof value !== 'string' || value.length > 1600) throw new EntryError('InvalidArgument', 'Parameter EventBusName is not valid.');
  const arn = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(value);
  return arn ? arn[1] : value;
}

/** The SDK sends `Time` as epoch seconds; an ISO-8601 string is accepted too. */
function timeOf(value: unknown, now: Date): string {
  if (value === undefined || value === null) return now.toISOString();
  const date = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new EntryError('InvalidArgument', 'Parameter Time is not valid. Reason: expected epoch seconds or an ISO-8601 timestamp.');
  return date.toISOString();
}

function requiredString(entry: Record<string, unknown>, name: 'Source' | 'DetailType' | 'Detail'): string {
  const value = entry[name];
  if (value === undefined || value === null || value === '') throw new EntryError('InvalidArgument', `Parameter ${name} is not valid. Reason: ${name} is a required argument.`);
  if (typeof value !== 'string') throw new EntryError('InvalidArgument', `Parameter ${name} is not valid. Reason: ${name} must be a string.`);
  return value;
}

function mayPublishFor(scopes: readonly string[], orgId: string): boolean {
  return scopes.includes('admin') || scopes.includes('publish') || scopes.includes(`org:${orgId}`);
}

/** Puts entries for a caller with the given scopes; each entry is published as its own event. */
export function createPutEvents(deps: { pool: Pool; publisher: Publisher }) {

  async function putEntry(raw: unknown, scopes: readonly string[]): Promise<PutEventsEntryResult> {
    try {
      if (!isPlainObject(raw)) throw new EntryError('InvalidArgument', 'Entry is not valid. Reason: expected an object.');
      const source = requiredString(raw, 'Source');
      const detailType = requiredString(raw, 'DetailType');
      const detailText = requiredString(raw, 'Detail');
      const bus = busNameOf(raw.EventBusName);
      let detail: unknown;
      try {
        detail = JSON.parse(detailText);
      } catch {
        throw new EntryError('MalformedDetail', 'Detail is malformed.');
      }
      if (!isPlainObject(detail)) throw new EntryError('MalformedDetail', 'Detail is malformed. Reason: Detail must be a JSON object.');
      const resources = raw.Resources ?? [];
      if (!Array.isArray(resources) || resources.length > 100 || !resources.every((r) => typeof r === 'string' && r.length <= 2048)) {
        throw new EntryError('InvalidArgument', 'Parameter Resources is not valid. Reason: expected at most 100 strings.');
      }
      const time = timeOf(raw.Time, new Date());

      const type = await findEventTypeByBusTriple(deps.pool, bus, source, detailType);
      if (!type) {
        throw new EntryError('InvalidArgument', `No event definition for EventBusName "${bus}", Source "${source}" and DetailType "${detailType}".`);
      }
      const orgId = valueAtPath(detail, type.org_id_path);
      if (typeof orgId !== 'string' || !ID_PATTERN.test(orgId)) {
        throw new EntryError('InvalidArgument', `Detail has no organization id at "${type.org_id_path}" (1-128 characters of A-Z, a-z, 0-9, ".", "_" or "-").`);
      }
      if (!mayPublishFor(scopes, orgId)) throw new EntryError('AccessDeniedException', `This key may not publish events of organization "${orgId}".`);

      const envelope: EventEnvelope = { source, detailType, bus, time, resources: resources as string[] };
      const published = await deps.publisher.publish({ orgId, eventName: type.name, data: detail, envelope });
      return { EventId: published.eventId };
    } catch (error) {
      if (error instanceof EntryError) return { ErrorCode: error.code, ErrorMessage: error.message };
      // The event's own data refused (its type's schema, its payload limit): this entry fails, the others go on.
      if (error instanceof DomainError) return { ErrorCode: 'InvalidArgument', ErrorMessage: error.message };
      throw error;
    }
  }

  return { putEntry };
}

export type PutEvents = ReturnType<typeof createPutEvents>;
