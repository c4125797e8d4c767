/** Queries of the webhook_configs table: a config's CRUD, its secret rotation, and the configs an event goes to. */
import type { RetryPolicyInput } from '../shared/retry-policy';
import type { Transform } from '../shared/transform';
import type { Queryable } from './pool';

export interface WebhookConfigRow {
  org_id: string;
  config_id: string;
  url: string;
  event_names: string[];
  enabled: boolean;
  description: string | null;
  headers: Record<string, string>;
  timeout_ms: number;
  /** Encrypted (see src/core/secret-box.ts), as are `previous_secret` and `auth`. */
  secret: string;
  previous_secret: string | null;
  auth: string | null;
  /** Event pattern (EventBridge dialect); null delivers every event subscribed to. */
  filter: Record<string, unknown> | null;
  /** The payload template, as stored: a JSONata expression or `{preset}`. */
  transform: Transform | null;
  /** The config's own retry policy, as the API took it. */
  retry_policy: RetryPolicyInput | null;
  previous_secret_expires_at: Date | null;
  disabled_reason: string | null;
  disabled_at: Date | null;
  max_concurrency: number;
  max_per_second: number | null;
  consecutive_failures: number;
  consecutive_dead_letters: number;
  failing_since: Date | null;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  circuit_open_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ConfigFields {
  url: string;
  eventNames: string[];
  enabled: boolean;
  description: string | null;
  headers: Record<string, string>;
  timeoutMs: number;
  maxConcurrency: number;
  maxPerSecond: number | null;
  /** Receiver credentials, encrypted. */
  auth: string | null;
  /** Event pattern; absent or null delivers every event subscribed to. */
  filter?: Record<string, unknown> | null;
  /** Unset: none. */
  transform?: Transform | null;
  retryPolicy?: RetryPolicyInput | null;
}

export type ConfigState = Pick<WebhookConfigRow, 'config_id' | 'enabled' | 'disabled_reason'>;

export interface ConfigPage {
  items: WebhookConfigRow[];
  nextCursor: string | null;
}

/**
 * Creates or replaces a config. A replace keeps the stored secret unless a new one is given;
 * `secretIfCreated` is used only when the row is new.
 */
export async function putConfig(db: Queryable, orgId: string, configId: string, fields: ConfigFields, secret: string | null, secretIfCreated: string) {
  const { rows } = await db.query<WebhookConfigRow & { inserted: boolean }>(
    `INSERT INTO webhook_configs (org_id, config_id, url, event_names, enabled, description, headers, timeout_ms, secret,
                                  disabled_reason, disabled_at, max_concurrency, max_per_second, auth, filter, transform, retry_policy)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, $10),
             CASE WHEN $5 THEN NULL ELSE 'disabled by user' END, CASE WHEN $5 THEN NULL ELSE now() END, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (org_id, config_id) DO UPDATE SET
       url = EXCLUDED.url, event_names = EXCLUDED.event_names, enabled = EXCLUDED.enabled,
       description = EXCLUDED.description, headers = EXCLUDED.headers, timeout_ms = EXCLUDED.timeout_ms,
       max_concurrency = EXCLUDED.max_concurrency, max_per_second = EXCLUDED.max_per_second, auth = EXCLUDED.auth,
       filter = EXCLUDED.filter, transform = EXCLUDED.transform, retry_policy = EXCLUDED.retry_policy,
       secret = coalesce($9, webhook_configs.secret),
       disabled_reason = CASE WHEN EXCLUDED.enabled THEN NULL
                              WHEN webhook_configs.enabled THEN 'disabled by user' ELSE webhook_configs.disabled_reason END,
       disabled_at = CASE WHEN EXCLUDED.enabled THEN NULL
                          WHEN webhook_configs.enabled THEN now() ELSE webhook_configs.disabled_at END,
       -- Re-enabling starts the endpoint's health from scratch.
       consecutive_failures = CASE WHEN EXCLUDED.enabled AND NOT webhook_configs.enabled THEN 0 ELSE webhook_configs.consecutive_failures END,
       consecutive_dead_letters = CASE WHEN EXCLUDED.enabled AND NOT webhook_configs.enabled THEN 0 ELSE webhook_configs.consecutive_dead_letters END,
       failing_since = CASE WHEN EXCLUDED.enabled AND NOT webhook_configs.enabled THEN NULL ELSE webhook_configs.failing_since END,
       circuit_open_until = CASE WHEN EXCLUDED.enabled AND NOT webhook_configs.enabled THEN NULL ELSE webhook_configs.circuit_open_until END,
       updated_at = now()
     RETURNING *, (xmax = 0) AS inserted`,
    [
      orgId,
      configId,
      fields.url,
      fields.eventNames,
      fields.enabled,
      fields.description,
      fields.headers,
      fields.timeoutMs,
      secret,
      secretIfCreated,
      fields.maxConcurrency,
      fields.maxPerSecond,
      fields.auth,
      fields.filter ? JSON.stringify(fields.filter) : null,
      fields.transform == null ? null : JSON.stringify(fields.transform),
      fields.retryPolicy == null ? null : JSON.stringify(fields.retryPolicy),
    ],
  );
  const { inserted, ...row } = rows[0];
  return { created: inserted, config: row as WebhookConfigRow };
}

export async function getConfig(db: Queryable, orgId: string, configId: string): Promise<WebhookConfigRow | undefined> {
  const { rows } = await db.query<WebhookConfigRow>('SELECT * FROM webhook_configs WHERE org_id = $1 AND config_id = $2', [orgId, configId]);
  return rows[0];
}

export async function getConfigForUpdate(db: Queryable, orgId: string, configId: string): Promise<WebhookConfigRow | undefined> {
  const { rows } = await db.query<WebhookConfigRow>(
    'SELECT * FROM webhook_configs WHERE org_id = $1 AND config_id = $2 FOR UPDATE',
    [orgId, configId],
  );
  return rows[0];
}

/** Whether each of the given configs of an org is enabled; a deleted one has no row. */
export async function listConfigStates(db: Queryable, orgId: string, configIds: readonly string[]): Promise<ConfigState[]> {
  const { rows } = await db.query<ConfigState>(
    'SELECT config_id, enabled, disabled_reason FROM webhook_configs WHERE org_id = $1 AND config_id = ANY($2::text[])',
    [orgId, configIds],
  );
  return rows;
}

/** Keyset pagination by config id. */
export async function listConfigs(db: Queryable, orgId: string, after: string | null, limit: number): Promise<ConfigPage> {
  const { rows } = await db.query<WebhookConfigRow>(
    `SELECT * FROM webhook_configs WHERE org_id = $1 AND ($2::text IS NULL OR config_id > $2)
     ORDER BY config_id LIMIT $3`,
    [orgId, after, limit + 1],
  );
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1].config_id : null };
}

