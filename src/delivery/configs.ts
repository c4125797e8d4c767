/** Writing configs: a put or a patch in one transaction that announces a config it disables, and the signing secret read and rotated. */
import { generateSecret } from '../core/signing';
import { ConfigNotFoundError, InvalidInputError } from '../core/errors';
import type { ReceiverAuth } from '../core/receiver-auth';
import type { SecretBox } from '../core/secret-box';
import type { ConfigChecks } from './config-checks';
import { announceConfigDisabled } from './config-health';
import type { DeliveryRef } from './dispatcher';
import type { Publisher } from './publisher';
import { type ConfigFields, getConfig, getConfigForUpdate, putConfig, rotateSecret as rotateStoredSecret, type WebhookConfigRow } from '../db/configs';
import { type Pool, withTransaction } from '../db/pool';
import type { Queryable } from '../db/pool';
import { findUnknownEventTypes } from '../db/event-types';

/** A config's fields as a request gives them: its receiver credentials in the clear, sealed here before they are stored. */
export type ConfigInput = Omit<ConfigFields, 'auth'> & { auth: ReceiverAuth | null };

/** The fields a patch changes; those left undefined keep their stored value. */
export type ConfigChanges = { [K in keyof ConfigInput]?: ConfigInput[K] | undefined };

/** The signing secrets of a config: the current one, and the rotated-out one while its overlap lasts. */
export interface ConfigSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: string | null | undefined;
}

const fieldsOf = (row: WebhookConfigRow): ConfigFields => ({
  url: row.url,
  eventNames: row.event_names,
  enabled: row.enabled,
  description: row.description,
  headers: row.headers,
  timeoutMs: row.timeout_ms,
  maxConcurrency: row.max_concurrency,
  maxPerSecond: row.max_per_second,
  auth: row.auth,
  filter: row.filter,
  transform: row.transform,
  retryPolicy: row.retry_policy,
});

async function assertRegistered(db: Queryable, eventNames: readonly string[]): Promise<void> {
  const names = eventNames.filter((name) => name !== '*');
  const unknown = await findUnknownEventTypes(db, names);
  if (unknown.length > 0) {
    throw new InvalidInputError(
      unknown.map((name) => ({ field: `eventNames[${eventNames.indexOf(name)}]`, message: `event type "${name}" is not registered` })),
    );
  }
}

export function createConfigService(deps: { pool: Pool; publisher: Publisher; box: SecretBox; checks: ConfigChecks; secretRotationOverlapMs: number }) {
  const { box } = deps;
  /** The checks of src/delivery/config-checks.ts on the fields a write or a patch gives. */
  const check = (fields: ConfigChanges): Promise<void> =>
    deps.checks.check({ url: fields.url, auth: fields.auth, transform: fields.transform, retry: fields.retryPolicy });
  const sealAuth = (auth: object | null): string | null => (auth === null ? null : box.encrypt(JSON.stringify(auth)));
  /**
   * A write that disables an enabled config announces it through `webhook.config.disabled`, written in the
   * same transaction; its deliveries are started after commit (or by the reconciler).
   */
  const announceIfDisabled = (client: Queryable, before: WebhookConfigRow | undefined, after: WebhookConfigRow): Promise<DeliveryRef[]> =>
    before?.enabled && !after.enabled ? announceConfigDisabled(client, deps.publisher, after) : Promise.resolve([]);

  /** Creates or replaces a config; the signing secret given, or one generated, is returned only when the config is created. */
  async function put(orgId: string, configId: string, input: ConfigInput, secret: string | undefined): Promise<{ created: boolean; config: WebhookConfigRow; secret?: string }> {
    await check(input);
    await assertRegistered(deps.pool, input.eventNames);
    const fields: ConfigFields = { ...input, eventNames: [...new Set(input.eventNames)], auth: sealAuth(input.auth) };
    const generated = secret ?? generateSecret();
    const sealed = box.encrypt(generated);
    const { created, config, refs } = await withTransaction(deps.pool, async (client) => {
      const current = await getConfigForUpdate(client, orgId, configId);
      const written = await putConfig(client, orgId, configId, fields, secret ? sealed : null, sealed);
      return { ...written, refs: await announceIfDisabled(client, current, written.config) };
    });
    await deps.publisher.startDeliveries(refs);
    return { created, config, ...(created ? { secret: generated } : {}) };
  }

  /** Changes the given fields of a config and keeps the others. */
  async function patch(orgId: string, configId: string, changes: ConfigChanges): Promise<WebhookConfigRow> {
    await check(changes);
    const { updated, refs } = await withTransaction(deps.pool, async (client) => {
      const current = await getConfigForUpdate(client, orgId, configId);
      if (!current) throw new ConfigNotFoundError(configId);
      if (changes.eventNames) await assertRegistered(client, changes.eventNames);
      const { auth, ...rest } = changes;
      const fields: ConfigFields = {
        ...fieldsOf(current),
        ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
        ...(auth !== undefined ? { auth: sealAuth(auth) } : {}),
      };
      fields.eventNames = [...new Set(fields.eventNames)];
      const { config } = await putConfig(client, orgId, configId, fields, null, current.secret);
      return { updated: config, refs: await announceIfDisabled(client, current, config) };
    });
    await deps.publisher.startDeliveries(refs);
    return updated;
  }

  /** The config's signing secrets, decrypted. */
  async function secrets(orgId: string, configId: string): Promise<ConfigSecrets> {
    const row = await getConfig(deps.pool, orgId, configId);
    if (!row) throw new ConfigNotFoundError(configId);
    const previousLive = row.previous_secret && row.previous_secret_expires_at && row.previous_secret_expires_at > new Date();
    return {
      secret: box.decrypt(row.secret),
      previousSecret: previousLive && row.previous_secret ? box.decrypt(row.previous_secret) : null,
      previousSecretExpiresAt: previousLive ? row.previous_secret_expires_at?.toISOString() : null,
    };
  }

  /** A new signing secret; the one it replaces keeps verifying for SECRET_ROTATION_OVERLAP. */
  async function rotateSecret(orgId: string, configId: string): Promise<{ secret: string; previousSecretExpiresAt: string | null }> {
    const secret = generateSecret();
    const row = await rotateStoredSecret(deps.pool, orgId, configId, box.encrypt(secret), deps.secretRotationOverlapMs);
    if (!row) throw new ConfigNotFoundError(configId);
    return {
      secret,
      previousSecretExpiresAt: row.previous_secret_expires_at?.toISOString() ?? null,
    };
  }

  return { put, patch, secrets, rotateSecret };
}

export type ConfigService = ReturnType<typeof createConfigService>;
