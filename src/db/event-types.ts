import type { Db } from './pool';

export interface EventTypeRow {
  name: string;
  description: string | null;
  schema: Record<string, unknown> | null;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function createEventTypeQueries(db: Db) {
  return {
    /** Creates or replaces; an archived type is brought back. */
    async upsertEventType(name: string, description: string | null, schema: Record<string, unknown> | null) {
      const { rows } = await db.query<EventTypeRow & { inserted: boolean }>(
        `INSERT INTO event_types (name, description, schema) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE
           SET description = EXCLUDED.description, schema = EXCLUDED.schema, archived_at = NULL, updated_at = now()
         RETURNING *, (xmax = 0) AS inserted`,
        [name, description, schema],
      );
      const { inserted, ...row } = rows[0];
      return { created: inserted, eventType: row as EventTypeRow };
    },

    async listEventTypes(includeArchived: boolean): Promise<EventTypeRow[]> {
      const { rows } = await db.query<EventTypeRow>(
        'SELECT * FROM event_types WHERE ($1 OR archived_at IS NULL) ORDER BY name',
        [includeArchived],
      );
      return rows;
    },

    async getEventType(name: string): Promise<EventTypeRow | undefined> {
      const { rows } = await db.query<EventTypeRow>('SELECT * FROM event_types WHERE name = $1', [name]);
      return rows[0];
    },

    async archiveEventType(name: string): Promise<EventTypeRow | undefined> {
      const { rows } = await db.query<EventTypeRow>(
        `UPDATE event_types SET archived_at = coalesce(archived_at, now()), updated_at = now()
         WHERE name = $1 RETURNING *`,
        [name],
      );
      return rows[0];
    },

    /** Names among `names` that are not registered, or archived. */
    async findUnknownEventTypes(names: readonly string[]): Promise<string[]> {
      const { rows } = await db.query<{ name: string }>(
        `SELECT n.name FROM unnest($1::text[]) AS n(name)
         LEFT JOIN event_types t ON t.name = n.name AND t.archived_at IS NULL
         WHERE t.name IS NULL`,
        [names],
      );
      return rows.map((row) => row.name);
    },
  };
}
