/** Queries of the event_types table: the registered event names, their schemas and PutEvents routing. */
import type { Queryable } from './pool';

export interface EventTypeRow {
  name: string;
  description: string | null;
  schema: Record<string, unknown> | null;
  /** The (bus, source, detail-type) triple PutEvents entries are matched on; all three or none. */
  event_bus: string | null;
  event_source: string | null;
  event_detail_type: string | null;
  /** Dotted path into an entry's `Detail` that names the organization. */
  org_id_path: string;
  /** Largest `data` in bytes of its JSON; null means MAX_PAYLOAD_BYTES. */
  max_payload_bytes: number | null;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface EventTypeFields {
  description: string | null;
  schema: Record<string, unknown> | null;
  bus: { eventBus: string; eventSource: string; eventDetailType: string } | null;
  orgIdPath: string;
  maxPayloadBytes: number | null;
}

/** Postgres' unique_violation, as raised by the bus triple's index. */
export const BUS_TRIPLE_INDEX = 'event_types_bus_triple_idx';

/** Creates or replaces; an archived type is brought back. */
export async function upsertEventType(db: Queryable, name: string, fields: EventTypeFields) {
  const { rows } = await db.query<EventTypeRow & { inserted: boolean }>(
    `INSERT INTO event_types (name, description, schema, event_bus, event_source, event_detail_type, org_id_path, max_payload_bytes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (name) DO UPDATE
       SET description = EXCLUDED.description, schema = EXCLUDED.schema, event_bus = EXCLUDED.event_bus,
           event_source = EXCLUDED.event_source, event_detail_type = EXCLUDED.event_detail_type,
           org_id_path = EXCLUDED.org_id_path, max_payload_bytes = EXCLUDED.max_payload_bytes,
           archived_at = NULL, updated_at = now()
     RETURNING *, (xmax = 0) AS inserted`,
    [
      name,
      fields.description,
      fields.schema,
      fields.bus?.eventBus ?? null,
      fields.bus?.eventSource ?? null,
      fields.bus?.eventDetailType ?? null,
      fields.orgIdPath,
      fields.maxPayloadBytes,
    ],
  );
  const { inserted, ...row } = rows[0];
  return { created: inserted, eventType: row as EventTypeRow };
}

export async function listEventTypes(db: Queryable, includeArchived: boolean): Promise<EventTypeRow[]> {
  const { rows } = await db.query<EventTypeRow>(
    'SELECT * FROM event_types WHERE ($1 OR archived_at IS NULL) ORDER BY name',
    [includeArchived],
  );
  return rows;
}

export async function getEventType(db: Queryable, name: string): Promise<EventTypeRow | undefined> {
  const { rows } = await db.query<EventTypeRow>('SELECT * FROM event_types WHERE name = $1', [name]);
  return rows[0];
}

/** The live event type a PutEvents entry's (bus, source, detail-type) names. */
export async function findEventTypeByBusTriple(db: Queryable, eventBus: string, eventSource: string, eventDetailType: string): Promise<EventTypeRow | undefined> {
  const { rows } = await db.query<EventTypeRow>(
    `SELECT * FROM event_types
     WHERE event_bus = $1 AND event_source = $2 AND event_detail_type = $3 AND archived_at IS NULL`,
    [eventBus, eventSource, eventDetailType],
  );
  return rows[0];
}

export async function archiveEventType(db: Queryable, name: string): Promise<EventTypeRow | undefined> {
  const { rows } = await db.query<EventTypeRow>(
    `UPDATE event_types SET archived_at = coalesce(archived_at, now()), updated_at = now()
     WHERE name = $1 RETURNING *`,
    [name],
  );
  return rows[0];
}

/** Names among `names` that are not registered, or archived. */
export async function findUnknownEventTypes(db: Queryable, names: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT n.name FROM unnest($1::text[]) AS n(name)
     LEFT JOIN event_types t ON t.name = n.name AND t.archived_at IS NULL
     WHERE t.name IS NULL`,
    [names],
  );
  return rows.map((row) => row.name);
}
