/**
 * Fields every log line carries where they are known (`requestId`, `eventId`, `deliveryId`, `configId`,
 * `orgId`): set once per API request or per activity, read by the logger's mixin, so no call site has
 * to pass them along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogFields {
  requestId?: string;
  eventId?: string;
  deliveryId?: string;
  configId?: string;
  orgId?: string;
}

export const LOG_FIELD_NAMES = ['requestId', 'eventId', 'deliveryId', 'configId', 'orgId'] as const;

const store = new AsyncLocalStorage<LogFields>();

/** Runs `work` with these fields (on top of those already set) in every log line it writes. */
export function withLogFields<T>(fields: LogFields, work: () => T): T {
  return store.run({ ...store.getStore(), ...pickLogFields(fields) }, work);
}

/** Adds fields to the current scope once they are known (a route that parsed its path, say). */
export function addLogFields(fields: LogFields): void {
  const current = store.getStore();
  if (current) Object.assign(current, pickLogFields(fields));
}

export function currentLogFields(): LogFields {
  return { ...store.getStore() };
}

/** Only the known fields, and only strings: whatever carried them (a header, an input) brings nothing else. */
export function pickLogFields(value: unknown): LogFields {
  const fields: LogFields = {};
  if (value === null || typeof value !== 'object') return fields;
  for (const name of LOG_FIELD_NAMES) {
    const field = (value as Record<string, unknown>)[name];
    if (typeof field === 'string' && field.length <= 200) fields[name] = field;
  }
  return fields;
}
