import type { Db } from './pool';

export interface ApiKeyRow {
  key_id: string;
  prefix: string;
  scopes: string[];
  description: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface ApiKeyPage {
  items: ApiKeyRow[];
  nextCursor: string | null;
}

const COLUMNS = 'key_id, prefix, scopes, description, created_at, last_used_at, revoked_at';

export function createApiKeyQueries(db: Db) {
  return {
    async insertApiKey(input: { keyId: string; prefix: string; hash: Buffer; scopes: string[]; description: string | null }): Promise<ApiKeyRow> {
      const { rows } = await db.query<ApiKeyRow>(
        `INSERT INTO api_keys (key_id, prefix, key_hash, scopes, description) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [input.keyId, input.prefix, input.hash, input.scopes, input.description],
      );
      return rows[0];
    },

    /** A live key by the hash of its text; marks it used at most once a minute, so requests stay read-only. */
    async findActiveApiKey(hash: Buffer): Promise<(ApiKeyRow & { key_hash: Buffer }) | undefined> {
      const { rows } = await db.query<ApiKeyRow & { key_hash: Buffer }>(
        `WITH found AS (SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL),
              touched AS (UPDATE api_keys SET last_used_at = now()
                          WHERE key_id IN (SELECT key_id FROM found)
                            AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
         SELECT ${COLUMNS}, key_hash FROM found`,
        [hash],
      );
      return rows[0];
    },

    /** Newest first, keyset-paginated on (created_at, key_id). */
    async listApiKeys(after: { createdAt: Date; keyId: string } | null, limit: number): Promise<ApiKeyPage> {
      const { rows } = await db.query<ApiKeyRow>(
        `SELECT ${COLUMNS} FROM api_keys
         WHERE revoked_at IS NULL AND ($1::timestamptz IS NULL OR (created_at, key_id) < ($1, $2::uuid))
         ORDER BY created_at DESC, key_id DESC LIMIT $3`,
        [after?.createdAt ?? null, after?.keyId ?? null, limit + 1],
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? `${last.created_at.toISOString()}|${last.key_id}` : null };
    },

    async revokeApiKey(keyId: string): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL', [keyId]);
      return (rowCount ?? 0) > 0;
    },
  };
}
