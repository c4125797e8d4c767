/** Queries of the api_keys table: keys created, found by their hash or access key id, listed and revoked. */
import type { Queryable } from './pool';

export type ApiKeyType = 'bearer' | 'aws-sigv4';

export interface ApiKeyRow {
  key_id: string;
  key_type: ApiKeyType;
  /** For an `aws-sigv4` key, its access key id (not a secret); for a bearer key, the visible start of the key. */
  prefix: string;
  access_key_id: string | null;
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

const COLUMNS = 'key_id, key_type, prefix, access_key_id, scopes, description, created_at, last_used_at, revoked_at';

/** What a key is checked by: a bearer key's hash, or an `aws-sigv4` key's access key id and sealed secret. */
export type ApiKeySecret = { type: 'bearer'; hash: Buffer } | { type: 'aws-sigv4'; accessKeyId: string; secretSealed: string };

/** A key to store: a bearer key by its hash, or an `aws-sigv4` key by its access key id and sealed secret. */
export type NewApiKey = { keyId: string; prefix: string; scopes: string[]; description: string | null } & ApiKeySecret;

export async function insertApiKey(db: Queryable, input: NewApiKey): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (key_id, key_type, prefix, key_hash, access_key_id, secret_sealed, scopes, description)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [
      input.keyId,
      input.type,
      input.prefix,
      input.type === 'bearer' ? input.hash : null,
      input.type === 'aws-sigv4' ? input.accessKeyId : null,
      input.type === 'aws-sigv4' ? input.secretSealed : null,
      input.scopes,
      input.description,
    ],
  );
  return rows[0];
}

/**
 * A live key of `keyType` whose `matchColumn` is `value`, with `extraColumn` besides the usual ones; marks
 * it used at most once a minute, so requests stay read-only. The names are constants of the callers below.
 */
async function findActiveKey<Extra>(
  db: Queryable,
  keyType: ApiKeyType,
  matchColumn: 'access_key_id' | 'key_hash',
  extraColumn: 'secret_sealed' | 'key_hash',
  value: string | Buffer,
): Promise<(ApiKeyRow & Extra) | undefined> {
  const { rows } = await db.query<ApiKeyRow & Extra>(
    `WITH found AS (SELECT * FROM api_keys WHERE ${matchColumn} = $1 AND key_type = '${keyType}' AND revoked_at IS NULL),
          touched AS (UPDATE api_keys SET last_used_at = now()
                      WHERE key_id IN (SELECT key_id FROM found)
                        AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
     SELECT ${COLUMNS}, ${extraColumn} FROM found`,
    [value],
  );
  return rows[0];
}

/** A live `aws-sigv4` key by its access key id, with its sealed secret; marks it used at most once a minute. */
export async function findActiveSigV4Key(db: Queryable, accessKeyId: string): Promise<(ApiKeyRow & { secret_sealed: string }) | undefined> {
  return findActiveKey<{ secret_sealed: string }>(db, 'aws-sigv4', 'access_key_id', 'secret_sealed', accessKeyId);
}

/** A live key by the hash of its text; marks it used at most once a minute, so requests stay read-only. */
export async function findActiveApiKey(db: Queryable, hash: Buffer): Promise<(ApiKeyRow & { key_hash: Buffer }) | undefined> {
  return findActiveKey<{ key_hash: Buffer }>(db, 'bearer', 'key_hash', 'key_hash', hash);
}

/** Newest first, keyset-paginated on (created_at, key_id). */
export async function listApiKeys(db: Queryable, after: { createdAt: Date; keyId: string } | null, limit: number): Promise<ApiKeyPage> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys
     WHERE revoked_at IS NULL AND ($1::timestamptz IS NULL OR (created_at, key_id) < ($1, $2::uuid))
     ORDER BY created_at DESC, key_id DESC LIMIT $3`,
    [after?.createdAt ?? null, after?.keyId ?? null, limit + 1],
  );
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? `${last.created_at.toISOString()}|${last.key_id}` : null };
}

export async function revokeApiKey(db: Queryable, keyId: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL', [keyId]);
  return (rowCount ?? 0) > 0;
}
