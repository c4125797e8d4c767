import { Router } from 'express';
import { destinationGuardFor } from '../../activities/destination-guard';
import { generateSecret } from '../../activities/signing';
import type { Config } from '../../config';
import { type ConfigFields, deleteConfig, getConfig, getConfigForUpdate, listConfigs, putConfig, rotateSecret, type WebhookConfigRow } from '../../db/configs';
import { findUnknownEventTypes } from '../../db/event-types';
import { type Queryable, type Pool, withTransaction } from '../../db/pool';
import { announceConfigDisabled } from '../../delivery/config-health';
import type { DeliveryRef } from '../../delivery/dispatcher';
import type { Publisher } from '../../delivery/publisher';
import { compileTransform, TransformCompileError } from '../../delivery/transform';
import type { Transform } from '../../shared/transform';
import type { RetryPolicyInput } from '../../shared/retry-policy';
import type { TestSender } from '../../delivery/test-send';
import { NotFoundError, ValidationError } from '../errors';
import { importJwtKey, JwtKeyError } from '../../activities/jwt-auth';
import { openReceiverAuth } from '../../activities/receiver-auth';
import { secretBoxFor } from '../../secrets/encryption';
import {
  configParams,
  listQuery,
  orgParams,
  parseInput,
  patchConfigBody,
  putConfigBody,
  type ReceiverAuth,
  retryPolicyErrors,
  testSendBody,
} from '../validation';
import { configView } from '../views';

async function assertRegistered(db: Queryable, eventNames: readonly string[]): Promise<void> {
  const names = eventNames.filter((name) => name !== '*');
  const unknown = await findUnknownEventTypes(db, names);
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((name) => ({ field: `eventNames[${eventNames.indexOf(name)}]`, message: `event type "${name}" is not registered` })),
    );
  }
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

/** A transform is compiled when stored: one that does not compile gets 422 naming its position. */
export function assertTransformCompiles(transform: Transform | null | undefined, field = 'transform'): void {
  if (transform === null || transform === undefined) return;
  try {
    compileTransform(transform);
  } catch (error) {
    if (error instanceof TransformCompileError) throw new ValidationError([{ field, message: error.message }]);
    throw error;
  }
}

type ConfigsConfig = Pick<
  Config,
  | 'SECRET_ROTATION_OVERLAP'
  | 'ALLOWED_PRIVATE_CIDRS'
  | 'REQUIRE_HTTPS'
  | 'ENCRYPTION_KEY'
  | 'ENCRYPTION_PREVIOUS_KEYS'
  | 'RETRY_POLICY_MIN_INTERVAL'
  | 'RETRY_POLICY_MAX_WINDOW'
  | 'RETRY_POLICY_MAX_ATTEMPTS'
>;

