/** Queries of the events table: an event as published, with its bus fields and the configs its filters left out. */
import type { Queryable } from './pool';

/** Bus fields of an event put through PutEvents, delivered beside `data`. */
export interface EventEnvelope {
  source: string;
  detailType: string;
  bus: string;
  time: string;
  resources: string[];
}

/** A config an event was not delivered to, because its filter did not match the event. */
export interface FilteredConfig {
  configId: string;
  reason: string;
}

export interface EventRow {
  event_id: string;
  org_id: string;
  event_name: string;
  data: unknown;
  envelope: EventEnvelope | null;
  filtered_configs: FilteredConfig[];
  created_at: Date;
}

export async function insertEvent(
  db: Queryable,
  eventId: string,
  orgId: string,
  eventName: string,
  data: unknown,
  extra: { envelope?: EventEnvelope | null; filteredConfigs?: FilteredConfig[] } = {},
): Promise<EventRow> {
  const { rows } = await db.query<EventRow>(
    `INSERT INTO events (event_id, org_id, event_name, data, envelope, filtered_configs)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [eventId, orgId, eventName, JSON.stringify(data), extra.envelope ? JSON.stringify(extra.envelope) : null, JSON.stringify(extra.filteredConfigs ?? [])],
  );
  return rows[0];
}

export async function getEvent(db: Queryable, orgId: string, eventId: string): Promise<EventRow | undefined> {
  const { rows } = await db.query<EventRow>('SELECT * FROM events WHERE org_id = $1 AND event_id = $2', [orgId, eventId]);
  return rows[0];
}