export async function deleteConfig(db: Queryable, orgId: string, configId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM webhook_configs WHERE org_id = $1 AND config_id = $2', [orgId, configId]);
  return (rowCount ?? 0) > 0;
}

/** The current secret keeps signing beside the new one until `overlapMs` has passed. */
export async function rotateSecret(db: Queryable, orgId: string, configId: string, newSecret: string, overlapMs: number): Promise<WebhookConfigRow | undefined> {
  const { rows } = await db.query<WebhookConfigRow>(
    `UPDATE webhook_configs
       SET previous_secret = secret, secret = $3,
           previous_secret_expires_at = now() + make_interval(secs => $4::double precision / 1000),
           updated_at = now()
     WHERE org_id = $1 AND config_id = $2 RETURNING *`,
    [orgId, configId, newSecret, overlapMs],
  );
  return rows[0];
}

/** Returns the row when this call disabled it (it was enabled), so the caller can announce it. */
export async function disableConfig(db: Queryable, orgId: string, configId: string, reason: string): Promise<WebhookConfigRow | undefined> {
  const { rows } = await db.query<WebhookConfigRow>(
    `UPDATE webhook_configs SET enabled = false, disabled_reason = $3, disabled_at = now(), updated_at = now()
     WHERE org_id = $1 AND config_id = $2 AND enabled
     RETURNING *`,
    [orgId, configId, reason],
  );
  return rows[0];
}

/** Enabled configs of the org subscribed to the event name, or to every event ("*"). */
export async function findMatchingConfigs(db: Queryable, orgId: string, eventName: string): Promise<WebhookConfigRow[]> {
  const { rows } = await db.query<WebhookConfigRow>(
    `SELECT * FROM webhook_configs
     WHERE org_id = $1 AND enabled AND event_names && ARRAY[$2, '*']::text[]
     ORDER BY config_id`,
    [orgId, eventName],
  );
  return rows;
}