export function configsRouter(deps: { pool: Pool; publisher: Publisher; testSender: TestSender; config: ConfigsConfig }): Router {
  const router = Router();
  const box = secretBoxFor(deps.config);
  const guard = destinationGuardFor(deps.config);
  const view = (row: WebhookConfigRow, secret?: string) => configView(row, { auth: openReceiverAuth(box, row.auth), secret });
  const sealAuth = (auth: ReceiverAuth | null): string | null => (auth === null ? null : box.encrypt(JSON.stringify(auth)));
  /** Literal internal addresses are refused when stored; names are checked again on every connect. */
  const assertDestination = (url: string | undefined, field = 'url'): void => {
    const reason = url === undefined ? undefined : guard.checkUrl(url);
    if (reason) throw new ValidationError([{ field, message: reason }]);
  };
  /** The OAuth token endpoint is fetched by the worker too: the same rules apply to it. */
  const assertAuthDestination = (auth: ReceiverAuth | null | undefined): void => {
    if (auth?.type === 'oauth2') assertDestination(auth.tokenUrl, 'auth.tokenUrl');
  };
  const retryBounds = {
    minIntervalMs: deps.config.RETRY_POLICY_MIN_INTERVAL,
    maxWindowMs: deps.config.RETRY_POLICY_MAX_WINDOW,
    maxAttempts: deps.config.RETRY_POLICY_MAX_ATTEMPTS,
  };
  const assertRetryPolicy = (policy: RetryPolicyInput | null | undefined): void => {
    const errors = policy ? retryPolicyErrors(policy, retryBounds) : [];
    if (errors.length > 0) throw new ValidationError(errors);
  };
  /** A JWT key that cannot sign with its algorithm is refused when stored, not at the first delivery. */
  const assertJwtKey = async (auth: ReceiverAuth | null | undefined): Promise<void> => {
    if (auth?.type !== 'jwt') return;
    try {
      await importJwtKey(auth);
    } catch (error) {
      if (error instanceof JwtKeyError) throw new ValidationError([{ field: 'auth.key', message: error.message }]);
      throw error;
    }
  };
  /**
   * A write that disables an enabled config announces it through `webhook.config.disabled`, written in the
   * same transaction; its deliveries are started after commit (or by the reconciler).
   */
  const announceIfDisabled = (client: Queryable, before: WebhookConfigRow | undefined, after: WebhookConfigRow): Promise<DeliveryRef[]> =>
    before?.enabled && !after.enabled ? announceConfigDisabled(client, deps.publisher, after) : Promise.resolve([]);

  router.put('/webhooks/:orgId/configs/:configId', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const body = parseInput(putConfigBody, req.body);
    assertDestination(body.url);
    assertAuthDestination(body.auth);
    await assertJwtKey(body.auth);
    assertTransformCompiles(body.transform);
    assertRetryPolicy(body.retry);
    await assertRegistered(deps.pool, body.eventNames);
    const fields: ConfigFields = {
      url: body.url,
      eventNames: [...new Set(body.eventNames)],
      enabled: body.enabled,
      description: body.description ?? null,
      headers: body.headers ?? {},
      timeoutMs: body.timeoutMs,
      maxConcurrency: body.maxConcurrency,
      maxPerSecond: body.maxPerSecond,
      auth: sealAuth(body.auth),
      filter: body.filter,
      transform: body.transform,
      retryPolicy: body.retry,
    };
    const generated = body.secret ?? generateSecret();
    const sealed = box.encrypt(generated);
    const { created, config, refs } = await withTransaction(deps.pool, async (client) => {
      const current = await getConfigForUpdate(client, orgId, configId);
      const written = await putConfig(client, orgId, configId, fields, body.secret ? sealed : null, sealed);
      return { ...written, refs: await announceIfDisabled(client, current, written.config) };
    });
    await deps.publisher.startDeliveries(refs);
    res.status(created ? 201 : 200).json(view(config, created ? generated : undefined));
  });

  router.get('/webhooks/:orgId/configs', async (req, res) => {
    const { orgId } = parseInput(orgParams, req.params, 'path');
    const { cursor, limit } = parseInput(listQuery, req.query, 'query');
    const page = await listConfigs(deps.pool, orgId, cursor ?? null, limit);
    res.json({ items: page.items.map((row) => view(row)), nextCursor: page.nextCursor });
  });

  router.get('/webhooks/:orgId/configs/:configId', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const row = await getConfig(deps.pool, orgId, configId);
    if (!row) throw new NotFoundError(`config ${configId}`);
    res.json(view(row));
  });

  router.get('/webhooks/:orgId/configs/:configId/secret', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const row = await getConfig(deps.pool, orgId, configId);
    if (!row) throw new NotFoundError(`config ${configId}`);
    const previousLive = row.previous_secret && row.previous_secret_expires_at && row.previous_secret_expires_at > new Date();
    res.json({
      secret: box.decrypt(row.secret),
      previousSecret: previousLive && row.previous_secret ? box.decrypt(row.previous_secret) : null,
      previousSecretExpiresAt: previousLive ? row.previous_secret_expires_at?.toISOString() : null,
    });
  });

  router.patch('/webhooks/:orgId/configs/:configId', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const patch = parseInput(patchConfigBody, req.body);
    assertDestination(patch.url);
    assertAuthDestination(patch.auth);
    await assertJwtKey(patch.auth);
    assertTransformCompiles(patch.transform);
    assertRetryPolicy(patch.retry);
    const { updated, refs } = await withTransaction(deps.pool, async (client) => {
      const current = await getConfigForUpdate(client, orgId, configId);
      if (!current) throw new NotFoundError(`config ${configId}`);
      if (patch.eventNames) await assertRegistered(client, patch.eventNames);
      const { auth, retry, ...changes } = patch;
      const fields: ConfigFields = {
        ...fieldsOf(current),
        ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
        ...(auth !== undefined ? { auth: sealAuth(auth) } : {}),
        ...(retry !== undefined ? { retryPolicy: retry } : {}),
      };
      fields.eventNames = [...new Set(fields.eventNames)];
      const { config } = await putConfig(client, orgId, configId, fields, null, current.secret);
      return { updated: config, refs: await announceIfDisabled(client, current, config) };
    });
    await deps.publisher.startDeliveries(refs);
    res.json(view(updated));
  });

  router.delete('/webhooks/:orgId/configs/:configId', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    if (!(await deleteConfig(deps.pool, orgId, configId))) throw new NotFoundError(`config ${configId}`);
    res.status(204).end();
  });

  router.post('/webhooks/:orgId/configs/:configId/secret/rotate', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const secret = generateSecret();
    const row = await rotateSecret(deps.pool, orgId, configId, box.encrypt(secret), deps.config.SECRET_ROTATION_OVERLAP);
    if (!row) throw new NotFoundError(`config ${configId}`);
    res.json({
      secret,
      previousSecretExpiresAt: row.previous_secret_expires_at?.toISOString() ?? null,
    });
  });

  /** One signed POST now, through the delivery path; answers what the receiver answered, whatever it was. */
  router.post('/webhooks/:orgId/configs/:configId/test', async (req, res) => {
    const { orgId, configId } = parseInput(configParams, req.params, 'path');
    const body = parseInput(testSendBody, req.body ?? {});
    res.json(await deps.testSender.send({ orgId, configId, ...body }));
  });

  return router;
}
